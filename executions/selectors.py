"""Reads: querysets for lists, detail loads, filters and keyset cursors. Shared by every interface."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils.dateparse import parse_datetime

from executions.engine.states import ExecutionStatus
from executions.errors import InvalidInput, NotFound
from executions.models import ApiToken, AuditEvent, Execution, HistoryEntry, Workflow, WorkflowRevision


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


MAX_REVISION_NUMBER = 2**31 - 1


def workflow_revisions(*, workflow: Workflow) -> QuerySet[WorkflowRevision]:
    """Newest first; the spec text is left out (a list shows who changed what, the detail shows the spec)."""
    return (
        WorkflowRevision.objects.filter(workflow=workflow)
        .select_related("workflow")
        .defer("yaml_text", "definition")
        .order_by("-number")
    )


def workflow_revision_get(*, workflow: Workflow, number: int) -> WorkflowRevision:
    revision = None
    if 0 < number <= MAX_REVISION_NUMBER:  # a larger number cannot be stored, so it is not there
        revision = WorkflowRevision.objects.select_related("workflow").filter(workflow=workflow, number=number).first()
    if revision is None:
        raise NotFound(f"workflow {workflow.name} has no revision {number}")
    return revision


@dataclass(frozen=True)
class AuditFilters:
    target_type: str = ""
    target_id: str = ""
    action: str = ""
    actor: str = ""
    source: str = ""
    created_after: datetime | None = None
    created_before: datetime | None = None


def audit_event_list(*, filters: AuditFilters | None = None) -> QuerySet[AuditEvent]:
    """Newest first; (created_at, id) is the keyset the cursor pages on."""
    f = filters or AuditFilters()
    qs = AuditEvent.objects.all()
    for field, value in (
        ("target_type", f.target_type),
        ("target_id", f.target_id),
        ("action", f.action),
        ("actor", f.actor),
        ("source", f.source),
    ):
        if value:
            qs = qs.filter(**{field: value})
    if f.created_after:
        qs = qs.filter(created_at__gte=f.created_after)
    if f.created_before:
        qs = qs.filter(created_at__lt=f.created_before)
    return qs.order_by("-created_at", "-id")


def api_token_list(*, owner: Any = None) -> QuerySet[ApiToken]:
    """Newest first; every owner's tokens when `owner` is None."""
    qs = ApiToken.objects.select_related("owner")
    if owner is not None:
        qs = qs.filter(owner=owner)
    return qs.order_by("-created_at", "-id")


def api_token_get(*, prefix: str, owner: Any = None) -> ApiToken:
    """By its clear prefix; limited to `owner`'s tokens when given (another user's token is "not found")."""
    qs = api_token_list(owner=owner).filter(prefix=prefix)
    token = qs.first()
    if token is None:
        raise NotFound(f"API token {prefix} not found")
    return token


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
    return created_page(queryset=queryset, cursor=cursor, size=size, valid_id=_is_execution_id)


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


def _is_execution_id(value: Any) -> bool:
    return isinstance(value, str) and value.isalnum()


def _is_row_id(value: Any) -> bool:
    return type(value) is int


def _created_keyset(queryset: QuerySet, cursor: str, valid_id: Callable[[Any], bool]) -> QuerySet:
    """Rows after the cursor of a (created_at, id) keyset, newest first."""
    data = decode_cursor(cursor)
    try:
        created = parse_datetime(str(data.get("c", "")))
    except ValueError:
        created = None
    last_id = data.get("i")
    if created is None or created.tzinfo is None or not valid_id(last_id):
        raise InvalidInput("invalid page cursor")
    return queryset.filter(Q(created_at__lt=created) | Q(created_at=created, id__lt=last_id))


def created_page(
    *, queryset: QuerySet, cursor: str = "", size: int = 50, valid_id: Callable[[Any], bool] = _is_row_id
) -> Page:
    """One page newest-first of a model keyed by (created_at, id): executions, audit events, API tokens."""
    if cursor:
        queryset = _created_keyset(queryset, cursor, valid_id)
    rows = list(queryset[: size + 1])
    items = rows[:size]
    next_cursor = None
    if len(rows) > size:
        last = items[-1]
        next_cursor = encode_cursor({"c": last.created_at.isoformat(), "i": last.pk})
    return Page(items=items, next_cursor=next_cursor)


def revision_page(*, queryset: QuerySet[WorkflowRevision], cursor: str = "", size: int = 50) -> Page:
    """One page newest-first, continuing after `cursor` (the last row's revision number)."""
    if cursor:
        last_number = decode_cursor(cursor).get("r")
        if type(last_number) is not int:
            raise InvalidInput("invalid page cursor")
        queryset = queryset.filter(number__lt=last_number)
    rows = list(queryset[: size + 1])
    items = rows[:size]
    next_cursor = encode_cursor({"r": items[-1].number}) if len(rows) > size else None
    return Page(items=items, next_cursor=next_cursor)


