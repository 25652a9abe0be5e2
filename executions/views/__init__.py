"""The operator dashboard: server-rendered pages; each view also serves an HTMX fragment of its template.

Views parse the request, call one service or selector (or a context builder from `executions.dashboard`),
and render. The rules (what may happen, when) live in the services and in `engine.states`; permissions in
`executions.permissions`. Live updates come over websockets (`executions.consumers`), rendered from the same
templates.
"""

from executions.views.common import PAGE_SIZE
from executions.views.executions import (
    execution_bulk,
    execution_data,
    execution_detail,
    execution_list,
    execution_pause,
    execution_resume,
    execution_retry,
    execution_run,
    execution_run_data,
    execution_stop,
    execution_terminate,
)
from executions.views.overview import overview
from executions.views.tokens import token_create, token_list, token_revoke
from executions.views.workflows import (
    workflow_create,
    workflow_detail,
    workflow_diff,
    workflow_edit,
    workflow_list,
    workflow_start,
)

__all__ = [
    "PAGE_SIZE",
    "execution_bulk",
    "execution_data",
    "execution_detail",
    "execution_list",
    "execution_pause",
    "execution_resume",
    "execution_retry",
    "execution_run",
    "execution_run_data",
    "execution_stop",
    "execution_terminate",
    "overview",
    "token_create",
    "token_list",
    "token_revoke",
    "workflow_create",
    "workflow_detail",
    "workflow_diff",
    "workflow_edit",
    "workflow_list",
    "workflow_start",
]
