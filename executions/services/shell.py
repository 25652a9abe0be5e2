"""The imperative shell around the pure interpreter: lock, feed one event, persist the Outcome, dispatch.

Every transition is committed before anything that depends on it is sent: commands go to the dispatcher and
events to the broadcaster only from `transaction.on_commit`. Outcomes of integration steps are fenced by the
attempt number inside the interpreter, so a late or duplicated outcome is ignored, never applied twice.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from executions import broadcast, dispatch
from executions.actors import SYSTEM_ENGINE, Actor
from executions.definitions import definition_for, engine_limits, resolve_secret
from executions.engine import handle, start
from executions.engine.protocol import (
    CancelStep,
    Event,
    Outcome,
    RunRecord,
    RunStep,
    SetTimer,
    StepErrored,
    StepSucceeded,
    TimerFired,
)
from executions.engine.states import ExecutionStatus, StepStatus, StepType, check_status_change
from executions.errors import DomainError, NotFound
from executions.models import Execution, HistoryEntry, Workflow
from executions.services import concurrency

log = logging.getLogger(__name__)

FINISHED_STEP_STATUSES = {StepStatus.COMPLETED, StepStatus.FAILED, StepStatus.CANCELLED}


def lock_execution(execution_id: str) -> Execution:
    # of=("self",): lock the execution row only, not the joined revision row, which every execution of that
    # revision shares (locking it would serialise them all on PostgreSQL).
    try:
        return Execution.objects.select_for_update(of=("self",)).select_related("revision").get(pk=execution_id)
    except Execution.DoesNotExist:
        raise NotFound(f"execution {execution_id} not found") from None


def try_lock_execution(execution_id: str) -> Execution | None:
    """Lock the execution, or return None at once if another transaction holds it (SKIP LOCKED).

    For the scheduler's sweeps: replicas and busy workers are skipped instead of waited for, and the row is
    looked at again on the next tick. On SQLite, where every write transaction already holds the database's
    write lock, this is `lock_execution`.
    """
    if not connection.features.has_select_for_update_skip_locked:
        return lock_execution(execution_id)
    found = Execution.objects.select_for_update(of=("self",), skip_locked=True).select_related("revision")
    execution = found.filter(pk=execution_id).first()
    if execution is None and not Execution.objects.filter(pk=execution_id).exists():
        raise NotFound(f"execution {execution_id} not found")
    return execution


@transaction.atomic
def execution_begin(*, execution_id: str) -> Execution:
    """Run a QUEUED execution's first steps. Safe to call twice: a begun execution is left alone, and so is
    one whose concurrency key has no free slot (it stays QUEUED until one frees: see `concurrency`)."""
    execution = lock_execution(execution_id)
    if execution.status != ExecutionStatus.QUEUED or execution.cursor:
        return execution
    if not concurrency.slot_free(execution):
        return execution
    return begin_locked(execution)


def begin_locked(execution: Execution, *, now: datetime | None = None) -> Execution:
    """Start the interpreter for an execution that never began (it has no cursor), already locked by the
    caller: a QUEUED one, or one stopped while QUEUED and now retried."""
    now = now or timezone.now()
    execution.started_at = now
    execution.deadline_at = now + timedelta(seconds=execution.run_timeout_seconds)
    outcome = start(
        definition_for(execution.revision),
        execution.input,
        now=now,
        limits=engine_limits(),
        secrets=resolve_secret,
    )
    apply_outcome(execution, outcome, now=now)
    return execution


@transaction.atomic
def execution_advance(*, execution_id: str, event: Event) -> Execution:
    execution = lock_execution(execution_id)
    return advance_locked(execution, event)


def advance_locked(execution: Execution, event: Event, *, now: datetime | None = None) -> Execution:
    """Feed one event to the interpreter for an execution already locked by the caller's transaction."""
    now = now or timezone.now()
    outcome = handle(
        definition_for(execution.revision),
        execution.cursor,
        event,
        now=now,
        limits=engine_limits(),
        secrets=resolve_secret,
    )
    apply_outcome(execution, outcome, now=now)
    return execution


