"""The interpreter: `start` and `handle` turn (definition, cursor, event, now) into an Outcome.

Pure and deterministic: no I/O, no clock. Control steps run inside the call, in a loop, until every active
frame waits on an integration attempt or a timer, or the execution ends. See `runtime` for the cursor layout.

Decisions where YAWL.md is silent:
- Runs are numbered from 1 in the order they start; a container run (parallel/foreach/while) is the parent of
  every run inside it. Paths: `step`, `par/branch/step`, `each[3]/step`, `loop[2]/step`.
- A run's `input` is the step input after the `input` filter; its `output` is the object merged into the
  state (after the `output` filter), None for steps without output (switch, wait, success, fail, noOp
  without `output`, a caught failure).
- The execution result is the last output merged anywhere (any depth); null if no step had one.
- Events for an unknown or finished run, a stale attempt, or a timer that is not pending are ignored: the
  Outcome carries the cursor unchanged and no runs or commands. So are step outcomes and timers after the
  execution ended and DeadlineExceeded on a terminal execution.
- Stop: no new step or attempt starts; in-flight attempts show CANCEL_REQUESTED and their outcome is
  recorded (no retry or catch while stopping: a failed run is left for a redrive); Wait and backoff
  timers are dropped (runs CANCELLED). The execution is STOPPED once nothing is in flight. A block that
  completes while draining still completes (the execution may FINISH).
- Pause: nothing new starts (steps, retry attempts, block completions): the continuations wait in
  `pending`; outcomes of in-flight attempts and timers are still recorded. Resume runs exactly them.
- Redrive (RetryRequested from FAILED/STOPPED): every unfinished run is reopened under a new run id:
  containers keep their progress, leaf steps re-run from their recorded input (or the replacement input),
  and the continuations held in `pending` run. Each redrive has a fresh step-run quota.
- Step-run quota: starting run number max_step_runs + 1 fails the execution with STEP_QUOTA_EXCEEDED.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from . import flow, lifecycle, steps_container, steps_control, steps_integration
from .definition import Definition
from .errors import STEP_QUOTA_EXCEEDED, StepFailure
from .protocol import (
    DeadlineExceeded,
    Event,
    Limits,
    Outcome,
    PauseRequested,
    ResumeRequested,
    RetryRequested,
    StepErrored,
    StepSucceeded,
    StopRequested,
    TerminateRequested,
    TimerFired,
)
from .runtime import TOP_FRAME, Ctx, check_size, initial_state
from .states import ExecutionStatus, StepType, check_status_change
from .templating import SecretResolver

_RUNNERS = {
    StepType.NO_OP: steps_control.run_noop,
    StepType.SUCCESS: steps_control.run_success,
    StepType.FAIL: steps_control.run_fail,
    StepType.SWITCH: steps_control.run_switch,
    StepType.WAIT: steps_control.run_wait,
    StepType.PARALLEL: steps_container.run_parallel,
    StepType.FOREACH: steps_container.run_foreach,
    StepType.WHILE: steps_container.run_while,
    StepType.HTTP_CALL: steps_integration.run_integration,
    StepType.FUNCTION_CALL: steps_integration.run_integration,
    StepType.WORKFLOW: steps_integration.run_integration,
}


def start(
    definition: Definition,
    input: Any,
    *,
    now: datetime,
    limits: Limits | None = None,
    secrets: SecretResolver | None = None,
) -> Outcome:
    """Begin an execution: RUNNING (or already ended if only control steps ran)."""
    cursor = {
        "v": 1,
        "status": ExecutionStatus.RUNNING.value,
        "seq": 0,
        "quota": 0,
        "frame_seq": 0,
        "frames": {},
        "runs": {},
        "pending": [],
        "result": None,
        "has_result": False,
        "error": None,
        "stopping": False,
    }
    ctx = Ctx(definition, cursor, now=now, limits=limits or Limits(), secrets=secrets)
    ctx.transitions.append(ExecutionStatus.RUNNING)
    ctx.new_frame(block=[], state=initial_state(input), parent=None, key=None, prefix="", counter=0)
    ctx.agenda.append({"do": "step", "frame": TOP_FRAME, "step": definition.start})
    drain(ctx)
    return _outcome(ctx, ExecutionStatus.QUEUED)


def handle(
    definition: Definition,
    cursor: dict[str, Any],
    event: Event,
    *,
    now: datetime,
    limits: Limits | None = None,
    secrets: SecretResolver | None = None,
) -> Outcome:
    """Apply one event. Raises IllegalTransition for an operator request the current status does not allow."""
    ctx = Ctx(definition, json.loads(json.dumps(cursor)), now=now, limits=limits or Limits(), secrets=secrets)
    before = ctx.status
    if not _apply(ctx, event):
        return Outcome(cursor, before, _result(cursor, before), _error(cursor, before))
    drain(ctx)
    return _outcome(ctx, before)


def _apply(ctx: Ctx, event: Event) -> bool:
    """Feed the event to the context; False when it is to be ignored."""
    if isinstance(event, StepSucceeded | StepErrored | TimerFired):
        return _apply_outcome(ctx, event)
    if isinstance(event, StopRequested):
        lifecycle.stop(ctx)
    elif isinstance(event, TerminateRequested):
        lifecycle.terminate(ctx)
    elif isinstance(event, PauseRequested):
        lifecycle.pause(ctx)
    elif isinstance(event, ResumeRequested):
        lifecycle.resume(ctx)
    elif isinstance(event, RetryRequested):
        lifecycle.redrive(ctx, event)
    elif isinstance(event, DeadlineExceeded):
        return lifecycle.deadline(ctx)
    else:
        raise TypeError(f"not an engine event: {event!r}")
    return True


def _apply_outcome(ctx: Ctx, event: StepSucceeded | StepErrored | TimerFired) -> bool:
    run = ctx.run(event.run_id)
    if run is None or ctx.ended:
        return False
    if isinstance(event, TimerFired):
        if run["wait"] == "timer":
            _guarded(ctx, run, lambda: steps_control.timer_fired(ctx, run, ctx.step_of(run)))
        elif run["wait"] == "backoff":
            steps_integration.retry_due(ctx, run)
        else:
            return False
        return True
    if run["wait"] != "step" or run["attempt"] != event.attempt:
        return False
    if isinstance(event, StepSucceeded):
        _guarded(ctx, run, lambda: steps_integration.succeeded(ctx, run, event.result))
    else:
        _guarded(ctx, run, lambda: steps_integration.errored(ctx, run, event.code, event.message))
    return True


def drain(ctx: Ctx) -> None:
    """Run continuations until everything waits or the execution ended; held ones go to `pending`."""
    while ctx.agenda and not ctx.ended:
        item = ctx.agenda.popleft()
        if _held(ctx, item):
            ctx.cursor["pending"].append(item)
            continue
        if item["do"] == "step":
            _start_step(ctx, item)
        elif item["do"] == "retry":
            run = ctx.run(item["run"])
            if run is not None:
                _guarded(ctx, run, lambda run=run: steps_integration.next_attempt(ctx, run))
        else:
            _block_done(ctx, ctx.frame(item["frame"]))
    flow.maybe_stopped(ctx)


def _held(ctx: Ctx, item: dict[str, Any]) -> bool:
    if ctx.status == ExecutionStatus.PAUSED:
        return True
    return ctx.cursor["stopping"] and item["do"] != "done"


def _start_step(ctx: Ctx, item: dict[str, Any]) -> None:
    frame = ctx.frame(item["frame"])
    step = ctx.block(frame).steps[item["step"]]
    if ctx.cursor["quota"] >= ctx.limits.max_step_runs:
        ctx.agenda.appendleft(item)
        message = f"the execution started more than {ctx.limits.max_step_runs} step runs"
        flow.fail_execution(ctx, None, STEP_QUOTA_EXCEEDED, message)
        return
    run = ctx.new_run(frame, step)

    def begin() -> None:
        if "input" in item:
            check_size(item["input"], ctx.limits, "the step input")
            run["input"] = item["input"]
        else:
            run["input"] = flow.step_input(ctx, step, frame)
        run["has_input"] = True
        _RUNNERS[step.type](ctx, run, step, frame)

    if step.type.is_integration:
        try:
            begin()
        except StepFailure as exc:
            code, message = exc.code, exc.message
            _guarded(ctx, run, lambda: steps_integration.errored(ctx, run, code, message))
    else:
        _guarded(ctx, run, begin)


def _block_done(ctx: Ctx, frame: dict[str, Any]) -> None:
    if frame["id"] == TOP_FRAME:
        flow.end(ctx, ExecutionStatus.FINISHED)
        return
    container = ctx.run(frame["parent"])
    assert container is not None
    _guarded(ctx, container, lambda: steps_container.child_done(ctx, frame))


def _guarded(ctx: Ctx, run: dict[str, Any], action: Any) -> None:
    """Run `action`; a StepFailure escaping it is uncaught (control steps have no catch): execution FAILED."""
    try:
        action()
    except StepFailure as exc:
        flow.fail_execution(ctx, run, exc.code, exc.message)


def _outcome(ctx: Ctx, before: ExecutionStatus) -> Outcome:
    after = ctx.status
    for hop in ctx.transitions:
        check_status_change(before, hop)
        before = hop
    cursor = ctx.cursor
    return Outcome(
        cursor=cursor,
        status=after,
        result=_result(cursor, after),
        error=_error(cursor, after),
        runs=ctx.records(),
        commands=tuple(ctx.commands),
        transitions=tuple(ctx.transitions),
    )


def _result(cursor: dict[str, Any], status: ExecutionStatus) -> Any:
    return cursor["result"] if status == ExecutionStatus.FINISHED else None


def _error(cursor: dict[str, Any], status: ExecutionStatus) -> Any:
    from .protocol import StepError

    error = cursor.get("error")
    return StepError(error["code"], error["message"]) if status == ExecutionStatus.FAILED and error else None
