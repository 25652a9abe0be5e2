"""ShellDriver: the pure conformance driver's interface (tests/engine/driver.py), played by the real shell.

Each case runs through the services, the step handlers, the executor jobs and the scheduler:
- the workflow (and the child workflows it calls, by name) is created with `services.workflow_create`;
- the case's fake functions are registered in the function registry, its fake HTTP answers are served by a
  local server (the spec's `https://api.test` becomes that server's address, and is translated back in the
  commands the checks look at);
- every RunStep the shell dispatches is held, as the pure driver holds its in-flight attempts, and run on
  request by the real executor job (`work.run_step`: claim, handler, report through the services);
- time is a clock starting at the pure driver's T0 that only moves when a timer is fired, through
  `scheduler.tick(now)`; operator events go through the operator services.

It offers what the case scripts and checks use: `status`, `result`, `error`, `cursor`, `records`,
`commands`, `outcomes[-1].commands`, `inflight`, `execute`, `send`, `settle`, `record`, `paths`, `history`.
"""

from __future__ import annotations

import re
import sys
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

from django.utils import timezone

import executions.dispatch
from executions import definitions, scheduler, services
from executions.actors import SYSTEM_TIMEOUT
from executions.dispatch import work
from executions.engine.protocol import (
    CancelStep,
    DeadlineExceeded,
    PauseRequested,
    ResumeRequested,
    RetryRequested,
    RunRecord,
    RunStep,
    SetTimer,
    StepError,
    StepErrored,
    StepSucceeded,
    StopRequested,
    TerminateRequested,
    TimerFired,
)
from executions.engine.states import ExecutionStatus, StepStatus, StepType
from executions.functions import FunctionError, workflow_function
from executions.models import Execution, HistoryEntry
from tests.services.helpers_integration import ACTOR, Reply, ScriptedServer, make_flow

# The pure suite's modules import each other by bare name, as tests/engine/conftest.py arranges there.
ENGINE_TESTS = Path(__file__).resolve().parents[1] / "engine"
if str(ENGINE_TESTS) not in sys.path:
    sys.path.insert(0, str(ENGINE_TESTS))

from driver import T0, Fail, Status  # noqa: E402

FAKE_ORIGIN = "https://api.test"
FUNCTION_ID = re.compile(r"functionId:\s*([\w.-]+)")
ACTIVE = [StepStatus.STARTED, StepStatus.CANCEL_REQUESTED]
LIMIT_SETTINGS = {
    "max_step_runs": "WORKFLOWS_MAX_STEP_RUNS",
    "max_data_bytes": "WORKFLOWS_MAX_DATA_BYTES",
    "max_retries": "WORKFLOWS_MAX_RETRIES",
    "step_timeout_seconds": "WORKFLOWS_STEP_TIMEOUT_SECONDS",
    "step_total_seconds": "WORKFLOWS_STEP_TOTAL_SECONDS",
    "execution_seconds": "WORKFLOWS_EXECUTION_TIMEOUT_SECONDS",
}