# --- the dashboard --------------------------------------------------------------------------------------------

# A run's columns for ordering and colouring it: never its payloads, which may be megabytes each, and not its
# times, which cost a conversion each on SQLite (see `execution_run_times`).
RUN_SUMMARY_FIELDS = (
    "id",
    "parent_id",
    "run_id",
    "step_id",
    "path",
    "title",
    "type",
    "status",
    "attempts",
    "error_code",
)
RUN_TIME_FIELDS = ("scheduled_at", "started_at", "finished_at", "next_attempt_at")


@dataclass(frozen=True)
class RunSummary:
    pk: int
    parent_id: int | None
    run_id: int
    step_id: str
    path: str
    title: str
    type: str
    status: str
    attempts: int
    error_code: str
    scheduled_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    next_attempt_at: datetime | None = None


def execution_run_summaries(*, execution: Execution) -> list[RunSummary]:
    """Every step run of an execution, light and without times: thousands of runs stay cheap to order."""
    rows = HistoryEntry.objects.filter(execution=execution).order_by("run_id").values_list(*RUN_SUMMARY_FIELDS)
    return [RunSummary(*row) for row in rows]


def execution_run_times(*, execution: Execution, run_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """The times of some runs (the ones a timeline draws): `{run_id: {"started_at": ..., ...}}`."""
    rows = HistoryEntry.objects.filter(execution=execution, run_id__in=list(run_ids)).values("run_id", *RUN_TIME_FIELDS)
    return {row.pop("run_id"): row for row in rows}


def execution_history_entries(*, execution: Execution, run_ids: Iterable[int]) -> list[HistoryEntry]:
    """Full history entries for the given runs (one page of the history table), without their payloads."""
    return list(
        HistoryEntry.objects.filter(execution=execution, run_id__in=list(run_ids))
        .select_related("child_execution")
        .defer("input", "output", "command")
        .order_by("run_id")
    )


def execution_run_get(*, execution: Execution, run_id: int) -> HistoryEntry:
    entry = HistoryEntry.objects.filter(execution=execution, run_id=run_id).first()
    if entry is None:
        raise NotFound(f"step run {run_id} of execution {execution.pk} not found")
    return entry


def execution_children(*, execution: Execution, limit: int = 50) -> list[Execution]:
    return list(
        Execution.objects.filter(parent=execution).select_related("workflow").order_by("created_at", "id")[:limit]
    )


@dataclass(frozen=True)
class BulkPreview:
    """What a bulk action would touch: each chosen execution and whether the action is legal for it now."""

    items: list[tuple[Execution, bool]]

    @property
    def allowed(self) -> int:
        return sum(1 for _, ok in self.items if ok)

    @property
    def refused(self) -> int:
        return len(self.items) - self.allowed


def execution_bulk_preview(*, execution_ids: Iterable[str], action: str) -> BulkPreview:
    """The chosen executions that exist, in the order given, each with whether `action` is legal now."""
    from executions.engine.states import can

    ids = list(dict.fromkeys(execution_ids))
    found = {e.pk: e for e in Execution.objects.select_related("workflow").filter(pk__in=ids)}
    return BulkPreview([(found[pk], can(found[pk].status, action)) for pk in ids if pk in found])


def execution_activity(*, since: datetime, until: datetime) -> dict[datetime, tuple[int, int]]:
    """Executions created, and executions that failed, per hour in [since, until): `{hour: (started, failed)}`."""
    from django.db.models.functions import TruncHour

    started = (
        Execution.objects.filter(created_at__gte=since, created_at__lt=until)
        .annotate(hour=TruncHour("created_at"))
        .order_by()
        .values_list("hour")
        .annotate(n=Count("pk"))
    )
    failed = (
        Execution.objects.filter(status=ExecutionStatus.FAILED, finished_at__gte=since, finished_at__lt=until)
        .annotate(hour=TruncHour("finished_at"))
        .order_by()
        .values_list("hour")
        .annotate(n=Count("pk"))
    )
    buckets: dict[datetime, tuple[int, int]] = {}
    for hour, n in started:
        buckets[hour] = (n, 0)
    for hour, n in failed:
        buckets[hour] = (buckets.get(hour, (0, 0))[0], n)
    return buckets


def execution_recent_failures(*, limit: int = 8) -> QuerySet[Execution]:
    return execution_list(filters=ExecutionFilters(statuses=(ExecutionStatus.FAILED.value,)))[:limit]


def workflow_busiest(*, since: datetime, limit: int = 8) -> list[dict[str, Any]]:
    """Workflows by how many executions they started since `since`, with how many of those failed."""
    return list(
        Execution.objects.filter(created_at__gte=since)
        .order_by()
        .values("workflow_id", "workflow__name")
        .annotate(total=Count("pk"), failed=Count("pk", filter=Q(status=ExecutionStatus.FAILED)))
        .order_by("-total", "workflow__name")[:limit]
    )
