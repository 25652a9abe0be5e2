"""Integration steps (httpCall, functionCall, workflow): attempts, the (run_id, attempt) fence, retry."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from . import flow
from .definition import FunctionCallSpec, HttpCallSpec, IntegrationSpec, Step, WorkflowSpec
from .errors import STEP_INVALID_OUTPUT, StepFailure
from .protocol import RunStep, SetTimer, StepError
from .retry import backoff_delay, matches, should_retry
from .runtime import Ctx
from .states import StepStatus


def run_integration(ctx: Ctx, run: dict[str, Any], step: Step, frame: dict[str, Any]) -> None:
    """Send one attempt to an executor; the outcome comes back as StepSucceeded/StepErrored."""
    spec = step.spec
    assert isinstance(spec, IntegrationSpec)
    params = _params(ctx, spec, run["input"], frame)
    timeout = min(spec.timeout or ctx.limits.step_timeout_seconds, ctx.limits.step_timeout_seconds)
    run["wait"] = "step"
    run["next_attempt_at"] = None
    ctx.touch(run)
    ctx.commands.append(RunStep(run["id"], run["attempt"], step.type, run["path"], run["input"], params, timeout))


def succeeded(ctx: Ctx, run: dict[str, Any], result: Any) -> None:
    step = ctx.step_of(run)
    frame = ctx.frame(run["frame"])
    try:
        output = flow.step_output(ctx, step, frame, result)
    except StepFailure as exc:
        errored(ctx, run, exc.code, exc.message)
        return
    flow.complete(ctx, run, output, step.next)


def errored(ctx: Ctx, run: dict[str, Any], code: str, message: str) -> None:
    """Retry if the policy covers the code, else the first matching catch rule, else fail the execution.

    While a Stop drains, nothing new starts: the run is recorded FAILED and left for a redrive.
    """
    step = ctx.step_of(run)
    spec = step.spec
    assert isinstance(spec, IntegrationSpec)
    error = {"code": code, "message": message}
    run["wait"] = None
    if ctx.cursor["stopping"]:
        run["last_error"] = error
        ctx.finish(run, StepStatus.FAILED, _step_error(error))
        return
    policy = spec.retry_policy or ctx.definition.default_retry_policy
    if should_retry(policy, code, run["attempt"]):
        assert policy is not None
        at = ctx.now + timedelta(seconds=backoff_delay(policy, run["attempt"]))
        cap = datetime.fromisoformat(run["first_started"]) + timedelta(seconds=ctx.limits.step_total_seconds)
        if at <= cap:
            _back_off(ctx, run, error, at)
            return
    run["last_error"] = error
    for rule in spec.catch:
        if matches(code, rule.error_list, rule.mode):
            _caught(ctx, run, rule, error)
            return
    flow.fail_execution(ctx, run, code, message)


def retry_due(ctx: Ctx, run: dict[str, Any]) -> None:
    """The backoff timer fired: queue the next attempt (held while paused, like any new work)."""
    run["wait"] = None
    run["next_attempt_at"] = None
    ctx.touch(run)
    ctx.agenda.append({"do": "retry", "run": run["id"]})


def next_attempt(ctx: Ctx, run: dict[str, Any]) -> None:
    """Send the next attempt; an input filter that failed before is evaluated again (it may be the error)."""
    run["attempt"] += 1
    step = ctx.step_of(run)
    frame = ctx.frame(run["frame"])
    try:
        if not run.get("has_input"):
            run["input"] = flow.step_input(ctx, step, frame)
            run["has_input"] = True
        run_integration(ctx, run, step, frame)
    except StepFailure as exc:
        errored(ctx, run, exc.code, exc.message)


def _back_off(ctx: Ctx, run: dict[str, Any], error: dict[str, str], at: datetime) -> None:
    run["last_error"] = error
    run["wait"] = "backoff"
    run["next_attempt_at"] = at.isoformat()
    ctx.touch(run)
    ctx.commands.append(SetTimer(run["id"], at))


def _caught(ctx: Ctx, run: dict[str, Any], rule: Any, error: dict[str, str]) -> None:
    """The run FAILED but its error was caught: merge the rule's output and continue at the rule's `next`.

    Without `output` the error object itself ({"error", "message"}) is merged, as a default output is the raw
    value. The merged object does not become the execution's "last output": the step produced no output.
    """
    frame = ctx.frame(run["frame"])
    ctx.finish(run, StepStatus.FAILED, _step_error(error))
    data = {"error": error["code"], "message": error["message"]}
    value = flow.render_field(ctx, rule.output, data, ctx.env(frame), "catch.output") if rule.has_output else data
    if not isinstance(value, dict):
        raise StepFailure(STEP_INVALID_OUTPUT, "a catch rule's output must be an object")
    ctx.forget(run)
    frame["current"] = None
    flow.merge_output(ctx, frame, value, counts=False)
    flow.go(ctx, frame, rule.next)


def _params(ctx: Ctx, spec: IntegrationSpec, data: Any, frame: dict[str, Any]) -> dict[str, Any]:
    env = ctx.env(frame)

    def render(value: Any, field: str) -> Any:
        return flow.render_field(ctx, value, data, env, field)

    if isinstance(spec, HttpCallSpec):
        params = {
            "url": _text(render(spec.url, "url")),
            "method": spec.method,
            "headers": {k: _text(render(v, f"headers.{k}")) for k, v in spec.headers.items()},
            "query": {k: _text(render(v, f"query.{k}")) for k, v in spec.query.items()},
        }
        if spec.has_body:
            params["body"] = render(spec.body, "body")
        return params
    if isinstance(spec, FunctionCallSpec):
        return {"function_id": spec.function_id, "tag": spec.tag}
    assert isinstance(spec, WorkflowSpec)
    execution_input = render(spec.execution_input, "executionInput") if spec.has_execution_input else data
    return {"workflow_id": spec.workflow_id, "execution_input": execution_input}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _step_error(error: dict[str, str]) -> StepError:
    return StepError(error["code"], error["message"])
