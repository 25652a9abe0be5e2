"""The Yandex API's proto3 JSON messages as OpenAPI components (served by executions.yandex_api.schema).

Written out, not derived from serializers: proto3 JSON has rules no DRF field says (int64 as strings,
Timestamp and Duration strings, enum names, `google.protobuf.Any` with its `@type`, null for an unset field).
Request messages (`...Request`) describe what `executions.yandex_api.requests` reads: any optional field may
be null, unknown fields are refused, an empty required string counts as missing. Each field may also be sent
by its proto name (`workflow_id`), which the schema does not list. Response messages describe what
`executions.yandex_mapping` writes: canonical proto3 JSON, defaults left out, so only the fields this server
always sets are required. tests/yandex_api/test_openapi_messages.py checks every component against the
official messages.
"""

from __future__ import annotations

import re
from typing import Any

from executions.yandex_api.messages import LOG_LEVELS
from executions.yandex_mapping import EMPTY_TYPE, OPERATIONS, PACKAGE, TYPE_URL_PREFIX, Code

COMPONENT_PREFIX = "Yandex"
REF_PREFIX = "#/components/schemas/"

Schema = dict[str, Any]


def ref(message: str) -> Schema:
    return {"$ref": f"{REF_PREFIX}{COMPONENT_PREFIX}{message}"}


# --- scalars --------------------------------------------------------------------------------------------------

STRING: Schema = {"type": "string"}
REQUIRED_STRING: Schema = {"type": "string", "minLength": 1, "description": "Required: empty counts as missing"}
BOOLEAN: Schema = {"type": "boolean"}
_FRACTION = r"(\.\d{3}|\.\d{6}|\.\d{9})?"
TIMESTAMP: Schema = {
    "type": "string",
    "format": "date-time",
    "pattern": rf"^\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d{_FRACTION}Z$",
    "description": "google.protobuf.Timestamp: RFC 3339 in UTC",
    "example": "2026-01-01T09:30:00.250Z",
}
DURATION: Schema = {
    "type": "string",
    "pattern": rf"^\d+{_FRACTION}s$",
    "description": "google.protobuf.Duration: seconds with an `s`",
    "example": "12.500s",
}
INT64: Schema = {"type": "string", "format": "int64", "pattern": r"^\d+$", "description": "int64, as a string"}
STRING_MAP: Schema = {"type": "object", "additionalProperties": STRING}


def nullable(schema: Schema) -> Schema:
    """A request field that may be null (unset), as proto3 JSON allows for any field."""
    if "$ref" in schema:
        return {"allOf": [schema], "nullable": True}
    return {**schema, "nullable": True}


def message(
    properties: dict[str, Schema], *, required: tuple[str, ...] = (), description: str = "", **extra: Any
) -> Schema:
    schema: Schema = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = list(required)
    if description:
        schema["description"] = description
    return {**schema, **extra}


def request_message(
    properties: dict[str, Schema],
    *,
    required: tuple[str, ...] = (),
    oneof: tuple[str, str] | None = None,
    example: dict[str, Any] | None = None,
) -> Schema:
    """Optional fields nullable; a oneof pair (`oneof`) may not have both members set (non-null)."""
    fields = {name: field if name in required else nullable(field) for name, field in properties.items()}
    extra: Schema = {"example": example} if example is not None else {}
    if oneof is not None:
        set_fields = {name: {"not": {"enum": [None]}} for name in oneof}
        extra["not"] = {"required": list(oneof), "properties": set_fields}
        extra["description"] = f"At most one of {' and '.join(oneof)} (a oneof)."
    return message(fields, required=required, **extra)


def enum(proto_name: str, *names: str) -> Schema:
    """A proto enum, by name. (A component of its own: drf-spectacular's enum hook would rename an inline one.)"""
    return {"type": "string", "enum": list(names), "description": proto_name}


def packed(type_name: str, fields: dict[str, Schema], *, required: tuple[str, ...] = ()) -> Schema:
    """A google.protobuf.Any: the packed message's fields beside its `@type`."""
    at_type = {"type": "string", "pattern": f"^{re.escape(TYPE_URL_PREFIX + type_name)}$"}
    return message({"@type": at_type, **fields}, required=("@type", *required))


# --- the messages ---------------------------------------------------------------------------------------------