def step_completed(*, execution_id: str, run_id: int, attempt: int, result: Any) -> Execution:
    return execution_advance(execution_id=execution_id, event=StepSucceeded(run_id, attempt, result))


def step_failed(*, execution_id: str, run_id: int, attempt: int, code: str, message: str) -> Execution:
    return execution_advance(execution_id=execution_id, event=StepErrored(run_id, attempt, code, message))


@transaction.atomic
def timer_fire(*, execution_id: str, run_id: int, now: datetime | None = None, skip_locked: bool = False) -> bool:
    """Fire one due timer (due at `now`, the scheduler's clock). False when another replica fired it first,
    or (with `skip_locked`) when another transaction holds the execution: the timer stays due for next time."""
    execution = try_lock_execution(execution_id) if skip_locked else lock_execution(execution_id)
    if execution is None:
        return False
    now = now or timezone.now()
    # The execution row lock serialises replicas; the timer_at check makes the second one a no-op.
    fired = HistoryEntry.objects.filter(
        execution=execution, run_id=run_id, timer_at__isnull=False, timer_at__lte=now
    ).update(timer_at=None)
    if not fired:
        return False
    advance_locked(execution, TimerFired(run_id), now=now)
    return True


@transaction.atomic
def attempt_time_out(
    *, execution_id: str, run_id: int, attempt: int, deadline: datetime, now: datetime, skip_locked: bool = False
) -> bool:
    """Fail an attempt past its step timeout with STEP_TIMEOUT (the scheduler's call, on its clock).

    False when the attempt already ended or another replica timed it out first. The claim (clearing the
    attempt's deadline and lease) commits with the failure it reports: claimed in a transaction of its own,
    a crash or a database error between the two would leave an attempt that is never timed out nor re-sent.
    The execution row is locked first, as every other writer of its history does, so no lock-order deadlock.
    With `skip_locked`, an execution another transaction holds is left for the next tick (False).
    """
    execution = try_lock_execution(execution_id) if skip_locked else lock_execution(execution_id)
    if execution is None:
        return False
    claimed = HistoryEntry.objects.filter(
        execution=execution,
        run_id=run_id,
        attempts=attempt,
        attempt_deadline_at=deadline,
        status__in=[StepStatus.STARTED, StepStatus.CANCEL_REQUESTED],
    ).update(attempt_deadline_at=None, lease_expires_at=None)
    if not claimed:
        return False
    transaction.on_commit(lambda: dispatch.cancel_step(execution_id, run_id))
    event = StepErrored(run_id, attempt, "STEP_TIMEOUT", "the step attempt ran past its timeout")
    advance_locked(execution, event, now=now)
    return True


def apply_outcome(execution: Execution, outcome: Outcome, *, now: datetime) -> None:
    old_status = ExecutionStatus(execution.status)
    new_status = ExecutionStatus(outcome.status)
    # One call may pass through several statuses (PAUSED -> RUNNING -> FINISHED on a resume that runs to
    # the end): each hop must be legal.
    hop_from = old_status
    for hop in outcome.transitions or (new_status,):
        check_status_change(hop_from, hop)
        hop_from = ExecutionStatus(hop)
    execution.cursor = outcome.cursor
    execution.status = new_status
    # "Ended in this call" is not "was not terminal before": a redrive whose re-run steps all complete
    # inside this call goes FAILED -> RUNNING -> FINISHED, and must still record its new result and end
    # time and drop the old error (and tell a parent).
    ended = new_status.is_terminal and (not old_status.is_terminal or bool(outcome.transitions))
    if ended:
        execution.finished_at = now
        execution.result = outcome.result
        execution.error_code = outcome.error.code if outcome.error else ""
        execution.error_message = outcome.error.message if outcome.error else ""
        execution.stop_requested = execution.pause_requested = False
    elif old_status.is_terminal and not new_status.is_terminal:  # redrive
        execution.finished_at = None
        execution.result = None
        execution.error_code = execution.error_message = ""
    execution.save()

    entries = _upsert_entries(execution, outcome.runs, now=now)
    follow_ups = _apply_commands(execution, outcome.commands, entries, now=now)
    if ended and execution.parent_id:
        notify_parent(execution, now=now)
    if ended and execution.concurrency_key:
        key = execution.concurrency_key
        transaction.on_commit(lambda: concurrency.begin_next_waiting(key))
    transaction.on_commit(lambda: broadcast.execution_changed(execution.pk, status=new_status.value))
    for event in follow_ups:
        advance_locked(execution, event, now=now)


