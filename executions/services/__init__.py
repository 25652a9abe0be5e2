"""The only writers of workflow, execution and history state.

Each public function is keyword-only, typed and atomic; it writes an AuditEvent for what an actor asked and
asks `broadcast` to publish after commit. Interfaces (pages, APIs, gRPC, admin, commands) call these.
"""

from executions.services.bulk import BulkOutcome, check_bulk_request, execution_bulk
from executions.services.executions import (
    execution_deadline,
    execution_pause,
    execution_resume,
    execution_retry,
    execution_start,
    execution_stop,
    execution_terminate,
)
from executions.services.shell import (
    execution_advance,
    execution_begin,
    step_completed,
    step_failed,
    timer_fire,
)
from executions.services.tokens import api_token_create, api_token_revoke
from executions.services.workflows import workflow_create, workflow_delete, workflow_update, workflow_validate

__all__ = [
    "BulkOutcome",
    "api_token_create",
    "api_token_revoke",
    "check_bulk_request",
    "execution_advance",
    "execution_begin",
    "execution_bulk",
    "execution_deadline",
    "execution_pause",
    "execution_resume",
    "execution_retry",
    "execution_start",
    "execution_stop",
    "execution_terminate",
    "step_completed",
    "step_failed",
    "timer_fire",
    "workflow_create",
    "workflow_delete",
    "workflow_update",
    "workflow_validate",
]
