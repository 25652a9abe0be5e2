"""Statuses, step types and the one table of legal execution transitions."""

from __future__ import annotations

from enum import StrEnum


class ExecutionStatus(StrEnum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    PAUSED = "PAUSED"
    STOPPED = "STOPPED"
    FAILED = "FAILED"
    FINISHED = "FINISHED"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_STATUSES


TERMINAL_STATUSES = frozenset({ExecutionStatus.STOPPED, ExecutionStatus.FAILED, ExecutionStatus.FINISHED})


class StepStatus(StrEnum):
    SCHEDULED = "SCHEDULED"
    STARTED = "STARTED"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    CANCEL_REQUESTED = "CANCEL_REQUESTED"
    CANCELLED = "CANCELLED"


class StepType(StrEnum):
    HTTP_CALL = "HttpCall"
    FUNCTION_CALL = "FunctionCall"
    SWITCH = "Switch"
    FOREACH = "Foreach"
    PARALLEL = "Parallel"
    WHILE = "While"
    WAIT = "Wait"
    NO_OP = "NoOp"
    SUCCESS = "Success"
    FAIL = "Fail"
    WORKFLOW = "Workflow"

    @property
    def is_integration(self) -> bool:
        """Integration steps do I/O and run on an executor; control steps run inside `advance`."""
        return self in INTEGRATION_STEP_TYPES


INTEGRATION_STEP_TYPES = frozenset({StepType.HTTP_CALL, StepType.FUNCTION_CALL, StepType.WORKFLOW})


class Action(StrEnum):
    """What an operator (or the system) asks of an execution."""

    STOP = "stop"
    TERMINATE = "terminate"
    PAUSE = "pause"
    RESUME = "resume"
    RETRY = "retry"


class IllegalTransition(Exception):
    """The one domain error for an action the execution's status does not allow.

    Every interface maps it the same way: HTTP 409, gRPC FAILED_PRECONDITION, an inline message in the UI.
    """

    def __init__(self, status: ExecutionStatus, action: Action | str) -> None:
        self.status = ExecutionStatus(status)
        self.action = str(action)
        super().__init__(f"cannot {self.action} an execution that is {self.status.value}")


S = ExecutionStatus

# Status changes the engine and services may make. Anything else is a bug.
STATUS_TRANSITIONS: dict[ExecutionStatus, frozenset[ExecutionStatus]] = {
    S.QUEUED: frozenset({S.RUNNING, S.STOPPED, S.FAILED, S.FINISHED}),
    S.RUNNING: frozenset({S.PAUSED, S.STOPPED, S.FAILED, S.FINISHED}),
    S.PAUSED: frozenset({S.RUNNING, S.STOPPED, S.FAILED}),
    S.STOPPED: frozenset({S.RUNNING}),  # only through retry (redrive)
    S.FAILED: frozenset({S.RUNNING}),  # only through retry (redrive)
    S.FINISHED: frozenset(),
}

# Which statuses each operator action may be asked in.
ACTION_ALLOWED_FROM: dict[Action, frozenset[ExecutionStatus]] = {
    Action.STOP: frozenset({S.QUEUED, S.RUNNING, S.PAUSED}),
    Action.TERMINATE: frozenset({S.QUEUED, S.RUNNING, S.PAUSED}),
    Action.PAUSE: frozenset({S.RUNNING}),
    Action.RESUME: frozenset({S.PAUSED}),
    Action.RETRY: frozenset({S.FAILED, S.STOPPED}),
}


def can(status: ExecutionStatus | str, action: Action | str) -> bool:
    """Whether `action` is legal now: the question the UI asks to show or hide a button."""
    return ExecutionStatus(status) in ACTION_ALLOWED_FROM[Action(action)]


def check_action(status: ExecutionStatus | str, action: Action | str) -> None:
    if not can(status, action):
        raise IllegalTransition(ExecutionStatus(status), action)


def check_status_change(old: ExecutionStatus | str, new: ExecutionStatus | str) -> None:
    old, new = ExecutionStatus(old), ExecutionStatus(new)
    if old != new and new not in STATUS_TRANSITIONS[old]:
        raise IllegalTransition(old, f"move to {new.value}")
