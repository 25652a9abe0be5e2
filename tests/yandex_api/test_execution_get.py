from __future__ import annotations

import re

import pytest
from django.db import connection
from rest_framework.test import APIClient
from yandex.cloud.serverless.workflows.v1 import execution_service_pb2 as pb

from executions import services
from executions.models import Execution
from tests.api.conftest import with_engine
from tests.conftest import FAILING_SPEC, FINISHING_SPEC, WAITING_SPEC, actor_for, make_workflow
from tests.yandex_api.conftest import YANDEX_DURATION, YANDEX_TIME, assert_message, rpc_error, yandex_client

pytestmark = pytest.mark.django_db


def start(user, spec: str, input=None):
    workflow = make_workflow("subject", spec)
    return services.execution_start(actor=actor_for(user), workflow=workflow, input=input or {})


@with_engine
def test_a_finished_execution_has_its_input_result_status_and_timing(operator, viewer_api):
    execution = start(operator, FINISHING_SPEC, {"name": "Ada"})

    response = viewer_api.get(f"/workflows/v1/execution/{execution.pk}")

    assert response.status_code == 200
    body = response.json()
    assert_message(body, pb.GetExecutionResponse)
    got = body["execution"]
    assert set(got) == {"id", "workflowId", "input", "result", "status", "startedAt", "duration"}
    assert got["id"] == execution.pk and got["workflowId"] == execution.workflow_id
    assert got["input"] == {"inputJson": '{"name":"Ada"}'}
    assert got["result"] == {"resultJson": '{"greeting":"Hello, Ada"}'}
    assert got["status"] == "FINISHED"
    assert re.match(YANDEX_TIME, got["startedAt"]) and re.match(YANDEX_DURATION, got["duration"])


@with_engine
def test_a_failed_execution_has_its_error_and_no_result(operator, viewer_api):
    execution = start(operator, FAILING_SPEC, {"order_id": 7})

    body = viewer_api.get(f"/workflows/v1/execution/{execution.pk}").json()

    assert_message(body, pb.GetExecutionResponse)
    got = body["execution"]
    assert got["status"] == "FAILED"
    assert got["error"] == {"message": "order 7 is invalid", "errorCode": "STEP_FAIL"}
    assert "result" not in got


@with_engine
def test_a_running_execution_has_no_result_and_no_error(operator, viewer_api):
    execution = start(operator, WAITING_SPEC)

    body = viewer_api.get(f"/workflows/v1/execution/{execution.pk}").json()

    assert_message(body, pb.GetExecutionResponse)
    assert body["execution"]["status"] == "RUNNING"
    assert {"result", "error"}.isdisjoint(body["execution"])


def test_a_queued_execution_shows_when_it_was_queued_as_started_at(operator, viewer_api):
    execution = start(operator, FINISHING_SPEC)

    got = viewer_api.get(f"/workflows/v1/execution/{execution.pk}").json()["execution"]

    assert got["status"] == "QUEUED"
    assert got["startedAt"].startswith(execution.created_at.strftime("%Y-%m-%dT%H:%M:%S"))


def test_an_unknown_execution_is_not_found(viewer_api):
    response = viewer_api.get("/workflows/v1/execution/01hzzzzzzzzzzzzzzzzzzzzzzz")

    assert rpc_error(response, 5, 404) == "execution 01hzzzzzzzzzzzzzzzzzzzzzzz not found"


def test_someone_without_a_role_may_not_read(operator, outsider):
    execution = start(operator, FINISHING_SPEC)

    response = yandex_client(outsider, "read").get(f"/workflows/v1/execution/{execution.pk}")

    assert "viewer role" in rpc_error(response, 7, 403)


def test_a_logged_in_session_may_read(operator, viewer):
    execution = start(operator, FINISHING_SPEC)
    client = APIClient()
    client.force_login(viewer)

    response = client.get(f"/workflows/v1/execution/{execution.pk}")

    assert response.status_code == 200


@pytest.mark.skipif(
    connection.vendor == "postgresql", reason="PostgreSQL's jsonb cannot hold a lone surrogate: no such row can exist"
)
def test_a_lone_surrogate_already_stored_is_sent_escaped(operator, viewer_api):
    # Every interface now refuses such input; rows written before that (or by hand) must still render.
    execution = start(operator, FINISHING_SPEC, {"a": "ok"})
    Execution.objects.filter(pk=execution.pk).update(input={"a": "\ud800"})

    response = viewer_api.get(f"/workflows/v1/execution/{execution.pk}")

    assert response.status_code == 200
    assert response.json()["execution"]["input"] == {"inputJson": '{"a":"\\ud800"}'}
