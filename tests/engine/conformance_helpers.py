"""The conformance table's row type and helpers.

`ext=True` marks a case that uses a feature the official (older) JSON Schema does not know (wait, while,
workflow, catch, concurrency, tag, secret(), a bare switch default, a noOp without output/next, non-string
templates, yawl "1.0"...): those skip the schema check; every other spec must validate against it.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from driver import Driver

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
    script: Callable[[Driver], None] | None = None  # drives the execution after start() instead of settle()
    check: Callable[[Driver], None] | None = None  # extra assertions
    ext: bool = False


def wf(body: str, start: str = "a", head: str = "", version: str = '"0.1"') -> str:
    steps = textwrap.indent(textwrap.dedent(body).strip("\n"), "  ")
    return f"yawl: {version}\nstart: {start}\n{textwrap.dedent(head)}steps:\n{steps}\n"


def params(path: str, **expected: Any) -> Callable[[Driver], None]:
    """Assert on the params of the first RunStep sent for `path`."""

    def check(driver: Driver) -> None:
        sent = [c for c in driver.commands if getattr(c, "path", None) == path and hasattr(c, "params")]
        assert sent, f"no RunStep for {path}"
        for key, value in expected.items():
            assert sent[0].params.get(key, MISSING) == value, (key, sent[0].params)

    return check


def parents(expected: dict[str, str | None]) -> Callable[[Driver], None]:
    """Assert which path each path's run is nested in."""

    def check(driver: Driver) -> None:
        for path, parent_path in expected.items():
            record = driver.record(path)
            got = driver.records[record.parent_run_id].path if record.parent_run_id else None
            assert got == parent_path, (path, got, parent_path)

    return check


def record_is(path: str, **expected: Any) -> Callable[[Driver], None]:
    def check(driver: Driver) -> None:
        record = driver.record(path)
        for key, value in expected.items():
            assert getattr(record, key) == value, (path, key, getattr(record, key))

    return check


def all_of(*checks: Callable[[Driver], None]) -> Callable[[Driver], None]:
    def check(driver: Driver) -> None:
        for one in checks:
            one(driver)

    return check
