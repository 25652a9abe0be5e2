from __future__ import annotations

import json

import grpc
from google.protobuf import json_format
from yandex.cloud.serverless.workflows.v1 import execution_pb2, history_entry_pb2
from yandex.cloud.serverless.workflows.v1 import execution_service_pb2 as pb

from executions import scheduler, services
from executions.functions import FunctionError, workflow_function
from executions.models import HistoryEntry
from tests.api.conftest import token_for, with_engine
from tests.conftest import FAILING_SPEC, FINISHING_SPEC, actor_for, make_workflow
from tests.grpc.conftest import rpc_error
from tests.services.helpers_integration import clean_function_registry
from tests.yandex_api.conftest import yandex_client

pytestmark = with_engine
Entry = history_entry_pb2.HistoryEntry

RETRIED_SPEC = """\
yawl: "0.1"
start: price
steps:
  price:
    functionCall:
      functionId: test.price
      retryPolicy: {errorList: [OUT_OF_STOCK], retryCount: 2, initialDelay: 5s, maxDelay: 5s}
      output: '\\({total: .})'
"""


def start(user, spec: str, input: dict, name: str = "subject"):
    workflow = make_workflow(name, spec)
    return services.execution_start(actor=actor_for(user), workflow=workflow, input=input)


def history(stub, metadata, execution_id: str) -> pb.GetExecutionHistoryResponse:
    return stub.GetHistory(pb.GetExecutionHistoryRequest(execution_id=execution_id), metadata=metadata, timeout=10)


def test_it_lists_each_step_with_its_status_attempts_input_and_output(execution_stub, as_viewer, operator):
    execution = start(operator, FINISHING_SPEC, {"name": "Ada"})

    response = history(execution_stub, as_viewer, execution.pk)

    assert response.execution.id == execution.pk
    assert response.execution.status == execution_pb2.Execution.FINISHED
    hello, done = response.entries
    assert (hello.id, hello.title, hello.type, hello.status) == ("hello", "hello", "NoOp", Entry.COMPLETED)
    assert hello.attempts == 1
    assert json.loads(hello.output.output_json) == {"greeting": "Hello, Ada"}
    assert json.loads(hello.input.input_json)["name"] == "Ada"
    assert (done.id, done.type, done.status) == ("done", "Success", Entry.COMPLETED)
    assert not done.HasField("output")


def test_a_failed_step_has_its_error(execution_stub, as_viewer, operator):
    execution = start(operator, FAILING_SPEC, {"order_id": 7})

    [entry] = history(execution_stub, as_viewer, execution.pk).entries

    assert entry.status == Entry.FAILED
    assert (entry.error.message, entry.error.error_code) == ("order 7 is invalid", "STEP_FAIL")
    assert not entry.HasField("last_error")


def test_a_retried_step_shows_its_attempts_and_last_error(execution_stub, as_viewer, operator):
    outcomes: list = [FunctionError("OUT_OF_STOCK", "try later"), 42]

    def price(data):
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    with clean_function_registry():
        workflow_function("test.price")(price)
        execution = start(operator, RETRIED_SPEC, {})

        [waiting] = history(execution_stub, as_viewer, execution.pk).entries
        scheduler.tick(HistoryEntry.objects.get(execution=execution).timer_at)
        response = history(execution_stub, as_viewer, execution.pk)

    assert (waiting.status, waiting.attempts) == (Entry.STARTED, 1)
    assert (waiting.last_error.error_code, waiting.last_error.message) == ("OUT_OF_STOCK", "try later")
    assert response.execution.status == execution_pb2.Execution.FINISHED
    [done] = response.entries
    assert (done.status, done.attempts, done.last_error.error_code) == (Entry.COMPLETED, 2, "OUT_OF_STOCK")
    assert json.loads(done.output.output_json) == {"total": 42}


def test_it_is_the_message_the_rest_api_answers(execution_stub, as_viewer, operator, viewer):
    execution = start(operator, FINISHING_SPEC, {"name": "Ada"})

    over_grpc = history(execution_stub, as_viewer, execution.pk)
    over_rest = yandex_client(viewer, "read").get(f"/workflows/v1/execution/{execution.pk}/history")

    assert json_format.MessageToDict(over_grpc) == over_rest.json()


def test_an_unknown_execution_is_not_found(execution_stub, as_viewer):
    message = rpc_error(lambda: history(execution_stub, as_viewer, "nope"), grpc.StatusCode.NOT_FOUND)

    assert message == "execution nope not found"


def test_an_empty_execution_id_is_an_invalid_argument(execution_stub, as_viewer):
    message = rpc_error(lambda: history(execution_stub, as_viewer, ""), grpc.StatusCode.INVALID_ARGUMENT)

    assert message == "executionId is required"


def test_get_of_an_unknown_execution_is_not_found(execution_stub, operator):
    request = pb.GetExecutionRequest(execution_id="nope")
    metadata = (("authorization", f"Bearer {token_for(operator, 'read')}"),)

    rpc_error(lambda: execution_stub.Get(request, metadata=metadata), grpc.StatusCode.NOT_FOUND)