class ShellDriver:
    def __init__(self, case: Any, *, server: ScriptedServer, settings: Any, monkeypatch: Any) -> None:
        self.case = case
        self.server = server
        self.now: datetime = T0
        self.commands: list[Any] = []
        self.outcomes: list[SimpleNamespace] = []
        self.calls: dict[str, int] = {}
        self._held: dict[tuple[str, int], RunStep] = {}
        self._timers_seen: set[tuple[int, datetime]] = set()
        self._children_seen: set[tuple[int, int]] = set()
        self.execution: Execution | None = None
        self._configure(settings, monkeypatch)

    # -- setting the scene ----------------------------------------------------------------------------------

    def _configure(self, settings: Any, monkeypatch: Any) -> None:
        monkeypatch.setattr(timezone, "now", lambda: self.now)
        # The parsed-definition cache is keyed by revision pk and creation time; with the clock frozen at T0
        # and pks reused after each test's flush, a key could name the previous case's spec.
        definitions._definition.cache_clear()
        monkeypatch.setattr(executions.dispatch, "run_step", self._hold)
        real_cancel = executions.dispatch.cancel_step
        monkeypatch.setattr(
            executions.dispatch, "cancel_step", lambda eid, run_id: self._cancelled(eid, run_id, real_cancel)
        )
        settings.WORKFLOWS_HTTP_ALLOW = ["127.0.0.1/32"]
        for field, setting in LIMIT_SETTINGS.items():
            setattr(settings, setting, getattr(self.case.limits, field))
        for name, value in (self.case.secrets or {}).items():
            monkeypatch.setenv(_secret_variable(name), value)
        monkeypatch.delenv(_secret_variable("missing"), raising=False)
        for function_id, fake in self.case.functions.items():
            workflow_function(function_id)(self._fake_function(function_id, fake))
        # The pure driver never validates function ids; the service does, at create. A case that names a
        # function it never calls (its steps are cancelled or fail first) gets one that fails if called,
        # as the pure driver's missing fake would.
        for function_id in set(FUNCTION_ID.findall(self.case.spec)) - set(self.case.functions):
            workflow_function(function_id)(self._fake_function(function_id, _not_faked))
        self.server.reset()
        for url, fake in self.case.http.items():
            replies = fake if isinstance(fake, list) else [fake]
            self.server.script(urlsplit(url).path, *(_reply(r) for r in replies))
        for name, text in self.case.workflows.items():
            make_flow(self._local(text), name)

    def _local(self, text: str) -> str:
        return text.replace(FAKE_ORIGIN, self.server.base)

    def _fake_function(self, function_id: str, fake: Any):
        def call(argument: Any) -> Any:
            count = self.calls.get(function_id, 0)
            self.calls[function_id] = count + 1
            outcome = fake[min(count, len(fake) - 1)] if isinstance(fake, list) else fake
            try:
                if isinstance(outcome, Fail):
                    raise outcome
                return outcome(argument) if callable(outcome) else outcome
            except Fail as failure:
                raise FunctionError(failure.code, failure.message) from None

        return call

    # -- what the shell dispatches --------------------------------------------------------------------------

    def _hold(self, execution_id: str, command: RunStep, *, queue: str | None = None) -> None:
        self._held[(execution_id, command.run_id)] = command
        if self._is_main(execution_id):
            url = command.params.get("url")
            if isinstance(url, str):
                params = {**command.params, "url": url.replace(self.server.base, FAKE_ORIGIN)}
                command = RunStep(**{**command.__dict__, "params": params})
            self.commands.append(command)

    def _cancelled(self, execution_id: str, run_id: int, real_cancel: Any) -> None:
        if self._is_main(execution_id):
            self.commands.append(CancelStep(run_id))
        real_cancel(execution_id, run_id)

    def _is_main(self, execution_id: str) -> bool:
        # The first RunSteps are sent inside execution_start, before it returns the execution: the case's
        # own execution is the one without a parent.
        if self.execution is not None:
            return execution_id == self.execution.pk
        return Execution.objects.filter(pk=execution_id, parent__isnull=True).exists()

    def _observe(self) -> None:
        """Record the SetTimers and child starts the last action left in the database, in run order."""
        assert self.execution is not None
        rows = HistoryEntry.objects.filter(execution=self.execution).select_related("child_execution__workflow")
        for row in rows.order_by("run_id"):
            if row.timer_at is not None and (row.run_id, row.timer_at) not in self._timers_seen:
                self._timers_seen.add((row.run_id, row.timer_at))
                self.commands.append(SetTimer(row.run_id, row.timer_at))
            child = row.child_execution
            if child is not None and (row.run_id, row.attempts) not in self._children_seen:
                # A `workflow` step's RunStep never reaches the dispatcher (the shell creates the child in
                # its own transaction): rebuild it from the child execution it created.
                self._children_seen.add((row.run_id, row.attempts))
                params = {"workflow_id": child.workflow.name, "execution_input": child.input}
                self.commands.append(
                    RunStep(row.run_id, row.attempts, StepType.WORKFLOW, row.path, row.input, params, 0)
                )

    # -- driving --------------------------------------------------------------------------------------------

    def start(self, execution_input: Any = None) -> None:
        workflow = make_flow(self._local(self.case.spec), "conformance")
        self.execution = services.execution_start(actor=ACTOR, workflow=workflow, input=execution_input)
        self._observe()

    def execute(self, run_id: int) -> None:
        assert self.execution is not None
        self._run((self.execution.pk, run_id))

    def _run(self, key: tuple[str, int]) -> None:
        command = self._held.pop(key)
        work.run_step(key[0], command)
        self._observe()

    def send(self, event: Any) -> None:
        assert self.execution is not None
        before = len(self.commands)
        execution_id = self.execution.pk
        if isinstance(event, StopRequested):
            services.execution_stop(actor=ACTOR, execution_id=execution_id)
        elif isinstance(event, TerminateRequested):
            services.execution_terminate(actor=ACTOR, execution_id=execution_id)
        elif isinstance(event, PauseRequested):
            services.execution_pause(actor=ACTOR, execution_id=execution_id)
        elif isinstance(event, ResumeRequested):
            services.execution_resume(actor=ACTOR, execution_id=execution_id)
        elif isinstance(event, RetryRequested):
            extra = {"input": event.input} if event.replace_input else {}
            services.execution_retry(actor=ACTOR, execution_id=execution_id, **extra)
        elif isinstance(event, DeadlineExceeded):
            # The scheduler's deadline sweep, for this execution alone: a full tick at the deadline would
            # first time out the attempts still held here.
            deadline = Execution.objects.get(pk=execution_id).deadline_at
            services.execution_deadline(actor=SYSTEM_TIMEOUT, execution_id=execution_id, event=event, now=deadline)
        elif isinstance(event, StepSucceeded):
            services.step_completed(
                execution_id=execution_id, run_id=event.run_id, attempt=event.attempt, result=event.result
            )
        elif isinstance(event, StepErrored):
            services.step_failed(
                execution_id=execution_id,
                run_id=event.run_id,
                attempt=event.attempt,
                code=event.code,
                message=event.message,
            )
        elif isinstance(event, TimerFired):
            services.timer_fire(execution_id=execution_id, run_id=event.run_id, now=self.now)
        else:
            raise TypeError(f"no service for {event!r}")
        self._observe()
        self.outcomes.append(SimpleNamespace(commands=tuple(self.commands[before:])))

    def settle(self, *, max_events: int = 10_000) -> ShellDriver:
        """Run held attempts and fire due timers until the execution waits on nothing we can do."""
        for _ in range(max_events):
            status = ExecutionStatus(self.status)
            if status.is_terminal or (status == ExecutionStatus.PAUSED and not self.inflight):
                return self
            held = self._current_held()
            if held:
                self._run(min(held))
            elif HistoryEntry.objects.filter(timer_at__isnull=False).exists():
                self.fire_next_timer()
            else:
                return self
        raise AssertionError("the execution did not settle")

    def fire_next_timer(self) -> None:
        due = HistoryEntry.objects.filter(timer_at__isnull=False).order_by("timer_at", "run_id").first()
        assert due is not None and due.timer_at is not None
        self.now = max(self.now, due.timer_at)
        scheduler.tick(now=self.now)
        self._observe()

    def _current_held(self) -> list[tuple[str, int]]:
        """Held attempts that are still what their run waits for (not finished, cancelled or superseded)."""
        current = []
        for (execution_id, run_id), command in self._held.items():
            if HistoryEntry.objects.filter(
                execution_id=execution_id,
                run_id=run_id,
                attempts=command.attempt,
                status__in=ACTIVE,
                next_attempt_at__isnull=True,
            ).exists():
                current.append((execution_id, run_id))
        return current

    # -- views for assertions -------------------------------------------------------------------------------

    @property
    def inflight(self) -> dict[int, RunStep]:
        assert self.execution is not None
        return {run_id: self._held[(eid, run_id)] for eid, run_id in self._current_held() if eid == self.execution.pk}

    def _fresh(self) -> Execution:
        assert self.execution is not None
        self.execution.refresh_from_db()
        return self.execution

    @property
    def status(self) -> str:
        return self._fresh().status

    @property
    def result(self) -> Any:
        return self._fresh().result

    @property
    def error(self) -> StepError | None:
        execution = self._fresh()
        return StepError(execution.error_code, execution.error_message) if execution.error_code else None

    @property
    def cursor(self) -> dict[str, Any]:
        return self._fresh().cursor

    @property
    def records(self) -> dict[int, RunRecord]:
        rows = HistoryEntry.objects.filter(execution=self.execution).select_related("parent").order_by("run_id")
        return {row.run_id: _record(row) for row in rows}

    def history(self) -> list[tuple[str, str, int]]:
        return [(r.path, r.status.value, r.attempts) for _, r in sorted(self.records.items())]

    def paths(self) -> list[str]:
        return [r.path for _, r in sorted(self.records.items())]

    def record(self, path: str) -> RunRecord:
        matches = [r for r in self.records.values() if r.path == path]
        assert len(matches) == 1, f"{len(matches)} runs at {path}: {self.paths()}"
        return matches[0]


