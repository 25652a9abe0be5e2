from __future__ import annotations

import pytest
from yandex.cloud.serverless.workflows.v1 import execution_service_pb2 as pb

from executions import services
from executions.models import HistoryEntry
from tests.api.conftest import with_engine
from tests.conftest import FAILING_SPEC, FINISHING_SPEC, actor_for, make_workflow
from tests.yandex_api.conftest import assert_message, rpc_error

pytestmark = pytest.mark.django_db

PARALLEL_SPEC = """\
yawl: "0.1"
start: fan
steps:
  fan:
    title: Fan out
    description: both sides at once
    parallel:
      branches:
        left:
          start: a
          steps:
            a:
              noOp:
                output: '\\({left: 1})'
        right:
          start: b
          steps:
            b:
              noOp:
                output: '\\({right: 2})'
      next: done
  done:
    success: {}
"""


def start(user, spec: str, input=None):
    workflow = make_workflow("subject", spec)
    return services.execution_start(actor=actor_for(user), workflow=workflow, input=input or {})


@with_engine
def test_it_lists_each_step_run_with_its_input_output_and_attempts(operator, viewer_api):
    execution = start(operator, FINISHING_SPEC, {"name": "Ada"})

    response = viewer_api.get(f"/workflows/v1/execution/{execution.pk}/history")

    assert response.status_code == 200
    body = response.json()
    assert_message(body, pb.GetExecutionHistoryResponse)
    assert set(body["execution"]) == {"id", "workflowId", "status", "startedAt", "duration"}
    assert body["execution"]["status"] == "FINISHED"
    hello, done = body["entries"]
    assert set(hello) == {"id", "title", "startedAt", "duration", "input", "output", "status", "type", "attempts"}
    assert (hello["id"], hello["title"], hello["type"], hello["status"]) == ("hello", "hello", "NoOp", "COMPLETED")
    assert hello["attempts"] == "1"
    assert hello["output"] == {"outputJson": '{"greeting":"Hello, Ada"}'}
    assert '"name":"Ada"' in hello["input"]["inputJson"]
    assert (done["id"], done["type"], done["status"]) == ("done", "Success", "COMPLETED")
    assert "output" not in done


@with_engine
def test_a_failed_step_has_its_error(operator, viewer_api):
    execution = start(operator, FAILING_SPEC, {"order_id": 7})

    body = viewer_api.get(f"/workflows/v1/execution/{execution.pk}/history").json()

    assert_message(body, pb.GetExecutionHistoryResponse)
    [entry] = body["entries"]
    assert entry["status"] == "FAILED"
    assert entry["error"] == {"message": "order 7 is invalid", "errorCode": "STEP_FAIL"}
    assert "lastError" not in entry


@with_engine
def test_nested_runs_are_listed_flat_in_the_order_they_were_scheduled(operator, viewer_api):
    execution = start(operator, PARALLEL_SPEC)

    body = viewer_api.get(f"/workflows/v1/execution/{execution.pk}/history").json()

    assert_message(body, pb.GetExecutionHistoryResponse)
    ids = [entry["id"] for entry in body["entries"]]
    runs = HistoryEntry.objects.filter(execution=execution).order_by("run_id")
    assert ids == [run.step_id for run in runs]
    assert ids[0] == "fan" and set(ids[1:3]) == {"a", "b"} and ids[3] == "done"
    fan = body["entries"][0]
    assert (fan["title"], fan["description"], fan["type"]) == ("Fan out", "both sides at once", "Parallel")


def test_a_queued_execution_has_no_entries(operator, viewer_api):
    execution = start(operator, FINISHING_SPEC)

    body = viewer_api.get(f"/workflows/v1/execution/{execution.pk}/history").json()

    assert_message(body, pb.GetExecutionHistoryResponse)
    assert body["execution"]["status"] == "QUEUED" and "entries" not in body


def test_an_unknown_execution_is_not_found(viewer_api):
    response = viewer_api.get("/workflows/v1/execution/01hzzzzzzzzzzzzzzzzzzzzzzz/history")

    rpc_error(response, 5, 404)
