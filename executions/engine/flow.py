"""Moving through blocks: step input/output, completing runs, continuing frames, ending the execution."""

from __future__ import annotations

from typing import Any

from .definition import Step
from .errors import STEP_INVALID_OUTPUT, STEP_INVALID_TEMPLATE_EXPRESSION, StepFailure
from .protocol import CancelStep, StepError
from .runtime import FINAL_STEP_STATUSES, TOP_FRAME, Ctx, check_size, clone
from .states import ExecutionStatus, StepStatus
from .templating import Env, TemplateError, render


def render_field(ctx: Ctx, value: Any, data: Any, env: Env, field: str) -> Any:
    try:
        return render(value, data, env)
    except TemplateError as exc:
        raise StepFailure(STEP_INVALID_TEMPLATE_EXPRESSION, f"{field}: {exc}") from None


def step_input(ctx: Ctx, step: Step, frame: dict[str, Any]) -> Any:
    """The step's `input` filter applied to the frame's state (default: the whole state)."""
    spec = step.spec
    if getattr(spec, "has_input", False):
        value = render_field(ctx, spec.input, frame["state"], ctx.env(frame), "input")
    else:
        value = clone(frame["state"])
    check_size(value, ctx.limits, "the step input")
    return value


def step_output(ctx: Ctx, step: Step, frame: dict[str, Any], raw: Any) -> dict[str, Any]:
    """The `output` filter applied to the raw result; must be an object (it is merged into the state)."""
    spec = step.spec
    value = render_field(ctx, spec.output, raw, ctx.env(frame), "output") if getattr(spec, "has_output", False) else raw
    if not isinstance(value, dict):
        kind = type(value).__name__ if value is not None else "null"
        raise StepFailure(STEP_INVALID_OUTPUT, f"the step output must be an object, not {kind}")
    check_size(value, ctx.limits, "the step output")
    return value


def merge_output(ctx: Ctx, frame: dict[str, Any], output: dict[str, Any], *, counts: bool = True) -> None:
    """Shallow-merge into the frame state; `counts`: it becomes the frame's and execution's last output."""
    frame["state"].update(clone(output))
    if counts:
        frame["last"], frame["has_last"] = output, True
        ctx.cursor["result"], ctx.cursor["has_result"] = output, True


def complete(ctx: Ctx, run: dict[str, Any], output: dict[str, Any] | None, next_step: str | None) -> None:
    """The run COMPLETED: merge its output (if it has one) and continue its frame at `next_step`."""
    run["output"] = output
    ctx.finish(run, StepStatus.COMPLETED)
    ctx.forget(run)
    frame = ctx.frame(run["frame"])
    frame["current"] = None
    if output is not None:
        merge_output(ctx, frame, output)
    go(ctx, frame, next_step)


def go(ctx: Ctx, frame: dict[str, Any], next_step: str | None) -> None:
    if next_step:
        ctx.agenda.append({"do": "step", "frame": frame["id"], "step": next_step})
    else:
        ctx.agenda.append({"do": "done", "frame": frame["id"]})


def fail_execution(ctx: Ctx, run: dict[str, Any] | None, code: str, message: str) -> None:
    """An uncaught error: the run and its containers FAILED, everything else cancelled, execution FAILED.

    Containers have no catch (control steps), so an uncaught error anywhere ends the execution.
    """
    error = StepError(code, message)
    for chained in _chain(ctx, run):
        ctx.finish(chained, StepStatus.FAILED, error)
    end(ctx, ExecutionStatus.FAILED, error)


def succeed_execution(ctx: Ctx, run: dict[str, Any]) -> None:
    """A Success step: it and its containers COMPLETED, everything else cancelled, execution FINISHED."""
    for chained in _chain(ctx, run):
        ctx.finish(chained, StepStatus.COMPLETED)
    end(ctx, ExecutionStatus.FINISHED)


def end(ctx: Ctx, status: ExecutionStatus, error: StepError | None = None) -> None:
    """Enter a terminal status. Unfinished runs are cancelled (in-flight attempts get CancelStep).

    FAILED and STOPPED keep frames, unfinished runs and continuations in the cursor: a redrive reopens them.
    """
    cancel_active(ctx)
    cursor = ctx.cursor
    cursor["error"] = {"code": error.code, "message": error.message} if error else None
    cursor["stopping"] = False
    if status == ExecutionStatus.FINISHED:
        cursor["frames"], cursor["runs"], cursor["pending"] = {}, {}, []
    else:
        cursor["pending"] = list(ctx.agenda) + cursor["pending"]
    ctx.agenda.clear()
    ctx.status = status


def cancel_active(ctx: Ctx) -> None:
    for run in list(ctx.cursor["runs"].values()):
        if StepStatus(run["status"]) in FINAL_STEP_STATUSES:
            continue
        if run["wait"] == "step":
            ctx.commands.append(CancelStep(run["id"]))
        ctx.finish(run, StepStatus.CANCELLED)


def in_flight(ctx: Ctx) -> list[dict[str, Any]]:
    """Runs whose integration attempt is running on an executor."""
    return [run for run in ctx.cursor["runs"].values() if run["wait"] == "step"]


def maybe_stopped(ctx: Ctx) -> None:
    """A Stop drains: once no attempt is in flight, the execution is STOPPED."""
    if ctx.cursor["stopping"] and not ctx.ended and not in_flight(ctx):
        end(ctx, ExecutionStatus.STOPPED)


def is_top(frame: dict[str, Any]) -> bool:
    return frame["id"] == TOP_FRAME


def _chain(ctx: Ctx, run: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The run and the container runs enclosing it, innermost first."""
    chain = []
    while run is not None:
        chain.append(run)
        run = ctx.run(run["parent"]) if run["parent"] is not None else None
    return chain