def _upsert_entries(execution: Execution, runs: tuple[RunRecord, ...], *, now: datetime) -> dict[int, HistoryEntry]:
    if not runs:
        return {}
    wanted = {r.run_id for r in runs} | {r.parent_run_id for r in runs if r.parent_run_id}
    existing = {e.run_id: e for e in HistoryEntry.objects.filter(execution=execution, run_id__in=wanted)}
    for record in sorted(runs, key=lambda r: r.run_id):
        entry = existing.get(record.run_id) or HistoryEntry(execution=execution, run_id=record.run_id)
        parent = existing.get(record.parent_run_id) if record.parent_run_id else None
        _fill_entry(entry, record, parent)
        entry.save()
        existing[record.run_id] = entry
    return existing


def _fill_entry(entry: HistoryEntry, record: RunRecord, parent: HistoryEntry | None) -> None:
    entry.parent = parent
    entry.step_id = record.step_id
    entry.path = record.path
    entry.title = record.title or ""
    entry.description = record.description or ""
    entry.type = StepType(record.step_type).value
    entry.status = StepStatus(record.status).value
    entry.input = record.input
    entry.output = record.output
    entry.error_code = record.error.code if record.error else ""
    entry.error_message = record.error.message if record.error else ""
    entry.attempts = record.attempts
    entry.last_error_code = record.last_error.code if record.last_error else ""
    entry.last_error_message = record.last_error.message if record.last_error else ""
    entry.scheduled_at = record.scheduled_at
    entry.started_at = record.started_at
    entry.finished_at = record.finished_at
    entry.next_attempt_at = record.next_attempt_at
    # A run that changed and got no new SetTimer in this outcome has no pending timer any more. A finished
    # run holds no lease, and neither does a run waiting out a retry backoff (`next_attempt_at` set): its
    # failed attempt is over, so the scheduler must neither re-send that attempt when the lease runs out
    # (a second real request, whose outcome the fence then ignores) nor time it out. The next attempt's
    # RunStep, in this outcome or a later one, records a fresh lease after this upsert.
    entry.timer_at = None
    if record.status in FINISHED_STEP_STATUSES or record.next_attempt_at is not None:
        entry.worker = ""
        entry.lease_expires_at = entry.attempt_deadline_at = None
        entry.command = None


def _apply_commands(
    execution: Execution, commands: tuple, entries: dict[int, HistoryEntry], *, now: datetime
) -> list[Event]:
    follow_ups: list[Event] = []
    for command in commands:
        entry = entries.get(command.run_id) or HistoryEntry.objects.get(execution=execution, run_id=command.run_id)
        if isinstance(command, SetTimer):
            HistoryEntry.objects.filter(pk=entry.pk).update(timer_at=command.at)
        elif isinstance(command, RunStep) and command.step_type == StepType.WORKFLOW:
            follow_ups.extend(_start_child(execution, entry, command))
        elif isinstance(command, RunStep):
            _record_dispatch(entry, command, now=now)
            transaction.on_commit(lambda c=command: dispatch.run_step(execution.pk, c, queue=execution.queue_name))
        elif isinstance(command, CancelStep):
            _cancel(execution, entry)
    return follow_ups