def _record(row: HistoryEntry) -> RunRecord:
    return RunRecord(
        run_id=row.run_id,
        parent_run_id=row.parent.run_id if row.parent else None,
        step_id=row.step_id,
        path=row.path,
        step_type=StepType(row.type),
        title=row.title,
        description=row.description,
        status=StepStatus(row.status),
        input=row.input,
        output=row.output,
        error=StepError(row.error_code, row.error_message) if row.error_code else None,
        attempts=row.attempts,
        last_error=StepError(row.last_error_code, row.last_error_message) if row.last_error_code else None,
        scheduled_at=row.scheduled_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        next_attempt_at=row.next_attempt_at,
    )


def _reply(fake: Any) -> Reply:
    if isinstance(fake, Status):
        return Reply(fake.status)
    if isinstance(fake, str):
        return Reply(text=fake)
    if isinstance(fake, Fail) or callable(fake):
        raise NotImplementedError(f"an HTTP fake the local server cannot play: {fake!r}")
    return Reply(body=fake)


def _not_faked(argument: Any) -> Any:
    raise LookupError("the case has no fake for this function")


def _secret_variable(name: str) -> str:
    return "WORKFLOWS_SECRET_" + "".join(ch if ch.isalnum() else "_" for ch in name).upper()


def conformance_cases() -> list[Any]:
    """Every case of the pure conformance table, in its order."""
    from conformance_flow import CASES as FLOW
    from conformance_integration import CASES as INTEGRATION
    from conformance_nested import CASES as NESTED

    return FLOW + INTEGRATION + NESTED
