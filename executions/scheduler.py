"""The scheduler's sweep: fire due timers, resend attempts whose lease expired, fail step attempts and
executions past their deadlines, and begin executions whose first dispatch was lost.

Safe to run in several processes at once: each action is a compare-and-swap or runs under the execution's
row lock and re-checks its condition there, so the second replica does nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from executions import dispatch, services
from executions.actors import SYSTEM_TIMEOUT
from executions.engine.protocol import DeadlineExceeded
from executions.engine.states import ExecutionStatus, StepStatus
from executions.errors import DomainError
from executions.models import Execution, HistoryEntry
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
    report.resent = _resend_expired_leases(now)
    report.deadlines = _fail_past_deadline(now)
    report.begun = _begin_lost(now)
    return report


def _fire_timers(now: datetime) -> int:
    due = HistoryEntry.objects.filter(timer_at__lte=now).values_list("execution_id", "run_id")[:BATCH]
    fired = 0
    for execution_id, run_id in due:
        try:
            fired += services.timer_fire(execution_id=execution_id, run_id=run_id, now=now)
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
                execution_id=execution_id, run_id=run_id, attempt=attempt, deadline=deadline, now=now
            )
        except DomainError as exc:
            log.warning("timeout of %s#%s: %s", execution_id, run_id, exc)
    return count


def _resend_expired_leases(now: datetime) -> int:
    expired = HistoryEntry.objects.filter(
        lease_expires_at__lte=now, status__in=ACTIVE_STEP, command__isnull=False
    ).values_list("pk", "execution_id", "lease_expires_at", "command")[:BATCH]
    lease = now + timedelta(seconds=settings.WORKFLOWS_LEASE_SECONDS)
    count = 0
    for pk, execution_id, old_lease, command in expired:
        # The worker died (or the dispatch was lost): send the same attempt again. At-least-once; the attempt
        # fence makes sure only one outcome is applied.
        if HistoryEntry.objects.filter(pk=pk, lease_expires_at=old_lease).update(worker="", lease_expires_at=lease):
            dispatch.run_step(execution_id, command_from_json(command))
            count += 1
    return count


def _fail_past_deadline(now: datetime) -> int:
    due = Execution.objects.filter(deadline_at__lte=now, status__in=ACTIVE_EXECUTION).values_list("pk", flat=True)
    count = 0
    for execution_id in due[:BATCH]:
        try:
            services.execution_deadline(
                execution_id=execution_id, actor=SYSTEM_TIMEOUT, event=DeadlineExceeded(), now=now
            )
            count += 1
        except DomainError as exc:
            log.info("deadline of %s: %s", execution_id, exc)
    return count


_begun_recently: dict[str, datetime] = {}


def _begin_lost(now: datetime) -> int:
    grace = timedelta(seconds=2)
    stale = Execution.objects.filter(
        Q(cursor={}) | Q(cursor__isnull=True), status=ExecutionStatus.QUEUED, created_at__lte=now - grace
    ).values_list("pk", flat=True)[:BATCH]
    count = 0
    for execution_id in stale:
        last = _begun_recently.get(execution_id)
        if last is not None and now - last < timedelta(seconds=settings.WORKFLOWS_LEASE_SECONDS):
            continue
        _begun_recently[execution_id] = now
        dispatch.begin(execution_id)
        count += 1
    if len(_begun_recently) > 10_000:
        _begun_recently.clear()
    return count