EXECUTION_STATUS = ref("ExecutionStatus")
STEP_STATUS = ref("HistoryEntryStatus")
WORKFLOW_STATUS = ref("WorkflowStatus")
LOG_LEVEL = ref("LogLevel")
ERROR_FIELDS = {"message": STRING, "errorCode": STRING}
EXECUTION_PREVIEW_FIELDS = {
    "id": STRING,
    "workflowId": STRING,
    "status": EXECUTION_STATUS,
    "startedAt": {**TIMESTAMP, "description": "When it started, or was queued if it has not started yet"},
    "duration": {**DURATION, "description": "From startedAt to the finish, or to now while it runs"},
}
EXECUTION_PREVIEW_REQUIRED = ("id", "workflowId", "status", "startedAt", "duration")
WORKFLOW_PREVIEW_FIELDS = {
    "id": STRING,
    "folderId": STRING,
    "createdAt": TIMESTAMP,
    "name": STRING,
    "description": STRING,
    "labels": STRING_MAP,
    "status": WORKFLOW_STATUS,
    "logOptions": ref("LogOptions"),
    "networkId": STRING,
    "serviceAccountId": STRING,
    "express": BOOLEAN,
    "isPublic": BOOLEAN,
    "executionUrl": {**STRING, "description": "Where Start by link answers for this workflow"},
}
WORKFLOW_FIELDS = {
    **WORKFLOW_PREVIEW_FIELDS,
    "specification": ref("WorkflowSpecification"),
    "schedule": ref("WorkflowSchedule"),
}
WORKFLOW_REQUIRED = ("id", "createdAt", "name", "status")
WORKFLOW_REQUEST_FIELDS = {
    "name": {**STRING, "description": "1-63 lower-case letters, digits and hyphens, starting with a letter"},
    "description": {**STRING, "description": "At most 256 characters"},
    "labels": {**STRING_MAP, "description": "At most 64; keys and values of [-_./\\@0-9a-z], keys start with a letter"},
    "specification": ref("WorkflowSpecificationRequest"),
    "logOptions": ref("LogOptionsRequest"),
    "networkId": STRING,
    "serviceAccountId": STRING,
    "express": BOOLEAN,
    "schedule": {"allOf": [ref("WorkflowScheduleRequest")], "description": "Read and checked, not stored yet"},
    "isPublic": {**BOOLEAN, "description": "Read, not stored"},
}
OPERATION_METADATA = {
    "anyOf": [
        packed(f"{PACKAGE}.{metadata}", {"workflowId": STRING}, required=("workflowId",))
        for _, metadata in OPERATIONS.values()
    ]
}
EXAMPLE_SPEC = 'yawl: "0.1"\nstart: done\nsteps:\n  done:\n    success: {}\n'
STATUS_CODES = {code.value: code.name for code in Code}

