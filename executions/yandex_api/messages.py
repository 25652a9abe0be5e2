"""The request messages of the Yandex API (names, types and rules of the official protos) and what each one
asks of our services.

Workflow fields we store and show but do not act on (folderId, logOptions, networkId, serviceAccountId,
express) round-trip, so a client sees what it set: one installation is one folder, logs go to our own
logging, there is no VPC or service account to run as, and every workflow runs in the one (durable) mode.
`schedule` and `isPublic` are read and checked but not stored yet (cron schedules come with their own issue).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from executions.yandex_api.requests import (
    Message,
    Reader,
    any_json,
    boolean,
    enum,
    field_mask,
    int64,
    invalid,
    json_value,
    string,
    string_map,
)

if TYPE_CHECKING:
    from executions.models import Workflow

LOG_LEVELS = ("LEVEL_UNSPECIFIED", "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL")


def bounded_string(limit: int) -> Reader:
    def read(value: Any, where: str) -> str:
        if len(string(value, where)) > limit:
            raise invalid(where, f"must be at most {limit} characters")
        return value

    return read


# --- ExecutionService -----------------------------------------------------------------------------------------

EXECUTION_INPUT = Message({"inputJson": string, "inputValue": any_json}, oneofs=(("inputJson", "inputValue"),))
START_EXECUTION = Message({"workflowId": string, "input": EXECUTION_INPUT}, required=("workflowId",))
LIST_EXECUTIONS = Message(
    {"workflowId": string, "pageSize": int64, "pageToken": string, "filter": string}, required=("workflowId",)
)
# Stop, Terminate, Get, GetHistory: over REST the id is in the URL; a gRPC request carries it as its one field.
EXECUTION_ID = Message({"executionId": string}, required=("executionId",))


def execution_input(message: dict[str, Any] | None) -> Any:
    """ExecutionInput -> the execution's input: `inputValue` as is, `inputJson` parsed; none (or blank
    `inputJson`) is `{}`."""
    if not message:
        return {}
    if "inputValue" in message:
        return message["inputValue"]
    text = message.get("inputJson", "")
    return json_value(text, "input.inputJson") if text.strip() else {}


# --- WorkflowService ------------------------------------------------------------------------------------------

SPECIFICATION = Message({"specYaml": string}, required=("specYaml",))
LOG_OPTIONS = Message(
    {"disabled": boolean, "logGroupId": string, "folderId": string, "minLevel": enum(LOG_LEVELS)},
    oneofs=(("logGroupId", "folderId"),),
)
SCHEDULE = Message({"cronExpression": bounded_string(100), "timezone": string}, required=("cronExpression", "timezone"))
WORKFLOW_FIELDS: dict[str, Reader] = {
    "name": string,
    "description": string,
    "labels": string_map,
    "specification": SPECIFICATION,
    "logOptions": LOG_OPTIONS,
    "networkId": string,
    "serviceAccountId": string,
    "express": boolean,
    "schedule": SCHEDULE,
    "isPublic": boolean,
}
CREATE_WORKFLOW = Message({"folderId": string, **WORKFLOW_FIELDS}, required=("folderId", "name", "specification"))
UPDATE_WORKFLOW = Message({"workflowId": string, **WORKFLOW_FIELDS, "updateMask": field_mask})
LIST_WORKFLOWS = Message(
    {"folderId": string, "pageSize": int64, "pageToken": string, "filter": string}, required=("folderId",)
)
LIST_OPERATIONS = Message({"pageSize": int64, "pageToken": string, "filter": string})
# Get and Delete, and ListOperations with the id that REST takes from the URL (see EXECUTION_ID).
WORKFLOW_ID = Message({"workflowId": string}, required=("workflowId",))
LIST_WORKFLOW_OPERATIONS = Message({**WORKFLOW_ID.fields, **LIST_OPERATIONS.fields}, required=("workflowId",))


# Yandex fields stored as they are (proto JSON name -> services.workflows deployment field), and the value a
# field named in an update mask but absent from the body is cleared to.
DEPLOYMENT_KEYS = {
    "logOptions": "log_options",
    "networkId": "network_id",
    "serviceAccountId": "service_account_id",
    "express": "express",
}
DEPLOYMENT_EMPTY: dict[str, Any] = {"logOptions": {}, "networkId": "", "serviceAccountId": "", "express": False}


def workflow_create_arguments(message: dict[str, Any]) -> dict[str, Any]:
    """CreateWorkflowRequest -> keyword arguments of services.workflow_create."""
    return {
        "name": message["name"],
        "yaml_text": message["specification"]["specYaml"],
        "description": message.get("description", ""),
        "labels": message.get("labels", {}),
        "deployment": {
            "folder_id": message["folderId"],
            **{field: message[key] for key, field in DEPLOYMENT_KEYS.items() if key in message},
        },
    }


def workflow_update_arguments(message: dict[str, Any], *, workflow: Workflow) -> dict[str, Any]:
    """UpdateWorkflowRequest -> keyword arguments of services.workflow_update: only the fields the update mask
    names change, and a named field that is absent is cleared (proto3 field mask semantics). Without a mask,
    the fields present in the body are the mask."""
    if message.get("workflowId", workflow.pk) not in (workflow.pk, workflow.name):
        raise invalid("workflowId", f"in the body ({message['workflowId']!r}) is not the workflow in the URL")
    paths = update_paths(message)
    changes: dict[str, Any] = {}
    if "name" in paths:
        changes["name"] = message.get("name", "")
    if "description" in paths:
        changes["description"] = message.get("description", "")
    if "labels" in paths:
        changes["labels"] = message.get("labels", {})
    if "specification" in paths:
        if "specification" not in message:
            raise invalid("specification.specYaml", "is required when the update mask names specification")
        changes["yaml_text"] = message["specification"]["specYaml"]
    deployment = {
        field: message.get(key, DEPLOYMENT_EMPTY[key]) for key, field in DEPLOYMENT_KEYS.items() if key in paths
    }
    if deployment:
        changes["deployment"] = deployment
    return changes


def update_paths(message: dict[str, Any]) -> set[str]:
    """The top-level fields the update mask names (each path in JSON or proto spelling)."""
    if not message.get("updateMask"):
        return {name for name in message if name in WORKFLOW_FIELDS}
    names = set()
    for path in message["updateMask"]:
        head, _, tail = path.partition(".")
        name = UPDATE_WORKFLOW.aliases.get(head)
        reader = WORKFLOW_FIELDS.get(name or "")
        known_tail = not tail or (isinstance(reader, Message) and tail in reader.aliases)
        if reader is None or not known_tail:
            allowed = ", ".join(WORKFLOW_FIELDS)
            raise invalid("updateMask", f"names an unknown field path {path!r}; the paths are {allowed}")
        names.add(name)
    return names
