"""Whatever goes wrong, the status says what it was: never UNKNOWN, and INTERNAL only for a bug (logged)."""

from __future__ import annotations

import logging

import grpc
import pytest
from yandex.cloud.serverless.workflows.v1 import execution_pb2, execution_service_pb2_grpc
from yandex.cloud.serverless.workflows.v1 import execution_service_pb2 as pb

from executions import selectors
from executions.models import Execution
from tests.api.conftest import with_engine
from tests.conftest import make_workflow
from tests.grpc.conftest import rpc_error, start_server

pytestmark = with_engine
START = "/yandex.cloud.serverless.workflows.v1.ExecutionService/Start"


def test_an_unexpected_error_is_internal_and_logged(execution_stub, as_viewer, monkeypatch, caplog):
    def broken(**kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(selectors, "execution_get", broken)

    with caplog.at_level(logging.ERROR, logger="executions.grpc.calls"):
        message = rpc_error(
            lambda: execution_stub.Get(pb.GetExecutionRequest(execution_id="x"), metadata=as_viewer),
            grpc.StatusCode.INTERNAL,
        )

    assert message == "internal error"  # the cause is in the log, not sent to the client
    [record] = [r for r in caplog.records if r.name == "executions.grpc.calls"]
    assert "ExecutionServicer.Get" in record.getMessage()
    assert "database on fire" in str(record.exc_info[1])


@pytest.mark.parametrize("raw", [b"\xff\xff\xff", b"\x0a\x05ab", b"\x0a\x02\xc3\x28"])
def test_bytes_that_are_not_a_request_message_are_an_invalid_argument(channel, as_operator, raw):
    start = channel.unary_unary(START, request_serializer=None, response_deserializer=None)

    message = rpc_error(lambda: start(raw, metadata=as_operator, timeout=10), grpc.StatusCode.INVALID_ARGUMENT)

    assert message == "the request is not a valid yandex.cloud.serverless.workflows.v1.StartExecutionRequest message"


def test_a_request_over_the_size_cap_is_resource_exhausted(as_operator):
    workflow = make_workflow()
    server = start_server(max_message_bytes=4096)
    try:
        with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            stub = execution_service_pb2_grpc.ExecutionServiceStub(channel)
            request = pb.StartExecutionRequest(
                workflow_id=workflow.pk, input=execution_pb2.ExecutionInput(input_json='"' + "x" * 5000 + '"')
            )
            rpc_error(lambda: stub.Start(request, metadata=as_operator, timeout=10), grpc.StatusCode.RESOURCE_EXHAUSTED)
    finally:
        server.stop(None)
    assert not Execution.objects.exists()


def test_an_input_over_the_data_cap_is_an_invalid_argument_as_over_rest_too(execution_stub, as_operator, settings):
    settings.WORKFLOWS_MAX_DATA_BYTES = 1024
    workflow = make_workflow()
    request = pb.StartExecutionRequest(
        workflow_id=workflow.pk, input=execution_pb2.ExecutionInput(input_json='"' + "x" * 2000 + '"')
    )

    message = rpc_error(lambda: execution_stub.Start(request, metadata=as_operator), grpc.StatusCode.INVALID_ARGUMENT)

    assert "over the limit of 1024 bytes" in message
