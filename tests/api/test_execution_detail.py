from __future__ import annotations

import pytest

from executions import services
from tests.api.conftest import client_with, error_of, token_for, with_engine
from tests.conftest import FAILING_SPEC, FINISHING_SPEC, actor_for, make_workflow

EXECUTION_FIELDS = {
    "id",
    "workflow_id",
    "workflow_name",
    "status",
    "payload",
    "result",
    "error",
    "retry_count",
    "created_at",
    "started_at",
    "completed_at",
    "cancelled_at",
    "cancelled_by",
    "queue_name",
    "concurrency_key",
    "parent_execution_id",
    "root_execution_id",
    "step_key",
    "batch_id",
    "session_id",
    "user_id",
    "deployment_id",
    "assigned_to_worker",
    "run_timeout_seconds",
    "output_schema_name",
}


@with_engine
def test_a_workflow_created_and_started_through_the_api_shows_completed_with_its_result(admin_api, operator_api):
    created = admin_api.post("/api/v1/workflows/", {"name": "greeter", "specification": FINISHING_SPEC}, format="json")
    assert created.status_code == 201, created.json()
    started = operator_api.post(
        "/api/v1/executions/", {"workflow_id": "greeter", "input": {"name": "Ada"}}, format="json"
    )
    assert started.status_code == 201, started.json()

    response = operator_api.get(f"/api/v1/executions/{started.json()['id']}/")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == EXECUTION_FIELDS
    assert body["status"] == "completed"
    assert body["result"] == {"greeting": "Hello, Ada"}
    assert body["payload"] == {"name": "Ada"}
    assert body["error"] is None
    assert body["workflow_id"] == created.json()["id"]
    assert body["workflow_name"] == "greeter"
    assert body["deployment_id"] == f"{created.json()['id']}:1"
    assert body["user_id"] == "token:tests (olga)"
    assert body["started_at"] and body["completed_at"] and body["created_at"].endswith("Z")
    assert body["queue_name"] == "default"
    assert body["output_schema_name"] is None


@with_engine
def test_a_failing_workflow_shows_failed_with_the_step_fail_error(operator, operator_api):
    workflow = make_workflow("checker", FAILING_SPEC)
    execution = services.execution_start(actor=actor_for(operator), workflow=workflow, input={"order_id": 7})

    body = operator_api.get(f"/api/v1/executions/{execution.pk}/").json()

    assert body["status"] == "failed"
    assert body["error"] == {"code": "STEP_FAIL", "message": "order 7 is invalid"}
    assert body["result"] is None


@pytest.mark.django_db
def test_a_viewer_can_read_an_execution(operator, viewer_api):
    workflow = make_workflow()
    execution = services.execution_start(
        actor=actor_for(operator), workflow=workflow, input={"name": "Ada"}, batch_id="b-1"
    )

    body = viewer_api.get(f"/api/v1/executions/{execution.pk}/").json()

    assert body["id"] == execution.pk
    assert body["status"] == "queued"
    assert body["batch_id"] == "b-1"
    assert body["concurrency_key"] is None
    assert body["parent_execution_id"] is None and body["root_execution_id"] is None


@pytest.mark.django_db
def test_it_answers_404_for_an_unknown_execution(viewer_api):
    response = viewer_api.get("/api/v1/executions/01hzzzzzzzzzzzzzzzzzzzzzzz/")

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


@pytest.mark.django_db
def test_it_answers_404_for_an_id_that_could_never_exist(viewer_api):
    response = viewer_api.get("/api/v1/executions/not%20an%20id/")

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


@pytest.mark.django_db
def test_an_outsider_may_not_read_executions(outsider):
    workflow = make_workflow()
    execution = services.execution_start(actor=actor_for(outsider), workflow=workflow)

    response = client_with(token_for(outsider, "admin")).get(f"/api/v1/executions/{execution.pk}/")

    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"
