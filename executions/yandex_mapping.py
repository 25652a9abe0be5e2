"""Our models as Yandex Workflows API messages, in proto3 JSON: one mapping for the REST API and gRPC.

Every function returns a plain dict in canonical proto3 JSON (camelCase names, int64 as strings, enum names,
RFC 3339 UTC timestamps, durations in seconds with an `s`, default values omitted), so the REST views render
it as is and the gRPC servicers turn it into the official message with `google.protobuf.json_format.ParseDict`.
No DRF and no protobuf here: the REST API works without the `grpc` extra installed.

Mapping decisions (docs/decisions.md, "The Yandex API"):
- `startedAt` is when the execution (or step) started, or when it was queued (scheduled) if it has not yet:
  the proto marks it required. `duration` runs from there to the finish, or to now while it is going.
- `result` is present once the execution FINISHED (`resultJson` "null" for a null result); `error` when it
  has an error code or message. A history entry's `input`/`output`/`error`/`lastError` likewise, when set.
- A history entry's `id` is its step id (Yandex: "ID of the Workflow step"); `title` falls back to the step
  id. The proto has no parent link (its field 11 is reserved), so nested runs (Parallel branches,
  Foreach/While iterations) are listed flat in the order they were scheduled, each container before its
  children; the tree is in the native API (`parent_run_id`, `path`).
- Timestamps and durations carry 0, 3 or 6 fractional digits, whichever is exact (protobuf's canonical
  form: "12.500s", "3s", "2026-11-25T18:00:00.123Z").
- An operation is one workflow AuditEvent (create, update, delete): id `op` + its number zero-padded to 20
  characters, `createdBy` the actor, done at once.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from enum import IntEnum
from typing import TYPE_CHECKING, Any

from executions.engine.states import IllegalTransition
from executions.errors import Conflict, DomainError, Forbidden, NotFound

if TYPE_CHECKING:
    from executions.models import AuditEvent, Execution, HistoryEntry, Workflow

PACKAGE = "yandex.cloud.serverless.workflows.v1"
TYPE_URL_PREFIX = "type.googleapis.com/"
EMPTY_TYPE = "google.protobuf.Empty"


class Code(IntEnum):
    """gRPC status codes (google.rpc.Code) that this API answers with."""

    INVALID_ARGUMENT = 3
    NOT_FOUND = 5
    ALREADY_EXISTS = 6
    PERMISSION_DENIED = 7
    RESOURCE_EXHAUSTED = 8
    FAILED_PRECONDITION = 9
    UNIMPLEMENTED = 12
    INTERNAL = 13
    UNAUTHENTICATED = 16


# The grpc-gateway mapping of gRPC codes to HTTP statuses (runtime.HTTPStatusFromCode), which Yandex's REST
# endpoints follow.
HTTP_STATUS: dict[Code, int] = {
    Code.INVALID_ARGUMENT: 400,
    Code.NOT_FOUND: 404,
    Code.ALREADY_EXISTS: 409,
    Code.PERMISSION_DENIED: 403,
    Code.RESOURCE_EXHAUSTED: 429,
    Code.FAILED_PRECONDITION: 400,
    Code.UNIMPLEMENTED: 501,
    Code.INTERNAL: 500,
    Code.UNAUTHENTICATED: 401,
}


def domain_error_code(exc: DomainError | IllegalTransition, *, conflict: Code = Code.ALREADY_EXISTS) -> Code:
    """The gRPC code of a domain error. `conflict` says what a Conflict means where it was raised: a taken
    name (ALREADY_EXISTS, the default) or a state that forbids the call (FAILED_PRECONDITION, e.g. deleting
    a workflow that has executions)."""
    if isinstance(exc, IllegalTransition):
        return Code.FAILED_PRECONDITION
    if isinstance(exc, NotFound):
        return Code.NOT_FOUND
    if isinstance(exc, Conflict):
        return conflict
    if isinstance(exc, Forbidden):
        return Code.PERMISSION_DENIED
    return Code.INVALID_ARGUMENT  # InvalidInput, and any other domain error: the request was at fault


def error_body(code: Code, message: str) -> dict[str, Any]:
    """A google.rpc.Status in JSON, the error body of every failed call."""
    return {"code": int(code), "message": message, "details": []}


# --- scalars --------------------------------------------------------------------------------------------------


def timestamp(value: datetime) -> str:
    """RFC 3339 in UTC with a `Z`, as protobuf writes a google.protobuf.Timestamp."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S") + _fraction(value.microsecond) + "Z"