COMPONENTS: dict[str, Schema] = {
    # Enums
    "ExecutionStatus": enum(
        f"{PACKAGE}.Execution.Status",
        "STATUS_UNSPECIFIED",
        "QUEUED",
        "RUNNING",
        "PAUSED",
        "STOPPED",
        "FAILED",
        "FINISHED",
    ),
    "HistoryEntryStatus": enum(
        f"{PACKAGE}.HistoryEntry.Status",
        "STATUS_UNSPECIFIED",
        "SCHEDULED",
        "STARTED",
        "COMPLETED",
        "FAILED",
        "CANCEL_REQUESTED",
        "CANCELLED",
    ),
    "WorkflowStatus": enum(
        f"{PACKAGE}.Workflow.Status", "STATUS_UNSPECIFIED", "CREATING", "ACTIVE", "UPDATING", "DELETING", "ERROR"
    ),
    "LogLevel": enum("yandex.cloud.logging.v1.LogLevel.Level", *LOG_LEVELS),
    "Code": {
        "type": "integer",
        "enum": sorted(STATUS_CODES),
        "description": "google.rpc.Code: " + ", ".join(f"{v} {n}" for v, n in sorted(STATUS_CODES.items())),
    },
    # ExecutionService
    "ExecutionInputRequest": request_message(
        {"inputJson": {**STRING, "description": "The input as JSON text"}, "inputValue": {"description": "The input"}},
        oneof=("inputJson", "inputValue"),
    ),
    "StartExecutionRequest": request_message(
        {
            "workflowId": {**REQUIRED_STRING, "description": "A workflow's id or name"},
            "input": ref("ExecutionInputRequest"),
        },
        required=("workflowId",),
        example={"workflowId": "hello", "input": {"inputJson": '{"name": "Ada"}'}},
    ),
    "StartExecutionResponse": message({"executionId": STRING}, required=("executionId",)),
    "StopExecutionResponse": message({"executionId": STRING}, required=("executionId",)),
    "TerminateExecutionResponse": message({"executionId": STRING}, required=("executionId",)),
    "ExecutionInput": message({"inputJson": STRING}, description="This server gives the input as inputJson"),
    "ExecutionResult": message({"resultJson": {**STRING, "description": "Set once FINISHED"}}),
    "ExecutionError": message(ERROR_FIELDS),
    "ExecutionPreview": message(EXECUTION_PREVIEW_FIELDS, required=EXECUTION_PREVIEW_REQUIRED),
    "Execution": message(
        {
            **EXECUTION_PREVIEW_FIELDS,
            "input": ref("ExecutionInput"),
            "result": ref("ExecutionResult"),
            "error": ref("ExecutionError"),
        },
        required=EXECUTION_PREVIEW_REQUIRED,
    ),
    "GetExecutionResponse": message({"execution": ref("Execution")}, required=("execution",)),
    "HistoryEntryInput": message({"inputJson": STRING}),
    "HistoryEntryOutput": message({"outputJson": STRING}),
    "HistoryEntryError": message(ERROR_FIELDS),
    "HistoryEntry": message(
        {
            "id": {**STRING, "description": "The step's id"},
            "title": STRING,
            "description": STRING,
            "startedAt": {**TIMESTAMP, "description": "When it started, or was scheduled if it has not started yet"},
            "duration": DURATION,
            "input": ref("HistoryEntryInput"),
            "output": ref("HistoryEntryOutput"),
            "error": ref("HistoryEntryError"),
            "status": STEP_STATUS,
            "type": {**STRING, "description": "The step's kind: HttpCall, FunctionCall, Switch, ..."},
            "attempts": INT64,
            "lastError": ref("HistoryEntryError"),
        },
        required=("id", "title", "startedAt", "duration", "status", "type"),
        description="One run of a step; nested runs (Parallel branches, Foreach iterations) are listed flat",
    ),
    "GetExecutionHistoryResponse": message(
        {"execution": ref("ExecutionPreview"), "entries": {"type": "array", "items": ref("HistoryEntry")}},
        required=("execution",),
    ),
    "ListExecutionsResponse": message(
        {"executions": {"type": "array", "items": ref("ExecutionPreview")}, "nextPageToken": STRING}
    ),
    # WorkflowService
    "WorkflowSpecificationRequest": request_message({"specYaml": REQUIRED_STRING}, required=("specYaml",)),
    "LogOptionsRequest": request_message(
        {
            "disabled": BOOLEAN,
            "logGroupId": STRING,
            "folderId": STRING,
            "minLevel": {"anyOf": [LOG_LEVEL, {"type": "integer", "minimum": 0, "maximum": len(LOG_LEVELS) - 1}]},
        },
        oneof=("logGroupId", "folderId"),
    ),
    "WorkflowScheduleRequest": request_message(
        {"cronExpression": {**REQUIRED_STRING, "maxLength": 100}, "timezone": REQUIRED_STRING},
        required=("cronExpression", "timezone"),
    ),
    "CreateWorkflowRequest": request_message(
        {
            "folderId": REQUIRED_STRING,
            **WORKFLOW_REQUEST_FIELDS,
            "name": {**WORKFLOW_REQUEST_FIELDS["name"], "minLength": 1},
        },
        required=("folderId", "name", "specification"),
        example={
            "folderId": "default",
            "name": "hello",
            "description": "Says hello",
            "labels": {"team": "docs"},
            "specification": {"specYaml": EXAMPLE_SPEC},
        },
    ),
    "UpdateWorkflowRequest": request_message(
        {
            "workflowId": {**STRING, "description": "If given, the workflow in the URL (its id or name)"},
            **WORKFLOW_REQUEST_FIELDS,
            "updateMask": {
                **STRING,
                "description": "google.protobuf.FieldMask: comma-separated field paths. Only these fields change, "
                "and a named field that is absent is cleared. Without a mask, the fields present are the mask.",
            },
        },
        example={"description": "Says hello twice", "updateMask": "description"},
    ),
    "WorkflowSpecification": message({"specYaml": STRING}),
    "LogOptions": message(
        {"disabled": BOOLEAN, "logGroupId": STRING, "folderId": STRING, "minLevel": LOG_LEVEL},
        description="Stored and shown as the client set them; logs go to this server's own logging",
    ),
    "WorkflowSchedule": message({"cronExpression": STRING, "timezone": STRING}),
    "WorkflowPreview": message(WORKFLOW_PREVIEW_FIELDS, required=WORKFLOW_REQUIRED),
    "Workflow": message(WORKFLOW_FIELDS, required=WORKFLOW_REQUIRED),
    "GetWorkflowResponse": message({"workflow": ref("Workflow")}, required=("workflow",)),
    "ListWorkflowsResponse": message(
        {"workflows": {"type": "array", "items": ref("WorkflowPreview")}, "nextPageToken": STRING}
    ),
    "Operation": message(
        {
            "id": {**STRING, "pattern": r"^op\d{18,}$"},
            "description": STRING,
            "createdAt": TIMESTAMP,
            "createdBy": STRING,
            "modifiedAt": TIMESTAMP,
            "done": {**BOOLEAN, "description": "Always true: changes complete before the call returns"},
            "metadata": OPERATION_METADATA,
            "error": ref("Status"),
            "response": {
                "oneOf": [
                    packed(f"{PACKAGE}.Workflow", WORKFLOW_FIELDS, required=WORKFLOW_REQUIRED),
                    packed(EMPTY_TYPE, {}),
                ],
                "description": "The workflow as the change left it (Create, Update), Empty (Delete); "
                "left out by ListOperations",
            },
        },
        required=("id", "description", "createdAt", "createdBy", "modifiedAt", "done", "metadata"),
        description="A workflow change: its audit event",
    ),
    "ListOperationsResponse": message(
        {"operations": {"type": "array", "items": ref("Operation")}, "nextPageToken": STRING}
    ),
    # Errors
    "Status": message(
        {
            "code": ref("Code"),
            "message": STRING,
            "details": {"type": "array", "items": {"type": "object", "properties": {"@type": STRING}}},
        },
        required=("code", "message", "details"),
        description="google.rpc.Status: the body of every error",
    ),
}
