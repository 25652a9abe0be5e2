"""Control steps that need no block of their own: noOp, success, fail, switch and wait."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from . import flow
from .definition import FailSpec, NoOpSpec, Step, SwitchSpec, WaitSpec
from .errors import (
    STEP_FAIL,
    STEP_INVALID_ARGUMENT,
    STEP_INVALID_TEMPLATE_EXPRESSION,
    STEP_NO_CHOICE_MATCHED,
    StepFailure,
)
from .protocol import SetTimer
from .retry import parse_duration
from .runtime import Ctx
from .templating import TemplateError, holds


def run_noop(ctx: Ctx, run: dict[str, Any], step: Step, frame: dict[str, Any]) -> None:
    """A noOp without `output` has no output: it neither changes the state nor the execution result."""
    spec = step.spec
    assert isinstance(spec, NoOpSpec)
    output = flow.step_output(ctx, step, frame, run["input"]) if spec.has_output else None
    flow.complete(ctx, run, output, spec.next)


def run_success(ctx: Ctx, run: dict[str, Any], step: Step, frame: dict[str, Any]) -> None:
    flow.succeed_execution(ctx, run)


def run_fail(ctx: Ctx, run: dict[str, Any], step: Step, frame: dict[str, Any]) -> None:
    spec = step.spec
    assert isinstance(spec, FailSpec)
    message = flow.render_field(ctx, spec.error_message, run["input"], ctx.env(frame), "errorMessage")
    text = message if isinstance(message, str) else json.dumps(message, separators=(",", ":"))
    flow.fail_execution(ctx, run, STEP_FAIL, text)


def run_switch(ctx: Ctx, run: dict[str, Any], step: Step, frame: dict[str, Any]) -> None:
    spec = step.spec
    assert isinstance(spec, SwitchSpec)
    env = ctx.env(frame)
    for index, choice in enumerate(spec.choices):
        try:
            matched = holds(choice.condition, run["input"], env)
        except TemplateError as exc:
            raise StepFailure(STEP_INVALID_TEMPLATE_EXPRESSION, f"choices[{index}].condition: {exc}") from None
        if matched:
            flow.complete(ctx, run, None, choice.next)
            return
    if spec.default is None:
        raise StepFailure(STEP_NO_CHOICE_MATCHED, "no choice matched and the switch has no default")
    flow.complete(ctx, run, None, spec.default)


def run_wait(ctx: Ctx, run: dict[str, Any], step: Step, frame: dict[str, Any]) -> None:
    """Sleep durably: a SetTimer the shell stores; a non-positive or past wake-up continues at once."""
    spec = step.spec
    assert isinstance(spec, WaitSpec)
    at = wake_up(ctx, spec, run["input"], frame)
    if at <= ctx.now:
        flow.complete(ctx, run, None, spec.next)
        return
    run["wait"] = "timer"
    run["next_attempt_at"] = at.isoformat()
    ctx.commands.append(SetTimer(run["id"], at))


def timer_fired(ctx: Ctx, run: dict[str, Any], step: Step) -> None:
    flow.complete(ctx, run, None, step.next)


def wake_up(ctx: Ctx, spec: WaitSpec, data: Any, frame: dict[str, Any]) -> datetime:
    env = ctx.env(frame)
    if spec.duration is not None:
        value = flow.render_field(ctx, spec.duration, data, env, "duration")
        return ctx.now + timedelta(seconds=_seconds(value))
    value = flow.render_field(ctx, spec.until, data, env, "until")
    return _timestamp(value)


def _seconds(value: Any) -> float:
    """A rendered duration: "2s" like the literal form, or a plain number of seconds."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise StepFailure(STEP_INVALID_ARGUMENT, f"duration: {exc}") from None


def _timestamp(value: Any) -> datetime:
    """A rendered `until`: RFC 3339 (naive times are taken as UTC)."""
    try:
        at = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise StepFailure(STEP_INVALID_ARGUMENT, f"until: {value!r} is not an RFC 3339 timestamp") from None
    return at if at.tzinfo else at.replace(tzinfo=UTC)
