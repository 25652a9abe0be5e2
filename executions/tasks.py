"""Celery tasks of the `celery` executor: thin wrappers over the jobs in `executions.dispatch.work`.

No business logic here: a task only names a job. Every job catches its own errors (a task never fails, so
Celery never retries it on its own); whatever a dead worker leaves behind, the scheduler finds in the database
and sends again. Messages are JSON: an execution id, and for a step the RunStep command as a dict.
"""

from __future__ import annotations

from typing import Any

from executions.dispatch import work
from workflows_ui.celery import app


@app.task(name="workflows.begin", ignore_result=True)
def begin(execution_id: str) -> None:
    work.begin(execution_id)


@app.task(name="workflows.run_step", ignore_result=True)
def run_step(execution_id: str, command: dict[str, Any]) -> None:
    work.run_step_message(execution_id, command)


@app.task(name="workflows.terminate", ignore_result=True)
def terminate(execution_id: str) -> None:
    work.terminate(execution_id)
