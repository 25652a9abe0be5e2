"""The scheduler's sweep: fire due timers, resend attempts whose lease expired, fail step attempts and
executions past their deadlines, and begin executions whose first dispatch was lost (or whose concurrency
key has a free slot again).

Safe to run in several processes at once: each action is a compare-and-swap or runs under the execution's
row lock and re-checks its condition there, so the second replica does nothing. On PostgreSQL the sweeps
skip rows another transaction holds (SKIP LOCKED) instead of queueing behind them: replicas share the due
rows out among themselves, and a row skipped now is due again on the next tick. On SQLite, where each write
transaction holds the database's write lock, they simply take turns.

A process whose executor would drop work handed to it (the thread executor with no pool running, as in
`run_scheduler` beside `run_engine` processes) does not resend attempts nor begin executions: it would take
them from the processes that can run them. Timers, timeouts and deadlines it still handles: they are
database transitions, and the work they lead to is dispatched as any other (and resent, if dropped, by a
process that has a pool).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from executions import dispatch, services
from executions.actors import SYSTEM_TIMEOUT
from executions.engine.protocol import DeadlineExceeded
from executions.engine.states import ExecutionStatus, StepStatus
from executions.errors import DomainError
from executions.models import Execution, HistoryEntry
from executions.services import concurrency
from executions.services.shell import attempt_time_out, command_from_json

log = logging.getLogger(__name__)

BATCH = 200
ACTIVE_STEP = [StepStatus.STARTED, StepStatus.CANCEL_REQUESTED]
ACTIVE_EXECUTION = [ExecutionStatus.RUNNING, ExecutionStatus.PAUSED, ExecutionStatus.QUEUED]


@dataclass
class TickReport:
    timers: int = 0
    resent: int = 0
    step_timeouts: int = 0
    deadlines: int = 0
    begun: int = 0


def tick(now: datetime | None = None) -> TickReport:
    now = now or timezone.now()
    report = TickReport()
    report.timers = _fire_timers(now)
    report.step_timeouts = _time_out_attempts(now)
    if dispatch.accepts_work():
        report.resent = _resend_expired_leases(now)
    report.deadlines = _fail_past_deadline(now)
    if dispatch.accepts_work():
        report.begun = _begin_lost(now)
    return report


def _fire_timers(now: datetime) -> int:
    due = HistoryEntry.objects.filter(timer_at__lte=now).values_list("execution_id", "run_id")[:BATCH]
    fired = 0
    for execution_id, run_id in due:
        try:
            fired += services.timer_fire(execution_id=execution_id, run_id=run_id, now=now, skip_locked=True)
        except DomainError as exc:
            log.warning("timer %s#%s: %s", execution_id, run_id, exc)
    return fired


def _time_out_attempts(now: datetime) -> int:
    due = HistoryEntry.objects.filter(attempt_deadline_at__lte=now, status__in=ACTIVE_STEP).values_list(
        "execution_id", "run_id", "attempts", "attempt_deadline_at"
    )[:BATCH]
    count = 0
    for execution_id, run_id, attempt, deadline in due:
        # One transaction claims the timeout (so two replicas do not both report it) and reports it, on
        # this tick's clock: the retry backoff and the entry's end time count from it.
        try:
            count += attempt_time_out(
                execution_id=execution_id, run_id=run_id, attempt=attempt, deadline=deadline, now=now, skip_locked=True
            )
        except DomainError as exc:
            log.warning("timeout of %s#%s: %s", execution_id, run_id, exc)
    return count


def _skip_locked(rows: QuerySet) -> QuerySet:
    if connection.features.has_select_for_update_skip_locked:
        return rows.select_for_update(skip_locked=True, of=("self",))
    return rows


def _resend_expired_leases(now: datetime) -> int:
    lease = now + timedelta(seconds=settings.WORKFLOWS_DISPATCH_LEASE_SECONDS)
    expired = HistoryEntry.objects.filter(lease_expires_at__lte=now, status__in=ACTIVE_STEP, command__isnull=False)
    if not expired.exists():  # the usual case; and on SQLite a transaction would take the write lock
        return 0
    with transaction.atomic():
        # The worker died (or the dispatch was lost): send the same attempt again. At-least-once; the attempt
        # fence makes sure only one outcome is applied. The rows are claimed (locked, lease moved on) in one
        # transaction and sent after it commits; a replica skips the rows this one holds.
        claimed = list(_skip_locked(expired).values_list("pk", "execution_id", "command")[:BATCH])
        if not claimed:
            return 0
        HistoryEntry.objects.filter(pk__in=[pk for pk, _, _ in claimed], lease_expires_at__lte=now).update(
            worker="", lease_expires_at=lease
        )
        queues = dict(
            Execution.objects.filter(pk__in={e for _, e, _ in claimed}).values_list("pk", "queue_name").order_by()
        )
        for _, execution_id, command in claimed:
            transaction.on_commit(
                lambda e=execution_id, c=command: dispatch.run_step(e, command_from_json(c), queue=queues.get(e))
            )
    return len(claimed)


def _fail_past_deadline(now: datetime) -> int:
    due = Execution.objects.filter(deadline_at__lte=now, status__in=ACTIVE_EXECUTION).values_list("pk", flat=True)
    count = 0
    for execution_id in due[:BATCH]:
        try:
            done = services.execution_deadline(
                execution_id=execution_id, actor=SYSTEM_TIMEOUT, event=DeadlineExceeded(), now=now, skip_locked=True
            )
            count += done is not None
        except DomainError as exc:
            log.info("deadline of %s: %s", execution_id, exc)
    return count


_begun_recently: dict[str, datetime] = {}


def _begin_lost(now: datetime) -> int:
    """Send the begin again to executions still QUEUED after the grace, oldest first.

    Executions without a concurrency key are lost begins. Keyed ones are begun only as far as their key has
    free slots (counted here without a lock; `execution_begin` counts again under the key's lock).
    """
    stale = Execution.objects.filter(
        concurrency.never_begun(), created_at__lte=now - timedelta(seconds=dispatch.begin_grace_seconds())
    ).order_by("created_at", "id")
    wanted = list(stale.filter(concurrency_key="").values_list("pk", "queue_name")[:BATCH])
    keyed = stale.exclude(concurrency_key="").values_list(
        "pk", "queue_name", "concurrency_key", "workflow__concurrency_limit"
    )[:BATCH]
    by_key: dict[str, list[tuple[str, str, int]]] = defaultdict(list)
    for pk, queue, key, workflow_limit in keyed:
        by_key[key].append((pk, queue, concurrency.limit_for(concurrency_key=key, workflow_limit=workflow_limit)))
    for key, waiting in by_key.items():
        limit = waiting[0][2]
        free = len(waiting) if not limit else max(0, limit - concurrency.holding(key))
        wanted.extend((pk, queue) for pk, queue, _ in waiting[:free])

    resend_after = timedelta(seconds=settings.WORKFLOWS_DISPATCH_LEASE_SECONDS)
    count = 0
    for execution_id, queue in wanted:
        last = _begun_recently.get(execution_id)
        if last is not None and now - last < resend_after:
            continue
        _begun_recently[execution_id] = now
        dispatch.begin(execution_id, queue=queue)
        count += 1
    if len(_begun_recently) > 10_000:
        _begun_recently.clear()
    return count
