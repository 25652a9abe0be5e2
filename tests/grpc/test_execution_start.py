from __future__ import annotations

import json

import grpc
from google.protobuf import json_format, struct_pb2
from rest_framework.test import APIClient
from yandex.cloud.serverless.workflows.v1 import execution_pb2
from yandex.cloud.serverless.workflows.v1 import execution_service_pb2 as pb

from executions.models import AuditEvent, Execution
from tests.api.conftest import client_with, token_for, with_engine
from tests.conftest import make_workflow
from tests.grpc.conftest import rpc_error, rpc_failure, wait_for

pytestmark = with_engine


def start(stub, metadata, workflow_id: str, input_json: str = '{"name": "Ada"}') -> str:
    request = pb.StartExecutionRequest(
        workflow_id=workflow_id, input=execution_pb2.ExecutionInput(input_json=input_json)
    )
    return stub.Start(request, metadata=metadata, timeout=10).execution_id


def finished(stub, metadata, execution_id: str) -> execution_pb2.Execution:
    def get() -> execution_pb2.Execution | None:
        execution = stub.Get(pb.GetExecutionRequest(execution_id=execution_id), metadata=metadata, timeout=10).execution
        return execution if execution.status == execution_pb2.Execution.FINISHED else None

    return wait_for(get, f"execution {execution_id} to finish")


def test_it_starts_an_execution_that_runs_to_its_result(execution_stub, as_operator):
    workflow = make_workflow()

    execution_id = start(execution_stub, as_operator, workflow.pk)

    execution = finished(execution_stub, as_operator, execution_id)
    assert execution.id == execution_id and execution.workflow_id == workflow.pk
    assert json.loads(execution.input.input_json) == {"name": "Ada"}
    assert json.loads(execution.result.result_json) == {"greeting": "Hello, Ada"}
    assert execution.started_at.seconds > 0


def test_it_starts_by_workflow_name_with_an_input_value(execution_stub, as_operator):
    make_workflow("greeter")
    value = struct_pb2.Value()
    value.struct_value.update({"name": "Bob"})
    request = pb.StartExecutionRequest(workflow_id="greeter", input=execution_pb2.ExecutionInput(input_value=value))

    execution_id = execution_stub.Start(request, metadata=as_operator, timeout=10).execution_id

    execution = finished(execution_stub, as_operator, execution_id)
    assert json.loads(execution.result.result_json) == {"greeting": "Hello, Bob"}


def test_without_input_the_input_is_an_empty_object(execution_stub, as_operator):
    workflow = make_workflow()

    execution_id = execution_stub.Start(pb.StartExecutionRequest(workflow_id=workflow.pk), metadata=as_operator)

    assert Execution.objects.get(pk=execution_id.execution_id).input == {}


def test_it_is_audited_as_a_grpc_call_by_the_token(execution_stub, as_operator):
    workflow = make_workflow()

    execution_id = start(execution_stub, as_operator, workflow.pk)

    event = AuditEvent.objects.get(action="start", target_id=execution_id)
    assert event.source == "grpc"
    assert event.actor == "token:tests (olga)"
    assert event.remote_addr == "127.0.0.1"


def test_the_request_id_metadata_is_kept_in_the_audit_trail(execution_stub, as_operator):
    workflow = make_workflow()

    execution_id = start(execution_stub, (*as_operator, ("x-request-id", "req-42")), workflow.pk)

    assert AuditEvent.objects.get(action="start", target_id=execution_id).request_id == "req-42"


def test_it_shows_up_the_same_in_both_rest_apis(execution_stub, as_operator, viewer):
    workflow = make_workflow()
    execution_id = start(execution_stub, as_operator, workflow.pk)
    over_grpc = finished(execution_stub, as_operator, execution_id)
    rest: APIClient = client_with(token_for(viewer, "read"))

    yandex = rest.get(f"/workflows/v1/execution/{execution_id}")
    native = rest.get(f"/api/v1/executions/{execution_id}/")

    assert yandex.status_code == 200 and native.status_code == 200
    # A finished execution's duration is fixed, so the two answers are the same message, field for field.
    assert json_format.MessageToDict(pb.GetExecutionResponse(execution=over_grpc)) == yandex.json()
    body = native.json()
    assert body["id"] == execution_id and body["workflow_id"] == workflow.pk
    assert body["status"] == "completed"
    assert body["payload"] == json.loads(over_grpc.input.input_json)
    assert body["result"] == json.loads(over_grpc.result.result_json)


def test_an_unknown_workflow_is_not_found(execution_stub, as_operator):
    message = rpc_error(lambda: start(execution_stub, as_operator, "no-such-workflow"), grpc.StatusCode.NOT_FOUND)

    assert message == "workflow no-such-workflow not found"


def test_input_that_is_not_json_is_an_invalid_argument_naming_the_field(execution_stub, as_operator):
    workflow = make_workflow()

    message = rpc_error(
        lambda: start(execution_stub, as_operator, workflow.pk, "{nope"), grpc.StatusCode.INVALID_ARGUMENT
    )

    assert message.startswith("input.inputJson is not valid JSON")
    assert not Execution.objects.exists()


def test_a_missing_workflow_id_is_an_invalid_argument_naming_it(execution_stub, as_operator):
    message = rpc_error(
        lambda: execution_stub.Start(pb.StartExecutionRequest(), metadata=as_operator), grpc.StatusCode.INVALID_ARGUMENT
    )

    assert message == "workflowId is required"


def test_a_viewer_may_not_start(execution_stub, as_viewer):
    workflow = make_workflow()

    message = rpc_error(lambda: start(execution_stub, as_viewer, workflow.pk), grpc.StatusCode.PERMISSION_DENIED)

    assert "operator role" in message
    assert not Execution.objects.exists()


def test_starts_over_the_start_rate_are_resource_exhausted(execution_stub, as_operator, settings):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {**rates, "start": "2/min"}}
    workflow = make_workflow()
    start(execution_stub, as_operator, workflow.pk)
    start(execution_stub, as_operator, workflow.pk)

    error = rpc_failure(lambda: start(execution_stub, as_operator, workflow.pk), grpc.StatusCode.RESOURCE_EXHAUSTED)

    assert error.details().startswith("too many requests: try again in ")
    assert 1 <= int(dict(error.trailing_metadata())["retry-after"]) <= 60
    assert Execution.objects.count() == 2
