"""Operator actions on executions: start, stop, terminate, pause, resume, retry."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from executions import broadcast
from executions.actors import Actor
from executions.engine.protocol import (
    PauseRequested,
    ResumeRequested,
    RetryRequested,
    StopRequested,
    TerminateRequested,
)
from executions.engine.states import Action, ExecutionStatus, check_action
from executions.errors import Conflict, InvalidInput
from executions.ids import new_execution_id
from executions.models import Execution, Workflow
from executions.services.audit import audit_record
from executions.services.shell import (
    advance_locked,
    begin_locked,
    lock_execution,
    notify_parent,
    try_lock_execution,
)
from executions.services.starting import check_input, create_execution

_MISSING = object()
# One batch is one transaction: the cap bounds how long it holds the write lock.
MAX_BATCH_SIZE = 1000


def execution_start(
    *,
    actor: Actor,
    workflow: Workflow,
    input: Any = None,
    idempotency_key: str = "",
    queue_name: str | None = None,
    run_timeout_seconds: int | None = None,
    concurrency_key: str = "",
    batch_id: str = "",
    session_id: str = "",
) -> Execution:
    """Queue a new execution of the workflow's current revision (see `execution_start_or_get`)."""
    execution, _ = execution_start_or_get(
        actor=actor,
        workflow=workflow,
        input=input,
        idempotency_key=idempotency_key,
        queue_name=queue_name,
        run_timeout_seconds=run_timeout_seconds,
        concurrency_key=concurrency_key,
        batch_id=batch_id,
        session_id=session_id,
    )
    return execution


@transaction.atomic
def execution_start_or_get(
    *,
    actor: Actor,
    workflow: Workflow,
    input: Any = None,
    idempotency_key: str = "",
    queue_name: str | None = None,
    run_timeout_seconds: int | None = None,
    concurrency_key: str = "",
    batch_id: str = "",
    session_id: str = "",
) -> tuple[Execution, bool]:
    """Queue a new execution of the workflow's current revision; returns it and whether it was created.

    Idempotent by `idempotency_key`: the same key with the same input returns the existing execution (and
    False); with another input it is a Conflict.
    """
    input = check_input(input)
    if idempotency_key:
        existing = Execution.objects.filter(workflow=workflow, idempotency_key=idempotency_key).first()
        if existing is not None:
            return _same_or_conflict(existing, input), False
    try:
        with transaction.atomic():
            execution = create_execution(
                actor=actor,
                workflow=workflow,
                input=input,
                queue_name=queue_name,
                run_timeout_seconds=run_timeout_seconds,
                concurrency_key=concurrency_key,
                idempotency_key=idempotency_key,
                batch_id=batch_id,
                session_id=session_id,
            )
    except IntegrityError:
        # A concurrent start with the same key won the race.
        existing = Execution.objects.get(workflow=workflow, idempotency_key=idempotency_key)
        return _same_or_conflict(existing, input), False
    _record_start(actor, execution, revision_number=execution.revision.number)
    return execution, True


@transaction.atomic
def execution_start_batch(
    *,
    actor: Actor,
    workflow: Workflow,
    inputs: list[Any],
    queue_name: str | None = None,
    run_timeout_seconds: int | None = None,
    concurrency_key: str = "",
    session_id: str = "",
) -> tuple[str, list[Execution]]:
    """Queue one execution per input, all sharing a new batch id; all or nothing.

    Every input is checked before any row is written, so a bad one is reported by its index and nothing is
    queued; the executions are created in input order.
    """
    if not isinstance(inputs, list) or not inputs:
        raise InvalidInput("inputs must be a non-empty list", details=[{"field": "inputs", "message": "empty"}])
    if len(inputs) > MAX_BATCH_SIZE:
        raise InvalidInput(
            f"a batch may start at most {MAX_BATCH_SIZE} executions, got {len(inputs)}",
            details=[{"field": "inputs", "message": f"more than {MAX_BATCH_SIZE} items"}],
        )
    for index, item in enumerate(inputs):
        try:
            check_input(item)
        except InvalidInput as exc:
            raise InvalidInput(
                f"inputs[{index}]: {exc.message}", details=[{"field": f"inputs[{index}]", "message": exc.message}]
            ) from None
    batch_id = new_execution_id()
    revision_number = workflow.current_revision.number if workflow.current_revision_id else None
    executions = []
    for item in inputs:
        execution = create_execution(
            actor=actor,
            workflow=workflow,
            input=item,
            queue_name=queue_name,
            run_timeout_seconds=run_timeout_seconds,
            concurrency_key=concurrency_key,
            batch_id=batch_id,
            session_id=session_id,
        )
        _record_start(actor, execution, revision_number=revision_number)
        executions.append(execution)
    return batch_id, executions


