"""Container steps: parallel, foreach and while run nested blocks in frames of their own.

- Parallel: each branch starts from a copy of the step input (which must be an object); at most
  `concurrency` branches run at once, the others wait in definition order. Raw result:
  `{branch_id: the branch's last output}`, `{}` for a branch whose steps produced no output.
- Foreach: the input must be an array of objects; each element is the starting state of one iteration
  (as is, not wrapped in {"input": ...}); `$counter` is the element index. Raw result: the iterations' last
  outputs in input order (`{}` when an iteration produced none).
- While: the step input (an object) is the loop state; before each iteration the loop stops when
  `maxIterations` iterations ran or the condition (evaluated on the loop state, `$counter` = the number of
  iterations so far) is false, so a false condition may run the body zero times. Each iteration starts
  from the state the previous one ended with. Raw result: the last output of the last iteration that had
  one, `{}` if none.
"""

from __future__ import annotations

from typing import Any

from . import flow
from .definition import ForeachSpec, ParallelSpec, Step, WhileSpec
from .errors import STEP_INVALID_ARGUMENT, STEP_INVALID_TEMPLATE_EXPRESSION, StepFailure
from .runtime import Ctx, clone
from .templating import TemplateError, holds


def run_parallel(ctx: Ctx, run: dict[str, Any], step: Step, frame: dict[str, Any]) -> None:
    spec = step.spec
    assert isinstance(spec, ParallelSpec)
    if not isinstance(run["input"], dict):
        raise StepFailure(STEP_INVALID_ARGUMENT, "the input of a parallel step must be an object")
    run["box"] = {"queue": list(spec.branches), "active": 0, "results": {}}
    _fill_parallel(ctx, run, step, spec)


def run_foreach(ctx: Ctx, run: dict[str, Any], step: Step, frame: dict[str, Any]) -> None:
    spec = step.spec
    assert isinstance(spec, ForeachSpec)
    items = run["input"]
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise StepFailure(STEP_INVALID_ARGUMENT, "the input of a foreach step must be an array of objects")
    run["box"] = {"next": 0, "active": 0, "results": [{} for _ in items]}
    if not items:
        _finish(ctx, run, step, [])
        return
    _fill_foreach(ctx, run, step, spec)


def run_while(ctx: Ctx, run: dict[str, Any], step: Step, frame: dict[str, Any]) -> None:
    if not isinstance(run["input"], dict):
        raise StepFailure(STEP_INVALID_ARGUMENT, "the input of a while step must be an object")
    run["box"] = {"state": clone(run["input"]), "iteration": 0, "last": {}}
    _next_iteration(ctx, run, step)


def child_done(ctx: Ctx, frame: dict[str, Any]) -> None:
    """A nested block finished: record its result in the container, then start more work or finish."""
    run = ctx.run(frame["parent"])
    assert run is not None
    step = ctx.step_of(run)
    box = run["box"]
    result = frame["last"] if frame["has_last"] else {}
    del ctx.cursor["frames"][frame["id"]]
    ctx.touch(run)
    spec = step.spec
    if isinstance(spec, WhileSpec):
        box["state"] = frame["state"]
        if frame["has_last"]:
            box["last"] = result
        box["iteration"] += 1
        _next_iteration(ctx, run, step)
        return
    box["active"] -= 1
    if isinstance(spec, ParallelSpec):
        box["results"][frame["key"]] = result
        _fill_parallel(ctx, run, step, spec)
        if not box["queue"] and not box["active"]:
            _finish(ctx, run, step, {branch: box["results"][branch] for branch in spec.branches})
    else:
        assert isinstance(spec, ForeachSpec)
        box["results"][frame["key"]] = result
        _fill_foreach(ctx, run, step, spec)
        if box["next"] >= len(run["input"]) and not box["active"]:
            _finish(ctx, run, step, box["results"])


def _fill_parallel(ctx: Ctx, run: dict[str, Any], step: Step, spec: ParallelSpec) -> None:
    box = run["box"]
    while box["queue"] and box["active"] < spec.concurrency:
        branch = box["queue"].pop(0)
        _open(ctx, run, step, [step.id, branch], clone(run["input"]), branch, f"/{branch}/", None)


def _fill_foreach(ctx: Ctx, run: dict[str, Any], step: Step, spec: ForeachSpec) -> None:
    box = run["box"]
    while box["next"] < len(run["input"]) and box["active"] < spec.concurrency:
        index = box["next"]
        box["next"] += 1
        _open(ctx, run, step, [step.id, "do"], clone(run["input"][index]), index, f"[{index}]/", index)


def _next_iteration(ctx: Ctx, run: dict[str, Any], step: Step) -> None:
    spec = step.spec
    assert isinstance(spec, WhileSpec)
    box = run["box"]
    iteration = box["iteration"]
    if spec.max_iterations is not None and iteration >= spec.max_iterations:
        _finish(ctx, run, step, box["last"])
        return
    if spec.condition is not None:
        parent = ctx.frame(run["frame"])
        env = ctx.env(parent)
        env = type(env)(env.now, env.global_state, iteration, env.secrets)
        try:
            ok = holds(spec.condition, box["state"], env)
        except TemplateError as exc:
            raise StepFailure(STEP_INVALID_TEMPLATE_EXPRESSION, f"condition: {exc}") from None
        if not ok:
            _finish(ctx, run, step, box["last"])
            return
    _open(ctx, run, step, [step.id, "do"], clone(box["state"]), iteration, f"[{iteration}]/", iteration)


def _open(
    ctx: Ctx,
    run: dict[str, Any],
    step: Step,
    locator: list[str],
    state: Any,
    key: Any,
    suffix: str,
    counter: int | None,
) -> None:
    parent = ctx.frame(run["frame"])
    frame = ctx.new_frame(
        block=parent["block"] + locator,
        state=state,
        parent=run,
        key=key,
        prefix=run["path"] + suffix,
        counter=parent["counter"] if counter is None else counter,
    )
    if "active" in run["box"]:
        run["box"]["active"] += 1
    ctx.agenda.append({"do": "step", "frame": frame["id"], "step": ctx.block(frame).start})


def _finish(ctx: Ctx, run: dict[str, Any], step: Step, raw: Any) -> None:
    frame = ctx.frame(run["frame"])
    output = flow.step_output(ctx, step, frame, raw)
    run.pop("box", None)
    flow.complete(ctx, run, output, step.next)