def _record_dispatch(entry: HistoryEntry, command: RunStep, *, now: datetime) -> None:
    from django.conf import settings

    # Until a worker claims it, the attempt holds a dispatch lease: if the process dies before it is sent
    # or claimed, the scheduler sends it again when the lease expires.
    HistoryEntry.objects.filter(pk=entry.pk).update(
        worker="",
        command=command_to_json(command),
        lease_expires_at=now + timedelta(seconds=settings.WORKFLOWS_DISPATCH_LEASE_SECONDS),
        attempt_deadline_at=now + timedelta(seconds=command.timeout_seconds),
    )


def command_to_json(command: RunStep) -> dict[str, Any]:
    data = asdict(command)
    data["step_type"] = StepType(command.step_type).value
    return data


def command_from_json(data: dict[str, Any]) -> RunStep:
    return RunStep(**{**data, "step_type": StepType(data["step_type"])})


def _cancel(execution: Execution, entry: HistoryEntry) -> None:
    if entry.type == StepType.WORKFLOW and entry.child_execution_id:
        child_id = entry.child_execution_id
        # Children run on their parent's queue (`_start_child`).
        transaction.on_commit(lambda: dispatch.terminate_child(child_id, queue=execution.queue_name))
    else:
        transaction.on_commit(lambda: dispatch.cancel_step(execution.pk, entry.run_id))


def _start_child(execution: Execution, entry: HistoryEntry, command: RunStep) -> list[Event]:
    from executions.services.starting import create_execution

    workflow_ref = str(command.params.get("workflow_id", ""))
    workflow = Workflow.objects.filter(pk=workflow_ref).first() or Workflow.objects.filter(name=workflow_ref).first()
    if workflow is None:
        return [
            StepErrored(
                entry.run_id,
                command.attempt,
                "STEP_FAILED_PRECONDITION",
                f"workflow {workflow_ref!r} not found",
            )
        ]
    try:
        child = create_execution(
            actor=Actor(label=f"execution:{execution.pk}", source="engine"),
            workflow=workflow,
            input=command.params.get("execution_input", command.input),
            queue_name=execution.queue_name,
            parent=execution,
            parent_step_key=command.path,
            parent_run_id=entry.run_id,
        )
    except DomainError as exc:
        return [StepErrored(entry.run_id, command.attempt, "STEP_FAILED_PRECONDITION", exc.message)]
    HistoryEntry.objects.filter(pk=entry.pk).update(child_execution=child)
    return []


def notify_parent(child: Execution, *, now: datetime) -> None:
    """A child reached a terminal state: complete or fail the parent's `workflow` step, in this transaction.

    Lock order is always child then parent (nothing locks a parent and then its child), so no deadlock.
    `now` is the child's clock (the scheduler's, when a timer ended it): the parent's step ends when the
    child does, not whenever this process's clock says.
    """
    parent = lock_execution(child.parent_id)
    entry = HistoryEntry.objects.filter(execution=parent, run_id=child.parent_run_id, child_execution=child).first()
    if entry is None or entry.status in FINISHED_STEP_STATUSES:
        return
    if child.status == ExecutionStatus.FINISHED:
        event: Event = StepSucceeded(entry.run_id, entry.attempts, child.result)
    elif child.status == ExecutionStatus.FAILED:
        event = StepErrored(entry.run_id, entry.attempts, child.error_code or "STEP_INTERNAL", child.error_message)
    else:
        event = StepErrored(
            entry.run_id,
            entry.attempts,
            "STEP_FAILED_PRECONDITION",
            f"child execution {child.pk} was stopped",
        )
    advance_locked(parent, event, now=now)


__all__ = [
    "SYSTEM_ENGINE",
    "advance_locked",
    "attempt_time_out",
    "begin_locked",
    "command_from_json",
    "execution_advance",
    "execution_begin",
    "lock_execution",
    "notify_parent",
    "step_completed",
    "step_failed",
    "timer_fire",
    "try_lock_execution",
]