def _record_start(actor: Actor, execution: Execution, *, revision_number: int | None) -> None:
    details: dict[str, Any] = {"workflow": execution.workflow.name, "revision": revision_number}
    if execution.batch_id:
        details["batch_id"] = execution.batch_id
    audit_record(
        actor=actor,
        action="start",
        target_type="execution",
        target_id=execution.pk,
        execution=execution,
        details=details,
    )
    transaction.on_commit(lambda: broadcast.execution_changed(execution.pk, status=execution.status))


def _same_or_conflict(existing: Execution, input: Any) -> Execution:
    if existing.input != input:
        raise Conflict(
            f"idempotency key {existing.idempotency_key!r} was already used for execution {existing.pk} "
            "with a different input"
        )
    return existing


def _operate(*, actor: Actor, execution_id: str, action: Action, event: Any, reason: str = "") -> Execution:
    execution = lock_execution(execution_id)
    check_action(execution.status, action)
    now = timezone.now()
    if action in (Action.STOP, Action.TERMINATE):
        execution.cancelled_at = now
        execution.cancelled_by = actor.label
        execution.stop_requested = True
        execution.terminate_requested = action == Action.TERMINATE
    if action == Action.RETRY:
        execution.retry_count += 1
        execution.cancelled_at = None
        execution.cancelled_by = ""
        execution.stop_requested = execution.terminate_requested = False
    if execution.status == ExecutionStatus.QUEUED and not execution.cursor:
        # Never begun: nothing runs, so it stops at once without the interpreter.
        execution.status = ExecutionStatus.STOPPED
        execution.finished_at = now
        execution.save()
        transaction.on_commit(lambda: broadcast.execution_changed(execution.pk, status=execution.status))
        if execution.parent_id:
            # A child stopped before it began still ends its parent's `workflow` step.
            notify_parent(execution, now=now)
    elif action == Action.RETRY and not execution.cursor:
        # Stopped before it ever began: no step completed, so the redrive runs it from the start (the
        # interpreter has no cursor to redrive). A replacement input is the input it starts with.
        if event.replace_input:
            execution.input = event.input
        begin_locked(execution, now=now)
    else:
        if action == Action.PAUSE:
            execution.pause_requested = True
        advance_locked(execution, event)
    audit_record(
        actor=actor,
        action=action.value,
        target_type="execution",
        target_id=execution.pk,
        execution=execution,
        reason=reason,
    )
    return execution


@transaction.atomic
def execution_stop(*, actor: Actor, execution_id: str, reason: str = "") -> Execution:
    """Drain: no new step starts, running steps finish, then STOPPED."""
    return _operate(actor=actor, execution_id=execution_id, action=Action.STOP, event=StopRequested(), reason=reason)


@transaction.atomic
def execution_terminate(*, actor: Actor, execution_id: str, reason: str = "") -> Execution:
    """Interrupt running steps and stop at once."""
    return _operate(
        actor=actor,
        execution_id=execution_id,
        action=Action.TERMINATE,
        event=TerminateRequested(),
        reason=reason,
    )


@transaction.atomic
def execution_pause(*, actor: Actor, execution_id: str, reason: str = "") -> Execution:
    return _operate(actor=actor, execution_id=execution_id, action=Action.PAUSE, event=PauseRequested(), reason=reason)


@transaction.atomic
def execution_resume(*, actor: Actor, execution_id: str, reason: str = "") -> Execution:
    execution = _operate(
        actor=actor, execution_id=execution_id, action=Action.RESUME, event=ResumeRequested(), reason=reason
    )
    Execution.objects.filter(pk=execution.pk).update(pause_requested=False)
    return execution


@transaction.atomic
def execution_retry(*, actor: Actor, execution_id: str, input: Any = _MISSING, reason: str = "") -> Execution:
    """Redrive a FAILED or STOPPED execution from the steps that did not complete."""
    replaced = input is not _MISSING
    event = RetryRequested(replace_input=replaced, input=check_input(input) if replaced else None)
    return _operate(actor=actor, execution_id=execution_id, action=Action.RETRY, event=event, reason=reason)


@transaction.atomic
def execution_deadline(
    *, actor: Actor, execution_id: str, event: Any, now: datetime | None = None, skip_locked: bool = False
) -> Execution | None:
    """Fail an execution that ran past its deadline (the scheduler's call; re-checked under the lock).

    With `skip_locked`, an execution another transaction holds is left for the next tick (None).
    """
    execution = try_lock_execution(execution_id) if skip_locked else lock_execution(execution_id)
    if execution is None:
        return None
    now = now or timezone.now()
    if ExecutionStatus(execution.status).is_terminal or execution.deadline_at is None or execution.deadline_at > now:
        return execution
    execution.cancelled_at = now
    execution.cancelled_by = actor.label
    advance_locked(execution, event, now=now)
    audit_record(
        actor=actor,
        action="timeout",
        target_type="execution",
        target_id=execution.pk,
        execution=execution,
        reason=f"ran past its deadline of {execution.run_timeout_seconds}s",
    )
    return execution
