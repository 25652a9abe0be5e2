"""A pure test driver that plays the Django shell around the engine.

It keeps the cursor, runs `RunStep` commands with fake integrations, fires timers by advancing a fake clock,
and remembers the latest RunRecord per run_id so tests can assert the history's shape.

Fake integrations:
- functions: {function_id: callable(input) -> result}; raise `Fail(code, message)` for a YaWL error, any other
  exception gives FUNCTION_CALL_INVALID_RESPONSE. A list of outcomes is consumed one per call.
- http: {url: outcome or [outcome, ...]}; an outcome is a result, `Fail(...)`, or `Status(503)`.
- workflows: {workflow_id: yaml text}; a child execution runs to the end with another Driver.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from executions.engine import Definition, handle, parse, start
from executions.engine.protocol import (
    CancelStep,
    Event,
    Limits,
    Outcome,
    RunRecord,
    RunStep,
    SetTimer,
    StepError,
    StepErrored,
    StepSucceeded,
    TimerFired,
)
from executions.engine.states import ExecutionStatus, StepType

T0 = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Fail(Exception):
    code: str
    message: str = "failed"


@dataclass(frozen=True)
class Status:
    status: int


@dataclass
class Driver:
    definition: Definition
    functions: Mapping[str, Any] = field(default_factory=dict)
    http: Mapping[str, Any] = field(default_factory=dict)
    workflows: Mapping[str, str] = field(default_factory=dict)
    limits: Limits = field(default_factory=Limits)
    secrets: Callable[[str], str | None] | None = None
    now: datetime = T0
    cursor: dict[str, Any] = field(default_factory=dict)
    status: ExecutionStatus = ExecutionStatus.QUEUED
    result: Any = None
    error: StepError | None = None
    records: dict[int, RunRecord] = field(default_factory=dict)
    inflight: dict[int, RunStep] = field(default_factory=dict)
    timers: dict[int, datetime] = field(default_factory=dict)
    commands: list[Any] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    calls: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, text: str, **kwargs: Any) -> Driver:
        return cls(parse(text), **kwargs)

    # -- driving ------------------------------------------------------------------------------------------

    def start(self, execution_input: Any = None) -> Outcome:
        outcome = start(self.definition, execution_input, now=self.now, limits=self.limits, secrets=self.secrets)
        return self._apply(outcome)

    def send(self, event: Event) -> Outcome:
        before = json.dumps(self.cursor, sort_keys=True)
        outcome = handle(self.definition, self.cursor, event, now=self.now, limits=self.limits, secrets=self.secrets)
        assert json.dumps(self.cursor, sort_keys=True) == before, "handle() mutated the cursor it was given"
        return self._apply(outcome)

    def run(self, execution_input: Any = None, *, max_events: int = 10_000) -> Driver:
        self.start(execution_input)
        self.settle(max_events=max_events)
        return self

    def settle(self, *, max_events: int = 10_000) -> Driver:
        """Run in-flight attempts and fire due timers until the execution waits on nothing we can do."""
        for _ in range(max_events):
            if self.status.is_terminal or (self.status == ExecutionStatus.PAUSED and not self.inflight):
                return self
            if self.inflight:
                self.execute(min(self.inflight))
            elif self.timers:
                self.fire_next_timer()
            else:
                return self
        raise AssertionError("the execution did not settle")

    def execute(self, run_id: int) -> Outcome:
        command = self.inflight[run_id]
        return self.send(self._perform(command))

    def fire_next_timer(self) -> Outcome:
        run_id = min(self.timers, key=lambda r: (self.timers[r], r))
        self.now = max(self.now, self.timers.pop(run_id))
        return self.send(TimerFired(run_id))

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)

    # -- fakes --------------------------------------------------------------------------------------------

    def _perform(self, command: RunStep) -> Event:
        try:
            result = self._call(command)
        except Fail as exc:
            return StepErrored(command.run_id, command.attempt, exc.code, exc.message)
        except Exception as exc:
            return StepErrored(command.run_id, command.attempt, "FUNCTION_CALL_INVALID_RESPONSE", str(exc))
        return StepSucceeded(command.run_id, command.attempt, result)

    def _call(self, command: RunStep) -> Any:
        if command.step_type == StepType.FUNCTION_CALL:
            return self._outcome(self.functions, command.params["function_id"], command.input)
        if command.step_type == StepType.HTTP_CALL:
            return self._outcome(self.http, command.params["url"], command.params)
        child = Driver.of(self.workflows[command.params["workflow_id"]], functions=self.functions)
        child.now = self.now
        child.run(command.params["execution_input"])
        if child.status != ExecutionStatus.FINISHED:
            assert child.error is not None
            raise Fail(child.error.code, child.error.message)
        return child.result

    def _outcome(self, table: Mapping[str, Any], key: str, argument: Any) -> Any:
        count = self.calls.get(key, 0)
        self.calls[key] = count + 1
        entry = table[key]
        if isinstance(entry, list):
            entry = entry[min(count, len(entry) - 1)]
        if isinstance(entry, Status):
            raise Fail(f"HTTP_CALL_{entry.status}", f"HTTP {entry.status}")
        if isinstance(entry, Fail):
            raise entry
        return entry(argument) if callable(entry) else entry

    # -- bookkeeping --------------------------------------------------------------------------------------

    def _apply(self, outcome: Outcome) -> Outcome:
        assert json.loads(json.dumps(outcome.cursor)) == outcome.cursor, "the cursor is not plain JSON"
        self.outcomes.append(outcome)
        self.cursor = outcome.cursor
        self.status, self.result, self.error = outcome.status, outcome.result, outcome.error
        for record in outcome.runs:
            self.records[record.run_id] = record
        for command in outcome.commands:
            self.commands.append(command)
            if isinstance(command, RunStep):
                self.inflight[command.run_id] = command
            elif isinstance(command, SetTimer):
                self.timers[command.run_id] = command.at
            elif isinstance(command, CancelStep):
                self.inflight.pop(command.run_id, None)
        for record in outcome.runs:
            if record.status.value in ("COMPLETED", "FAILED", "CANCELLED") or record.next_attempt_at:
                self.inflight.pop(record.run_id, None)
            if record.next_attempt_at is None:
                self.timers.pop(record.run_id, None)
        return outcome

    # -- views for assertions -----------------------------------------------------------------------------

    def history(self) -> list[tuple[str, str, int]]:
        """(path, status, attempts) per run in run_id order."""
        return [(r.path, r.status.value, r.attempts) for _, r in sorted(self.records.items())]

    def paths(self) -> list[str]:
        return [r.path for _, r in sorted(self.records.items())]

    def record(self, path: str) -> RunRecord:
        matches = [r for r in self.records.values() if r.path == path]
        assert len(matches) == 1, f"{len(matches)} runs at {path}: {self.paths()}"
        return matches[0]
