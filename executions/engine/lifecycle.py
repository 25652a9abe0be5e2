"""Operator requests and the deadline: stop, terminate, pause, resume, redrive (retry), deadline exceeded."""

from __future__ import annotations

from typing import Any

from . import flow
from .errors import EXECUTION_TIMEOUT
from .protocol import RetryRequested, StepError
from .runtime import Ctx
from .states import Action, ExecutionStatus, IllegalTransition, StepStatus, check_action


def stop(ctx: Ctx) -> None:
    check_action(ctx.status, Action.STOP)
    if ctx.cursor["stopping"]:
        return
    ctx.cursor["stopping"] = True
    for run in list(ctx.cursor["runs"].values()):
        if run["wait"] == "step":
            run["status"] = StepStatus.CANCEL_REQUESTED.value
            ctx.touch(run)
        elif run["wait"] in ("timer", "backoff"):
            ctx.finish(run, StepStatus.CANCELLED)
    # A backoff that already fired while paused waits in `pending`; its run is left for a redrive instead.
    for item in [i for i in ctx.cursor["pending"] if i["do"] == "retry"]:
        run = ctx.run(item["run"])
        if run is not None:
            ctx.finish(run, StepStatus.CANCELLED)
        ctx.cursor["pending"].remove(item)


def terminate(ctx: Ctx) -> None:
    check_action(ctx.status, Action.TERMINATE)
    flow.end(ctx, ExecutionStatus.STOPPED)


def pause(ctx: Ctx) -> None:
    check_action(ctx.status, Action.PAUSE)
    if ctx.cursor["stopping"]:
        raise IllegalTransition(ctx.status, "pause (a stop is in progress)")
    ctx.status = ExecutionStatus.PAUSED


def resume(ctx: Ctx) -> None:
    check_action(ctx.status, Action.RESUME)
    ctx.status = ExecutionStatus.RUNNING
    if not ctx.cursor["stopping"]:
        _release_pending(ctx)


def deadline(ctx: Ctx) -> bool:
    if ctx.ended:
        return False
    flow.end(ctx, ExecutionStatus.FAILED, StepError(EXECUTION_TIMEOUT, "the execution ran past its deadline"))
    return True


def redrive(ctx: Ctx, event: RetryRequested) -> None:
    """Continue a FAILED/STOPPED execution from what did not complete (new run ids for everything re-run)."""
    check_action(ctx.status, Action.RETRY)
    cursor = ctx.cursor
    # Through ctx.status, so the RUNNING hop is in Outcome.transitions (FAILED -> RUNNING -> FINISHED).
    ctx.status = ExecutionStatus.RUNNING
    cursor.update(error=None, stopping=False, quota=0)
    reruns = _reopen(ctx)
    pending = [item for item in cursor["pending"] if item["do"] != "retry"]
    cursor["pending"] = []
    for item in reruns + pending:
        if event.replace_input and item["do"] == "step":
            item["input"] = event.input
        ctx.agenda.append(item)


def _release_pending(ctx: Ctx) -> None:
    ctx.agenda.extend(ctx.cursor["pending"])
    ctx.cursor["pending"] = []


def _reopen(ctx: Ctx) -> list[dict[str, Any]]:
    """Give unfinished containers new run ids (children re-parented); turn unfinished leaf runs into items.

    A re-run leaf step recomputes its input from its frame's state, which the failure left untouched.
    """
    renamed: dict[int, int] = {}
    reruns: list[dict[str, Any]] = []
    for old in sorted(ctx.cursor["runs"].values(), key=lambda r: r["id"]):
        del ctx.cursor["runs"][str(old["id"])]
        parent = renamed.get(old["parent"], old["parent"]) if old["parent"] is not None else None
        if "box" not in old:
            frame = ctx.frame(old["frame"])
            frame["current"] = None
            reruns.append({"do": "step", "frame": old["frame"], "step": old["step"]})
            continue
        run = _reopened_container(ctx, old, parent)
        renamed[old["id"]] = run["id"]
        for frame in ctx.cursor["frames"].values():
            if frame["parent"] == old["id"]:
                frame["parent"] = run["id"]
    return reruns


def _reopened_container(ctx: Ctx, old: dict[str, Any], parent: int | None) -> dict[str, Any]:
    ctx.cursor["seq"] += 1
    ctx.cursor["quota"] += 1
    stamp = ctx.now.isoformat()
    run = dict(old, id=ctx.cursor["seq"], parent=parent, status=StepStatus.STARTED.value, error=None)
    run.update(attempt=1, last_error=None, scheduled_at=stamp, started_at=stamp, first_started=stamp)
    run.update(finished_at=None, next_attempt_at=None, wait=None)
    ctx.cursor["runs"][str(run["id"])] = run
    ctx.frame(run["frame"])["current"] = run["id"]
    ctx.touch(run)
    return run
