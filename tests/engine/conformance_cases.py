"""The conformance table: spec + input (+ fake integrations) -> status, result or error, history shape.

`ext=True` marks a case that uses a feature the official (older) JSON Schema does not know (wait, while,
workflow, catch, concurrency, tag, secret(), a bare switch default, a noOp without output/next, non-string
templates...): those skip the schema check; every other spec must validate against it.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from driver import Driver, Fail, Status

from executions.engine.protocol import Limits

MISSING = object()


@dataclass(frozen=True)
class Case:
    name: str
    spec: str
    input: Any = None
    status: str = "FINISHED"
    result: Any = MISSING
    error: str | None = None
    message: str | None = None  # a substring of the error message
    history: list[tuple] | None = None  # (path, status) or (path, status, attempts) in run_id order
    timers: list[float] | None = None  # seconds after the start at which each SetTimer is due, in order
    functions: dict[str, Any] = field(default_factory=dict)
    http: dict[str, Any] = field(default_factory=dict)
    workflows: dict[str, str] = field(default_factory=dict)
    limits: Limits = field(default_factory=Limits)
    secrets: dict[str, str] | None = None
    script: Callable[[Driver], None] | None = None  # drives the execution instead of settle()
    check: Callable[[Driver], None] | None = None  # extra assertions
    ext: bool = False


def wf(body: str, start: str = "a", head: str = "", version: str = '"0.1"') -> str:
    steps = textwrap.indent(textwrap.dedent(body).strip("\n"), "  ")
    return f"yawl: {version}\nstart: {start}\n{head}steps:\n{steps}\n"


def params(path: str, **expected: Any) -> Callable[[Driver], None]:
    """Assert on the params of the RunStep sent for `path`."""

    def check(driver: Driver) -> None:
        sent = [c for c in driver.commands if getattr(c, "path", None) == path]
        assert sent, f"no RunStep for {path}"
        for key, value in expected.items():
            assert sent[0].params[key] == value, (key, sent[0].params)

    return check


def parents(expected: dict[str, str | None]) -> Callable[[Driver], None]:
    """Assert which path each path's run is nested in."""

    def check(driver: Driver) -> None:
        by_id = driver.records
        for path, parent_path in expected.items():
            record = driver.record(path)
            got = by_id[record.parent_run_id].path if record.parent_run_id else None
            assert got == parent_path, (path, got, parent_path)

    return check


def echo(value: Any) -> Any:
    return value


CASES: list[Case] = []


def case(*args: Any, **kwargs: Any) -> None:
    CASES.append(Case(*args, **kwargs))


from conformance_cases_flow import add_flow_cases  # noqa: E402 - the tables fill CASES through case()
from conformance_cases_integration import add_integration_cases  # noqa: E402
from conformance_cases_nested import add_nested_cases  # noqa: E402

add_flow_cases(case)
add_integration_cases(case)
add_nested_cases(case)

__all__ = ["CASES", "MISSING", "Case", "Driver", "Fail", "Status", "echo", "params", "parents", "wf"]
