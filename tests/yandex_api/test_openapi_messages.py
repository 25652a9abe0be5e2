"""The Yandex API's OpenAPI components against the official messages of the `yandexcloud` package: the same
fields, each of the type proto3 JSON gives it (int64 a string, Timestamp and Duration strings, enums by
name, messages as their components, maps as objects, repeated fields as arrays)."""

from __future__ import annotations

import pytest
from google.protobuf import descriptor_pool
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.rpc import status_pb2  # noqa: F401 - registers the messages in the default descriptor pool
from yandex.cloud.serverless.workflows.v1 import execution_service_pb2, workflow_service_pb2  # noqa: F401

from executions.yandex_api.openapi_messages import COMPONENT_PREFIX, COMPONENTS

PACKAGE = "yandex.cloud.serverless.workflows.v1"
MESSAGE_NAMES = {
    "ExecutionInputRequest": "ExecutionInput",
    "StartExecutionRequest": "StartExecutionRequest",
    "StartExecutionResponse": "StartExecutionResponse",
    "StopExecutionResponse": "StopExecutionResponse",
    "TerminateExecutionResponse": "TerminateExecutionResponse",
    "ExecutionInput": "ExecutionInput",
    "ExecutionResult": "ExecutionResult",
    "ExecutionError": "ExecutionError",
    "ExecutionPreview": "ExecutionPreview",
    "Execution": "Execution",
    "GetExecutionResponse": "GetExecutionResponse",
    "HistoryEntryInput": "HistoryEntryInput",
    "HistoryEntryOutput": "HistoryEntryOutput",
    "HistoryEntryError": "HistoryEntryError",
    "HistoryEntry": "HistoryEntry",
    "GetExecutionHistoryResponse": "GetExecutionHistoryResponse",
    "ListExecutionsResponse": "ListExecutionsResponse",
    "WorkflowSpecificationRequest": "WorkflowSpecification",
    "LogOptionsRequest": "LogOptions",
    "WorkflowScheduleRequest": "WorkflowSchedule",
    "CreateWorkflowRequest": "CreateWorkflowRequest",
    "UpdateWorkflowRequest": "UpdateWorkflowRequest",
    "WorkflowSpecification": "WorkflowSpecification",
    "LogOptions": "LogOptions",
    "WorkflowSchedule": "WorkflowSchedule",
    "WorkflowPreview": "WorkflowPreview",
    "Workflow": "Workflow",
    "GetWorkflowResponse": "GetWorkflowResponse",
    "ListWorkflowsResponse": "ListWorkflowsResponse",
    "Operation": "yandex.cloud.operation.Operation",
    "ListOperationsResponse": "ListOperationsResponse",
    "Status": "google.rpc.Status",
}
ENUM_NAMES = {
    "ExecutionStatus": f"{PACKAGE}.Execution.Status",
    "HistoryEntryStatus": f"{PACKAGE}.HistoryEntry.Status",
    "WorkflowStatus": f"{PACKAGE}.Workflow.Status",
    "LogLevel": "yandex.cloud.logging.v1.LogLevel.Level",
}
POOL = descriptor_pool.Default()
MESSAGES: dict[str, Descriptor] = {
    name: POOL.FindMessageTypeByName(full if "." in full else f"{PACKAGE}.{full}")
    for name, full in MESSAGE_NAMES.items()
}
ENUMS = {name: POOL.FindEnumTypeByName(full) for name, full in ENUM_NAMES.items()}
# Response fields this server never writes: it gives an execution's input as inputJson.
NEVER_WRITTEN = {"ExecutionInput": {"inputValue"}}
# Fields of well-known types, as proto3 JSON writes them.
WELL_KNOWN = {"google.protobuf.Timestamp": "date-time", "google.protobuf.Duration": "duration"}
# Request-only fields whose type is wider than the message's: `inputValue` (google.protobuf.Value) is any JSON,
# `updateMask` (google.protobuf.FieldMask) a comma-separated string, Any holds the packed message's fields.
OPEN_FIELDS = {"google.protobuf.Value", "google.protobuf.FieldMask", "google.protobuf.Any"}


def unwrap(schema: dict) -> dict:
    """The schema a request field holds, without its `nullable` wrapper."""
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return schema["allOf"][0]
    return schema


def component_of(ref: dict) -> str:
    return ref["$ref"].removeprefix(f"#/components/schemas/{COMPONENT_PREFIX}")


def assert_field_type(field: FieldDescriptor, schema: dict, request: bool) -> None:
    if field.message_type is not None and field.message_type.GetOptions().map_entry:
        assert schema["type"] == "object" and schema["additionalProperties"] == {"type": "string"}
        return
    if field.is_repeated:
        assert schema["type"] == "array"
        schema = schema["items"]
    if field.enum_type is not None:
        component = component_of(schema if "$ref" in schema else schema["anyOf"][0])
        assert ENUMS[component] is field.enum_type
    elif field.message_type is None:
        schema = COMPONENTS[component_of(schema)] if "$ref" in schema else schema  # google.rpc.Code
        expected = {
            FieldDescriptor.TYPE_STRING: ("string", None),
            FieldDescriptor.TYPE_BOOL: ("boolean", None),
            FieldDescriptor.TYPE_INT32: ("integer", None),
            FieldDescriptor.TYPE_INT64: ("string", "int64"),
        }[field.type]
        assert (schema["type"], schema.get("format")) == expected
    elif field.message_type.full_name in WELL_KNOWN:
        kind = WELL_KNOWN[field.message_type.full_name]
        assert schema["type"] == "string"
        assert schema.get("format") == "date-time" if kind == "date-time" else schema["pattern"].endswith("s$")
    elif field.message_type.full_name not in OPEN_FIELDS:
        name = component_of(schema)
        assert MESSAGES[name] is field.message_type
        assert name.endswith("Request") == request


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_each_message_has_the_fields_of_its_proto(name):
    descriptor = MESSAGES[name]
    properties = COMPONENTS[name]["properties"]

    assert set(properties) == {field.json_name for field in descriptor.fields} - NEVER_WRITTEN.get(name, set())
    for field in descriptor.fields:
        if field.json_name in properties:
            assert_field_type(field, unwrap(properties[field.json_name]), request=name.endswith("Request"))


@pytest.mark.parametrize("name", sorted(ENUMS))
def test_each_enum_has_the_names_of_its_proto(name):
    assert COMPONENTS[name]["enum"] == [value.name for value in ENUMS[name].values]


def test_every_component_is_checked_here():
    assert set(COMPONENTS) == set(MESSAGES) | set(ENUMS) | {"Code"}


def test_request_messages_refuse_unknown_fields_and_take_null_for_unset():
    for name, component in COMPONENTS.items():
        if "properties" not in component:
            continue
        assert component["additionalProperties"] is False, name
        if name.endswith("Request"):
            for field, schema in component["properties"].items():
                assert (field in component.get("required", ())) != bool(schema.get("nullable")), (name, field)
