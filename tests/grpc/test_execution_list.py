from __future__ import annotations

import grpc
import pytest
from google.protobuf import json_format
from yandex.cloud.serverless.workflows.v1 import execution_pb2
from yandex.cloud.serverless.workflows.v1 import execution_service_pb2 as pb

from executions import services
from tests.api.conftest import with_engine
from tests.conftest import WAITING_SPEC, actor_for, make_workflow
from tests.grpc.conftest import rpc_error
from tests.yandex_api.conftest import yandex_client

pytestmark = with_engine
Status = execution_pb2.Execution


@pytest.fixture
def sleeper(operator):
    """Five executions waiting out a 30 s timer (RUNNING), two of them then stopped."""
    workflow = make_workflow("sleeper", WAITING_SPEC)
    actor = actor_for(operator)
    started = [services.execution_start(actor=actor, workflow=workflow, input={"n": n}) for n in range(5)]
    for execution in started[:2]:
        services.execution_stop(actor=actor, execution_id=execution.pk)
    return workflow, [execution.pk for execution in started]


def list_all(stub, metadata, **fields) -> tuple[list[list[str]], list[pb.ListExecutionsResponse]]:
    """Every page, following next_page_token: the ids on each page, and the responses."""
    pages, responses, token = [], [], ""
    while True:
        response = stub.List(pb.ListExecutionsRequest(page_token=token, **fields), metadata=metadata, timeout=10)
        responses.append(response)
        pages.append([item.id for item in response.executions])
        token = response.next_page_token
        if not token:
            return pages, responses
        assert len(pages) < 10, "page tokens go round in circles"


def test_it_pages_through_every_execution_of_the_workflow_newest_first(execution_stub, as_viewer, sleeper):
    workflow, ids = sleeper

    pages, _ = list_all(execution_stub, as_viewer, workflow_id=workflow.pk, page_size=2)

    assert [len(page) for page in pages] == [2, 2, 1]
    assert [item for page in pages for item in page] == ids[::-1]


def test_a_status_filter_narrows_every_page(execution_stub, as_viewer, sleeper):
    workflow, ids = sleeper

    pages, responses = list_all(
        execution_stub, as_viewer, workflow_id=workflow.pk, page_size=2, filter="status=RUNNING"
    )

    assert pages == [[ids[4], ids[3]], [ids[2]]]
    assert {item.status for response in responses for item in response.executions} == {Status.RUNNING}


def test_a_page_is_the_message_the_rest_api_answers(execution_stub, as_viewer, sleeper, viewer):
    workflow, _ = sleeper

    over_grpc = execution_stub.List(
        pb.ListExecutionsRequest(workflow_id=workflow.pk, filter="status=STOPPED"), metadata=as_viewer
    )
    over_rest = yandex_client(viewer, "read").get(
        "/workflows/v1/execution", {"workflowId": workflow.pk, "filter": "status=STOPPED"}
    )

    assert json_format.MessageToDict(over_grpc) == over_rest.json()
    assert len(over_grpc.executions) == 2


def test_an_unknown_filter_field_is_an_invalid_argument_naming_the_filter(execution_stub, as_viewer, sleeper):
    workflow, _ = sleeper
    request = pb.ListExecutionsRequest(workflow_id=workflow.pk, filter="colour=RED")

    message = rpc_error(lambda: execution_stub.List(request, metadata=as_viewer), grpc.StatusCode.INVALID_ARGUMENT)

    assert message.startswith("invalid filter: unknown filter field 'colour'")


def test_a_made_up_page_token_is_an_invalid_argument(execution_stub, as_viewer, sleeper):
    workflow, _ = sleeper
    request = pb.ListExecutionsRequest(workflow_id=workflow.pk, page_token="not-a-token")

    message = rpc_error(lambda: execution_stub.List(request, metadata=as_viewer), grpc.StatusCode.INVALID_ARGUMENT)

    assert message == "invalid page token"


def test_a_page_token_of_another_filter_is_refused(execution_stub, as_viewer, sleeper):
    workflow, _ = sleeper
    first = execution_stub.List(pb.ListExecutionsRequest(workflow_id=workflow.pk, page_size=1), metadata=as_viewer)
    request = pb.ListExecutionsRequest(
        workflow_id=workflow.pk, page_size=1, page_token=first.next_page_token, filter="status=STOPPED"
    )

    message = rpc_error(lambda: execution_stub.List(request, metadata=as_viewer), grpc.StatusCode.INVALID_ARGUMENT)

    assert message.startswith("invalid page token: it belongs to another query")


def test_a_negative_page_size_is_an_invalid_argument(execution_stub, as_viewer, sleeper):
    workflow, _ = sleeper
    request = pb.ListExecutionsRequest(workflow_id=workflow.pk, page_size=-1)

    message = rpc_error(lambda: execution_stub.List(request, metadata=as_viewer), grpc.StatusCode.INVALID_ARGUMENT)

    assert message.startswith("pageSize must be between 0 and")


def test_the_executions_of_an_unknown_workflow_are_not_found(execution_stub, as_viewer):
    request = pb.ListExecutionsRequest(workflow_id="nope")

    rpc_error(lambda: execution_stub.List(request, metadata=as_viewer), grpc.StatusCode.NOT_FOUND)