def duration(value: timedelta) -> str:
    """Seconds with an `s`, as protobuf writes a google.protobuf.Duration; never negative (clock skew)."""
    micros = max(value // timedelta(microseconds=1), 0)
    seconds, micro = divmod(micros, 1_000_000)
    return f"{seconds}{_fraction(micro)}s"


def _fraction(micro: int) -> str:
    if micro == 0:
        return ""
    if micro % 1000 == 0:
        return f".{micro // 1000:03d}"
    return f".{micro:06d}"


def json_text(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    try:
        text.encode()
    except UnicodeEncodeError:
        # A lone surrogate (stored through another interface) cannot be sent as UTF-8; its \u escape can.
        text = json.dumps(value, separators=(",", ":"))
    return text


def _compact(message: dict[str, Any]) -> dict[str, Any]:
    """Drop proto3 defaults: None, "", False, empty maps and lists (a set sub-message stays, even if empty)."""
    return {key: value for key, value in message.items() if value not in (None, "", False, {}, [])}


def _timing(started: datetime | None, finished: datetime | None, now: datetime) -> dict[str, str | None]:
    if started is None:
        return {"startedAt": None, "duration": None}
    return {"startedAt": timestamp(started), "duration": duration((finished or now) - started)}


def _error(code: str, message: str) -> dict[str, str] | None:
    if not code and not message:
        return None
    return _compact({"message": message, "errorCode": code})


# --- executions -----------------------------------------------------------------------------------------------


def execution_preview_message(execution: Execution, *, now: datetime) -> dict[str, Any]:
    """ExecutionPreview: the execution in lists and in GetHistory."""
    return _compact(
        {
            "id": execution.pk,
            "workflowId": execution.workflow_id,
            "status": str(execution.status),
            **_timing(execution.started_at or execution.created_at, execution.finished_at, now),
        }
    )


def execution_message(execution: Execution, *, now: datetime) -> dict[str, Any]:
    """Execution, as Get returns it."""
    finished = str(execution.status) == "FINISHED"
    return _compact(
        {
            "id": execution.pk,
            "workflowId": execution.workflow_id,
            "input": {"inputJson": json_text(execution.input)} if execution.input is not None else None,
            "result": {"resultJson": json_text(execution.result)} if finished else None,
            "error": _error(execution.error_code, execution.error_message),
            "status": str(execution.status),
            **_timing(execution.started_at or execution.created_at, execution.finished_at, now),
        }
    )


def history_entry_message(entry: HistoryEntry, *, now: datetime) -> dict[str, Any]:
    return _compact(
        {
            "id": entry.step_id,
            "title": entry.title or entry.step_id,
            "description": entry.description,
            **_timing(entry.started_at or entry.scheduled_at, entry.finished_at, now),
            "input": {"inputJson": json_text(entry.input)} if entry.input is not None else None,
            "output": {"outputJson": json_text(entry.output)} if entry.output is not None else None,
            "error": _error(entry.error_code, entry.error_message),
            "status": str(entry.status),
            "type": str(entry.type),
            "attempts": str(entry.attempts),
            "lastError": _error(entry.last_error_code, entry.last_error_message),
        }
    )


# --- workflows ------------------------------------------------------------------------------------------------


def _workflow_common(workflow: Workflow, execution_url: str) -> dict[str, Any]:
    return {
        "id": workflow.pk,
        "folderId": workflow.folder_id,
        "createdAt": timestamp(workflow.created_at),
        "name": workflow.name,
        "description": workflow.description,
        "labels": dict(workflow.labels or {}),
        "status": str(workflow.status),
        # Stored as the client sent it; proto3 JSON leaves out default values.
        "logOptions": {
            key: value
            for key, value in (workflow.log_options or {}).items()
            if value not in (False, "", 0, None, "LEVEL_UNSPECIFIED")
        },
        "networkId": workflow.network_id,
        "serviceAccountId": workflow.service_account_id,
        "express": workflow.express,
        "executionUrl": execution_url,
    }


def workflow_preview_message(workflow: Workflow, *, execution_url: str = "") -> dict[str, Any]:
    """WorkflowPreview: a workflow in List (no specification, no schedule)."""
    return _compact(_workflow_common(workflow, execution_url))


def workflow_message(workflow: Workflow, *, execution_url: str = "") -> dict[str, Any]:
    """Workflow, as Get returns it. `execution_url` is where Start by link answers for it, if known."""
    revision = workflow.current_revision
    schedule = None
    if workflow.schedule_cron:
        schedule = {"cronExpression": workflow.schedule_cron, "timezone": workflow.schedule_timezone or "UTC"}
    return _compact(
        {
            **_workflow_common(workflow, execution_url),
            "specification": {"specYaml": revision.yaml_text} if revision is not None else None,
            "schedule": schedule,
        }
    )


# --- operations -----------------------------------------------------------------------------------------------

OPERATIONS: dict[str, tuple[str, str]] = {
    # audit action: (operation description, metadata message)
    "workflow.create": ("Create workflow", "CreateWorkflowMetadata"),
    "workflow.update": ("Update workflow", "UpdateWorkflowMetadata"),
    "workflow.delete": ("Delete workflow", "DeleteWorkflowMetadata"),
}
OPERATION_ACTIONS = tuple(OPERATIONS)


def operation_id(event: AuditEvent) -> str:
    return f"op{event.pk:018d}"


def packed(type_name: str, message: dict[str, Any]) -> dict[str, Any]:
    """A google.protobuf.Any in JSON: the message's fields beside its `@type`."""
    return {"@type": TYPE_URL_PREFIX + type_name, **message}


def operation_message(event: AuditEvent, *, response: dict[str, Any] | None = None) -> dict[str, Any]:
    """Operation for a workflow AuditEvent. `response` is the packed result (a Workflow, or Empty for a
    delete); ListOperations leaves it out, because the workflow as it was then is not kept."""
    description, metadata_type = OPERATIONS[event.action]
    at = timestamp(event.created_at)
    return _compact(
        {
            "id": operation_id(event),
            "description": description,
            "createdAt": at,
            "createdBy": event.actor,
            "modifiedAt": at,
            "done": True,
            "metadata": packed(f"{PACKAGE}.{metadata_type}", {"workflowId": event.target_id}),
            "response": response,
        }
    )


def workflow_response(message: dict[str, Any]) -> dict[str, Any]:
    return packed(f"{PACKAGE}.Workflow", message)


def empty_response() -> dict[str, Any]:
    return packed(EMPTY_TYPE, {})


# --- whole responses -------------------------------------------------------------------------------------------

UrlFor = Callable[[str], str]


def _url(url_for: UrlFor | None, workflow: Workflow) -> str:
    return url_for(workflow.pk) if url_for is not None else ""


def get_execution_response(execution: Execution, *, now: datetime) -> dict[str, Any]:
    return {"execution": execution_message(execution, now=now)}


def get_history_response(execution: Execution, entries: Iterable[HistoryEntry], *, now: datetime) -> dict[str, Any]:
    return _compact(
        {
            "execution": execution_preview_message(execution, now=now),
            "entries": [history_entry_message(entry, now=now) for entry in entries],
        }
    )


def list_executions_response(executions: Iterable[Execution], next_page_token: str, *, now: datetime) -> dict[str, Any]:
    return _compact(
        {
            "executions": [execution_preview_message(item, now=now) for item in executions],
            "nextPageToken": next_page_token,
        }
    )


def get_workflow_response(workflow: Workflow, *, execution_url: UrlFor | None = None) -> dict[str, Any]:
    return {"workflow": workflow_message(workflow, execution_url=_url(execution_url, workflow))}


def list_workflows_response(
    workflows: Iterable[Workflow], next_page_token: str, *, execution_url: UrlFor | None = None
) -> dict[str, Any]:
    return _compact(
        {
            "workflows": [
                workflow_preview_message(item, execution_url=_url(execution_url, item)) for item in workflows
            ],
            "nextPageToken": next_page_token,
        }
    )


def list_operations_response(events: Iterable[AuditEvent], next_page_token: str) -> dict[str, Any]:
    return _compact({"operations": [operation_message(event) for event in events], "nextPageToken": next_page_token})


def workflow_operation_response(
    event: AuditEvent, workflow: Workflow | None, *, execution_url: UrlFor | None = None
) -> dict[str, Any]:
    """The Operation that Create, Update (the workflow as it is now) and Delete (`workflow` None: Empty) return."""
    if workflow is None:
        return operation_message(event, response=empty_response())
    message = workflow_message(workflow, execution_url=_url(execution_url, workflow))
    return operation_message(event, response=workflow_response(message))
