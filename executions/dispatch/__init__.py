"""The only module that hands work to executors. Services call it from `transaction.on_commit`.

The backend is chosen by WORKFLOWS_EXECUTOR: `thread` (a pool inside the serving process, started by
`engine_start()` from the serve command), `inline` (run in the caller, for tests and scripts) or `celery`.
Nothing here is the source of truth: whatever is lost on the way (a crash after commit, no pool running)
the scheduler finds in the database and sends again.
"""

from __future__ import annotations

from executions.dispatch.backends import get_backend
from executions.engine.protocol import RunStep


def begin(execution_id: str) -> None:
    get_backend().submit_begin(execution_id)


def run_step(execution_id: str, command: RunStep) -> None:
    get_backend().submit_step(execution_id, command)


def cancel_step(execution_id: str, run_id: int) -> None:
    get_backend().cancel_step(execution_id, run_id)


def terminate_child(execution_id: str) -> None:
    get_backend().submit_terminate(execution_id)
