"""Reads: querysets for lists, detail loads, filters and keyset cursors. Shared by every interface."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils.dateparse import parse_datetime

from executions.engine.states import ExecutionStatus
from executions.errors import InvalidInput, NotFound
from executions.models import AuditEvent, Execution, HistoryEntry, Workflow


def workflow_get(*, workflow_id: str) -> Workflow:
    """By id, or by name (the Yandex API and `workflow` steps accept either)."""
    workflow = (
        Workflow.objects.select_related("current_revision").filter(Q(pk=workflow_id) | Q(name=workflow_id)).first()
    )
    if workflow is None:
        raise NotFound(f"workflow {workflow_id} not found")
    return workflow


def workflow_list() -> QuerySet[Workflow]:
    return Workflow.objects.select_related("current_revision").order_by("name")


def execution_get(*, execution_id: str) -> Execution:
    try:
        return Execution.objects.select_related("workflow", "revision", "parent").get(pk=execution_id)
    except (Execution.DoesNotExist, ValueError):
        raise NotFound(f"execution {execution_id} not found") from None


@dataclass(frozen=True)
class ExecutionFilters:
    statuses: tuple[str, ...] = ()
    workflow_id: str = ""
    queue_name: str = ""
    concurrency_key: str = ""
    batch_id: str = ""
    parent_id: str = ""
    root_id: str = ""
    created_after: datetime | None = None
    created_before: datetime | None = None
    started_after: datetime | None = None
    started_before: datetime | None = None
    finished_after: datetime | None = None
    finished_before: datetime | None = None
    search: str = ""


def parse_statuses(values: Iterable[str]) -> tuple[str, ...]:
    statuses = []
    for raw in values:
        for value in str(raw).split(","):
            value = value.strip().upper()
            if not value:
                continue
            if value not in ExecutionStatus.__members__:
                allowed = ", ".join(s.value for s in ExecutionStatus)
                raise InvalidInput(f"unknown status {value!r}; expected one of {allowed}")
            statuses.append(value)
    return tuple(dict.fromkeys(statuses))


def parse_time(value: str, *, field: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parse_datetime(value)
    except ValueError:  # well-formed but impossible, e.g. month 13
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise InvalidInput(f"{field} must be an RFC 3339 time with a timezone, got {value!r}")
    return parsed


def execution_list(*, filters: ExecutionFilters | None = None) -> QuerySet[Execution]:
    """Newest first; (created_at, id) is the keyset the cursor pages on."""
    f = filters or ExecutionFilters()
    # The revision number (an API's deployment id) comes along without loading each revision's spec text.
    qs = Execution.objects.select_related("workflow").annotate(revision_number=F("revision__number"))
    if f.statuses:
        qs = qs.filter(status__in=f.statuses)
    if f.workflow_id:
        qs = qs.filter(Q(workflow_id=f.workflow_id) | Q(workflow__name=f.workflow_id))
    for field, value in (
        ("queue_name", f.queue_name),
        ("concurrency_key", f.concurrency_key),
        ("batch_id", f.batch_id),
        ("parent_id", f.parent_id),
        ("root_id", f.root_id),
    ):
        if value:
            qs = qs.filter(**{field: value})
    for field, after, before in (
        ("created_at", f.created_after, f.created_before),
        ("started_at", f.started_after, f.started_before),
        ("finished_at", f.finished_after, f.finished_before),
    ):
        if after:
            qs = qs.filter(**{f"{field}__gte": after})
        if before:
            qs = qs.filter(**{f"{field}__lt": before})
    if f.search:
        qs = qs.filter(Q(pk__startswith=f.search.lower()) | Q(workflow__name__icontains=f.search))
    return qs.order_by("-created_at", "-id")


def execution_status_counts() -> dict[str, int]:
    """How many executions are in each status, every status present (zero included), in enum order."""
    counts = dict(Execution.objects.order_by().values_list("status").annotate(n=Count("pk")))
    return {status.value: counts.get(status.value, 0) for status in ExecutionStatus}


def execution_history(*, execution: Execution) -> QuerySet[HistoryEntry]:
    return HistoryEntry.objects.filter(execution=execution).order_by("run_id")


def execution_audit(*, execution: Execution) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(target_type="execution", target_id=execution.pk).order_by("created_at", "id")


# --- keyset cursors -------------------------------------------------------------------------------------------


def encode_cursor(values: dict[str, Any]) -> str:
    raw = json.dumps(values, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str) -> dict[str, Any]:
    try:
        padded = token + "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError):
        raise InvalidInput("invalid page cursor") from None
    if not isinstance(data, dict):
        raise InvalidInput("invalid page cursor")
    return data


@dataclass(frozen=True)
class Page:
    items: list[Any]
    next_cursor: str | None


def execution_page(*, queryset: QuerySet[Execution], cursor: str = "", size: int = 50) -> Page:
    """One page newest-first, continuing after `cursor` (the last row's created_at and id)."""
    if cursor:
        data = decode_cursor(cursor)
        try:
            created = parse_datetime(str(data.get("c", "")))
        except ValueError:
            created = None
        last_id = data.get("i")
        if created is None or created.tzinfo is None or not isinstance(last_id, str) or not last_id.isalnum():
            raise InvalidInput("invalid page cursor")
        queryset = queryset.filter(Q(created_at__lt=created) | Q(created_at=created, id__lt=last_id))
    rows = list(queryset[: size + 1])
    items = rows[:size]
    next_cursor = None
    if len(rows) > size:
        last = items[-1]
        next_cursor = encode_cursor({"c": last.created_at.isoformat(), "i": last.pk})
    return Page(items=items, next_cursor=next_cursor)


def workflow_page(*, queryset: QuerySet[Workflow], cursor: str = "", size: int = 50) -> Page:
    """One page in name order, continuing after `cursor` (the last row's name, which is unique)."""
    if cursor:
        last_name = decode_cursor(cursor).get("n")
        if not isinstance(last_name, str) or not last_name.replace("-", "").isalnum():
            raise InvalidInput("invalid page cursor")
        queryset = queryset.filter(name__gt=last_name)
    rows = list(queryset.order_by("name")[: size + 1])
    items = rows[:size]
    next_cursor = encode_cursor({"n": items[-1].name}) if len(rows) > size else None
    return Page(items=items, next_cursor=next_cursor)
