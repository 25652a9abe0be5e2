"""Stop and Terminate: running executions (waiting out a 30 s timer) become STOPPED; finished ones cannot."""

from __future__ import annotations

import grpc
import pytest
from yandex.cloud.serverless.workflows.v1 import execution_pb2, history_entry_pb2
from yandex.cloud.serverless.workflows.v1 import execution_service_pb2 as pb

from executions.models import AuditEvent, Execution
from tests.api.conftest import with_engine
from tests.conftest import FINISHING_SPEC, WAITING_SPEC, make_workflow
from tests.grpc.conftest import rpc_error, wait_for

pytestmark = with_engine
Status = execution_pb2.Execution


def start(stub, metadata, spec: str = WAITING_SPEC) -> str:
    workflow = make_workflow("subject", spec)
    return stub.Start(pb.StartExecutionRequest(workflow_id=workflow.pk), metadata=metadata, timeout=10).execution_id


def status(stub, metadata, execution_id: str) -> int:
    return stub.Get(pb.GetExecutionRequest(execution_id=execution_id), metadata=metadata, timeout=10).execution.status


def running(stub, metadata, spec: str = WAITING_SPEC) -> str:
    execution_id = start(stub, metadata, spec)
    wait_for(lambda: status(stub, metadata, execution_id) == Status.RUNNING, "the execution to run")
    return execution_id


def test_it_stops_a_running_execution(execution_stub, as_operator):
    execution_id = running(execution_stub, as_operator)

    response = execution_stub.Stop(pb.StopExecutionRequest(execution_id=execution_id), metadata=as_operator)

    assert response.execution_id == execution_id
    wait_for(lambda: status(execution_stub, as_operator, execution_id) == Status.STOPPED, "the execution to stop")
    execution = Execution.objects.get(pk=execution_id)
    assert execution.cancelled_by == "token:tests (olga)"
    assert AuditEvent.objects.get(action="stop", target_id=execution_id).source == "grpc"


def test_it_terminates_a_running_execution_and_cancels_its_step(execution_stub, as_operator):
    execution_id = running(execution_stub, as_operator)

    response = execution_stub.Terminate(pb.TerminateExecutionRequest(execution_id=execution_id), metadata=as_operator)

    assert response.execution_id == execution_id
    wait_for(lambda: status(execution_stub, as_operator, execution_id) == Status.STOPPED, "the execution to stop")
    history = execution_stub.GetHistory(pb.GetExecutionHistoryRequest(execution_id=execution_id), metadata=as_operator)
    [nap] = history.entries
    assert (nap.id, nap.status) == ("nap", history_entry_pb2.HistoryEntry.CANCELLED)
    assert AuditEvent.objects.get(action="terminate", target_id=execution_id).source == "grpc"


@pytest.mark.parametrize("method", ["Stop", "Terminate"])
def test_stopping_a_finished_execution_is_a_failed_precondition(execution_stub, as_operator, method):
    execution_id = start(execution_stub, as_operator, FINISHING_SPEC)
    wait_for(lambda: status(execution_stub, as_operator, execution_id) == Status.FINISHED, "the execution to finish")
    request = getattr(pb, f"{method}ExecutionRequest")(execution_id=execution_id)

    message = rpc_error(
        lambda: getattr(execution_stub, method)(request, metadata=as_operator), grpc.StatusCode.FAILED_PRECONDITION
    )

    assert message == f"cannot {method.lower()} an execution that is FINISHED"
    assert not AuditEvent.objects.filter(action=method.lower()).exists()


def test_a_viewer_may_not_stop(execution_stub, as_operator, as_viewer):
    execution_id = running(execution_stub, as_operator)
    request = pb.StopExecutionRequest(execution_id=execution_id)

    message = rpc_error(lambda: execution_stub.Stop(request, metadata=as_viewer), grpc.StatusCode.PERMISSION_DENIED)

    assert "operator role" in message
    assert status(execution_stub, as_viewer, execution_id) == Status.RUNNING


def test_stopping_an_unknown_execution_is_not_found(execution_stub, as_operator):
    request = pb.StopExecutionRequest(execution_id="nope")

    rpc_error(lambda: execution_stub.Stop(request, metadata=as_operator), grpc.StatusCode.NOT_FOUND)
