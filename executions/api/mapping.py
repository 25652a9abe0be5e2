"""Names the native API shows for internal values, in one place for every interface that wants them.

Executions are stored with the Yandex status enum (QUEUED ... FINISHED); the native API speaks the lower-case
Polos-style names (queued, running, paused, completed, failed, cancelled).
"""

from __future__ import annotations

from collections.abc import Iterable

from executions.engine.states import ExecutionStatus, StepStatus

S = ExecutionStatus

API_STATUSES: dict[ExecutionStatus, str] = {
    S.QUEUED: "queued",
    S.RUNNING: "running",
    S.PAUSED: "paused",
    S.FINISHED: "completed",
    S.FAILED: "failed",
    S.STOPPED: "cancelled",
}
STATUSES_BY_API_NAME: dict[str, ExecutionStatus] = {name: status for status, name in API_STATUSES.items()}


def api_status(status: ExecutionStatus | str) -> str:
    """The API name of a stored execution status: FINISHED -> "completed", STOPPED -> "cancelled"."""
    return API_STATUSES[ExecutionStatus(status)]


def status_from_api(name: str) -> ExecutionStatus:
    """The stored status for an API name (case-insensitive); ValueError names the accepted ones."""
    try:
        return STATUSES_BY_API_NAME[name.strip().lower()]
    except KeyError:
        allowed = ", ".join(STATUSES_BY_API_NAME)
        raise ValueError(f"unknown status {name!r}; expected one of {allowed}") from None


def statuses_from_api(values: Iterable[str]) -> tuple[str, ...]:
    """Repeated and comma-separated API names -> stored statuses, in order and without duplicates."""
    statuses = [status_from_api(name).value for value in values for name in str(value).split(",") if name.strip()]
    return tuple(dict.fromkeys(statuses))


def api_step_status(status: StepStatus | str) -> str:
    """Step statuses keep their meaning and lose their capitals: CANCEL_REQUESTED -> "cancel_requested"."""
    return StepStatus(status).value.lower()
