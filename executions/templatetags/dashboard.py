"""Presentation helpers for the dashboard: JSON, durations, timestamps, status badges, the user's role."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from django import template
from django.utils import timezone
from django.utils.html import format_html

from executions import permissions

register = template.Library()

EMPTY = "—"


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
def when(value: datetime | None) -> str:
    """A timestamp in the site's time zone, in a <time> element (machine-readable beside the human form)."""
    if value is None:
        return EMPTY
    value = timezone.localtime(value) if timezone.is_aware(value) else value
    return format_html('<time datetime="{}">{}</time>', value.isoformat(), value.strftime("%Y-%m-%d %H:%M:%S"))


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
