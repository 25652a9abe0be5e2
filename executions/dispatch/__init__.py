"""The only module that hands work to executors. Services call it from `transaction.on_commit`.

The backend is chosen by WORKFLOWS_EXECUTOR: `thread` (a pool inside the serving process, started by
`engine_start()` from the serve command), `inline` (run in the caller, for tests and scripts) or `celery`
(Celery workers, routed by the execution's `queue_name`; pass `queue` when the caller knows it, to save a read).
Nothing here is the source of truth: whatever is lost on the way (a crash after commit, no pool running, the
broker down) the scheduler finds in the database and sends again.
"""

from __future__ import annotations

from executions.dispatch.backends import get_backend
from executions.engine.protocol import RunStep


def begin(execution_id: str, *, queue: str | None = None) -> None:
    get_backend().submit_begin(execution_id, queue=queue)


def run_step(execution_id: str, command: RunStep, *, queue: str | None = None) -> None:
    get_backend().submit_step(execution_id, command, queue=queue)


def cancel_step(execution_id: str, run_id: int) -> None:
    get_backend().cancel_step(execution_id, run_id)


def terminate_child(execution_id: str, *, queue: str | None = None) -> None:
    get_backend().submit_terminate(execution_id, queue=queue)


def accepts_work() -> bool:
    """Whether work handed over here will run (a thread backend with no pool in this process drops it)."""
    return get_backend().accepts_work


def begin_grace_seconds() -> float:
    """How long a QUEUED execution may wait for its begin before the scheduler sends it again."""
    return get_backend().begin_grace_seconds
