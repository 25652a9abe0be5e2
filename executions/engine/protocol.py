"""The contract between the pure interpreter and the Django shell: events in, an Outcome out.

The shell (`executions.services.execution_advance`) locks the execution row, calls
`interpreter.start(...)` or `interpreter.handle(...)`, stores `Outcome.cursor`, upserts one HistoryEntry per
`Outcome.runs` item (keyed by `run_id`), applies `Outcome.status/result/error`, and after commit hands
`Outcome.commands` to the dispatcher. Everything here is plain data and JSON-serialisable through `as_dict`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from .states import ExecutionStatus, StepStatus, StepType

# ---------------------------------------------------------------------------------------------------------
# Events: what happened, fed to `interpreter.handle`.


@dataclass(frozen=True)
class StepSucceeded:
    """An integration step attempt (HTTP, function, child workflow) returned `result` (its raw result)."""

    run_id: int
    attempt: int
    result: Any


@dataclass(frozen=True)
class StepErrored:
    """An integration step attempt failed with a YaWL error code (STEP_TIMEOUT, HTTP_CALL_503, ...)."""

    run_id: int
    attempt: int
    code: str
    message: str


@dataclass(frozen=True)
class TimerFired:
    """A timer set by a `SetTimer` command is due: a Wait step's wake-up or a retry backoff's end."""

    run_id: int


@dataclass(frozen=True)
class StopRequested:
    """Drain: no new step starts; running steps finish (entries CANCEL_REQUESTED); then STOPPED."""


@dataclass(frozen=True)
class TerminateRequested:
    """Interrupt: running steps are cancelled (entries CANCELLED); STOPPED at once."""


@dataclass(frozen=True)
class PauseRequested:
    """No new step starts while PAUSED; outcomes of running steps are still recorded."""


@dataclass(frozen=True)
class ResumeRequested:
    """Continue from exactly where the execution paused."""


@dataclass(frozen=True)
class RetryRequested:
    """Redrive a FAILED or STOPPED execution from the steps that did not complete.

    `replace_input`: when True, `input` replaces the step input of the re-run step(s).
    """

    replace_input: bool = False
    input: Any = None


@dataclass(frozen=True)
class DeadlineExceeded:
    """The execution ran past its deadline (run_timeout_seconds): it fails with EXECUTION_TIMEOUT."""


Event = (
    StepSucceeded
    | StepErrored
    | TimerFired
    | StopRequested
    | TerminateRequested
    | PauseRequested
    | ResumeRequested
    | RetryRequested
    | DeadlineExceeded
)

# ---------------------------------------------------------------------------------------------------------
# Commands: what the shell must do after the transaction that stored the Outcome commits.


@dataclass(frozen=True)
class RunStep:
    """Run one attempt of an integration step on an executor.

    `params` are the step's templated fields, already rendered against the step input:
    HttpCall: {"url", "method", "headers", "query", "body"} (body absent when the spec has none);
    FunctionCall: {"function_id", "tag"}; Workflow: {"workflow_id", "execution_input"}.
    The outcome comes back as StepSucceeded/StepErrored with the same run_id and attempt (the fence).
    """

    run_id: int
    attempt: int
    step_type: StepType
    path: str
    input: Any
    params: dict[str, Any]
    timeout_seconds: float


@dataclass(frozen=True)
class SetTimer:
    """Feed TimerFired(run_id) at `at` (a Wait wake-up or the end of a retry backoff). Durable: a DB row."""

    run_id: int
    at: datetime


@dataclass(frozen=True)
class CancelStep:
    """Interrupt the running attempt of `run_id` (terminate, or a sibling branch failed)."""

    run_id: int


Command = RunStep | SetTimer | CancelStep

# ---------------------------------------------------------------------------------------------------------
# What the interpreter returns.


@dataclass(frozen=True)
class StepError:
    code: str
    message: str


@dataclass(frozen=True)
class RunRecord:
    """The full current content of one step run's history entry (upserted by run_id).

    `run_id` numbers step runs of one execution from 1 in the order they were scheduled; `parent_run_id`
    nests runs inside a Parallel/Foreach/While run. `path` says where in the spec the run is:
    `step`, `parallel_step/branch_id/step`, `foreach_step[3]/step`, `while_step[2]/step`.
    """

    run_id: int
    parent_run_id: int | None
    step_id: str
    path: str
    step_type: StepType
    title: str
    description: str
    status: StepStatus
    input: Any = None
    output: Any = None
    error: StepError | None = None
    attempts: int = 1
    last_error: StepError | None = None
    scheduled_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    next_attempt_at: datetime | None = None


@dataclass(frozen=True)
class Outcome:
    """`transitions`: every status the execution entered during this call, in order, ending with `status`
    (empty when it did not change). Each hop is legal per STATUS_TRANSITIONS even when old -> `status` is not
    a single legal move: a Resume or redrive whose held work runs to the end goes PAUSED -> RUNNING ->
    FINISHED in one call. Check hop by hop.
    """

    cursor: dict[str, Any]
    status: ExecutionStatus
    result: Any = None
    error: StepError | None = None
    runs: tuple[RunRecord, ...] = field(default_factory=tuple)
    commands: tuple[Command, ...] = field(default_factory=tuple)
    transitions: tuple[ExecutionStatus, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Limits:
    """Yandex's limits as defaults; the shell builds this from settings."""

    max_step_runs: int = 1000
    max_data_bytes: int = 2 * 1024 * 1024
    max_retries: int = 100
    step_timeout_seconds: float = 900.0
    step_total_seconds: float = 24 * 3600.0
    execution_seconds: float = 48 * 3600.0


def as_dict(obj: Any) -> dict[str, Any]:
    return asdict(obj)
