"""Creating execution rows: shared by execution_start and the child executions of `workflow` steps."""

from __future__ import annotations

import json
import re
from typing import Any

from django.conf import settings
from django.db import transaction

from executions import dispatch
from executions.actors import Actor
from executions.errors import InvalidInput
from executions.models import Execution, Workflow

# A JSON escape of NUL: "\u0000" preceded by an even number of backslashes (an odd count is a literal text).
_NUL_ESCAPE = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")


def check_input(value: Any) -> Any:
    try:
        text = json.dumps(value, separators=(",", ":"), allow_nan=False, ensure_ascii=False)
        encoded = text.encode()
    except UnicodeEncodeError:
        raise InvalidInput("input must be valid Unicode (it contains a lone surrogate)") from None
    except (TypeError, ValueError, RecursionError):
        raise InvalidInput("input must be JSON (no NaN or Infinity)") from None
    if _NUL_ESCAPE.search(text):
        # PostgreSQL's jsonb cannot store NUL characters; refuse them everywhere so both databases agree.
        raise InvalidInput("input must not contain the NUL character (\\u0000)")
    size = len(encoded)
    if size > settings.WORKFLOWS_MAX_DATA_BYTES:
        raise InvalidInput(f"input is {size} bytes, over the limit of {settings.WORKFLOWS_MAX_DATA_BYTES} bytes")
    return value


def create_execution(
    *,
    actor: Actor,
    workflow: Workflow,
    input: Any,
    queue_name: str | None = None,
    run_timeout_seconds: int | None = None,
    concurrency_key: str = "",
    idempotency_key: str = "",
    batch_id: str = "",
    session_id: str = "",
    parent: Execution | None = None,
    parent_step_key: str = "",
    parent_run_id: int | None = None,
) -> Execution:
    if workflow.current_revision_id is None or workflow.status != Workflow.Status.ACTIVE:
        raise InvalidInput(f"workflow {workflow.name!r} cannot start executions (status {workflow.status})")
    timeout = (
        run_timeout_seconds or workflow.default_run_timeout_seconds or settings.WORKFLOWS_EXECUTION_TIMEOUT_SECONDS
    )
    if timeout > settings.WORKFLOWS_EXECUTION_TIMEOUT_SECONDS:
        raise InvalidInput(
            f"run_timeout_seconds must be at most {settings.WORKFLOWS_EXECUTION_TIMEOUT_SECONDS}, got {timeout}"
        )
    execution = Execution.objects.create(
        workflow=workflow,
        revision_id=workflow.current_revision_id,
        input=check_input(input),
        run_timeout_seconds=timeout,
        queue_name=queue_name or workflow.default_queue_name,
        concurrency_key=concurrency_key,
        idempotency_key=idempotency_key,
        batch_id=batch_id,
        session_id=session_id,
        parent=parent,
        root=(parent.root or parent) if parent is not None else None,
        parent_step_key=parent_step_key,
        parent_run_id=parent_run_id,
        started_by=actor.label,
        started_by_user=actor.user if getattr(actor.user, "pk", None) else None,
    )
    transaction.on_commit(lambda: dispatch.begin(execution.pk, queue=execution.queue_name))
    return execution
