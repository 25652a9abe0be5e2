"""Presentation helpers for the dashboard: JSON, durations, timestamps, status badges, the user's role."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from django import template
from django.utils import timezone
from django.utils.html import format_html

from executions import permissions

register = template.Library()

EMPTY = "—"
MAX_DEPTH = 10


@register.filter
def pretty_json(value: Any) -> str:
    """Indented JSON as plain text: the template escapes it, so a `<script>` in a payload stays text."""
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False, default=str)


@register.filter
def duration(value: timedelta | None) -> str:
    if value is None:
        return EMPTY
    seconds = max(value.total_seconds(), 0.0)
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours:02d} h"


@register.filter
def seconds(value: float | None) -> timedelta | None:
    return None if value is None else timedelta(seconds=float(value))


@register.filter
def when(value: datetime | None, style: str = "") -> str:
    """A timestamp as a <time> element: UTC in the markup (and on hover); `static/js/dashboard.js` shows it in
    the operator's time zone, and with `"relative"` also how long ago ("3 min ago")."""
    if value is None:
        return EMPTY
    utc = value.astimezone(UTC) if timezone.is_aware(value) else value.replace(tzinfo=UTC)
    text = utc.strftime("%Y-%m-%d %H:%M:%S UTC")
    return format_html(
        '<time datetime="{}" data-local{}>{}</time>',
        utc.isoformat().replace("+00:00", "Z"),
        " data-relative" if style == "relative" else "",
        text,
    )


@register.filter
def iso(value: datetime | None) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else ""


@register.filter
def n(value: float) -> str:
    """A coordinate for SVG markup: one decimal, always a dot."""
    return f"{float(value):.1f}"


@register.filter
def depth_class(depth: int) -> str:
    """Indentation of a nested run as a class (no inline styles: the pages work under a strict CSP)."""
    return f"depth-{min(max(int(depth or 0), 0), MAX_DEPTH)}"


@register.simple_tag
def status_badge(status: str) -> str:
    """A coloured badge for an execution or step status."""
    modifier = str(status).lower().replace("_", "-")
    return format_html('<span class="badge badge--{}">{}</span>', modifier, str(status).replace("_", " "))


@register.filter
def role_of(user: Any) -> str:
    if getattr(user, "is_superuser", False):
        return "superuser"
    names = set(user.groups.values_list("name", flat=True)) if getattr(user, "pk", None) else set()
    held = [role for role in permissions.ROLE_ORDER if role in names]
    return held[-1] if held else "no role"


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    return mapping.get(key) if hasattr(mapping, "get") else None
