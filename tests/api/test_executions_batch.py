from __future__ import annotations

import pytest

from executions.models import AuditEvent, Execution
from executions.services.executions import MAX_BATCH_SIZE
from tests.api.conftest import error_of, with_engine
from tests.conftest import FINISHING_SPEC, make_workflow

pytestmark = pytest.mark.django_db
URL = "/api/v1/executions/batch/"


def rows() -> tuple[int, int]:
    return Execution.objects.count(), AuditEvent.objects.count()


def test_a_batch_starts_one_execution_per_input_in_order(operator_api):
    make_workflow("greeter")
    inputs = [{"name": "Ada"}, {"name": "Bob"}, {"name": "Cy"}]

    response = operator_api.post(URL, {"workflow_id": "greeter", "inputs": inputs, "queue_name": "bulk"}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["batch_id"]
    assert [execution["payload"] for execution in body["executions"]] == inputs
    assert {execution["batch_id"] for execution in body["executions"]} == {body["batch_id"]}
    assert {execution["queue_name"] for execution in body["executions"]} == {"bulk"}
    assert Execution.objects.filter(batch_id=body["batch_id"]).count() == 3
    events = AuditEvent.objects.filter(action="start", source="api")
    assert events.count() == 3
    assert {event.details["batch_id"] for event in events} == {body["batch_id"]}


@with_engine
def test_the_executions_of_a_batch_run(operator_api):
    make_workflow("greeter", FINISHING_SPEC)

    response = operator_api.post(URL, {"workflow_id": "greeter", "inputs": [{"name": "Ada"}]}, format="json")

    assert response.status_code == 201
    [execution] = response.json()["executions"]
    assert execution["status"] == "completed"
    assert execution["result"] == {"greeting": "Hello, Ada"}


def test_a_batch_is_listed_by_its_id(operator_api):
    make_workflow("greeter")
    batch = operator_api.post(URL, {"workflow_id": "greeter", "inputs": [{}, {}]}, format="json").json()
    operator_api.post("/api/v1/executions/", {"workflow_id": "greeter"}, format="json")

    response = operator_api.get(f"/api/v1/executions/?batch_id={batch['batch_id']}")

    assert len(response.json()["results"]) == 2


def test_one_bad_input_starts_nothing(operator_api, settings):
    settings.WORKFLOWS_MAX_DATA_BYTES = 1024
    make_workflow("greeter")
    before = rows()

    response = operator_api.post(
        URL, {"workflow_id": "greeter", "inputs": [{}, {"big": "x" * 2000}, {}]}, format="json"
    )

    assert response.status_code == 400
    error = error_of(response)
    assert error["details"][0]["field"] == "inputs[1]"
    assert "inputs[1]" in error["message"]
    assert rows() == before


def test_an_empty_batch_is_a_400(operator_api):
    make_workflow("greeter")

    response = operator_api.post(URL, {"workflow_id": "greeter", "inputs": []}, format="json")

    assert response.status_code == 400
    assert error_of(response)["details"][0]["field"] == "inputs"


def test_a_batch_over_the_cap_is_a_400_that_starts_nothing(operator_api):
    make_workflow("greeter")
    before = rows()

    response = operator_api.post(URL, {"workflow_id": "greeter", "inputs": [{}] * (MAX_BATCH_SIZE + 1)}, format="json")

    assert response.status_code == 400
    assert error_of(response)["details"][0]["field"] == "inputs"
    assert rows() == before


def test_an_option_the_service_refuses_starts_nothing(operator_api, settings):
    make_workflow("greeter")
    before = rows()

    response = operator_api.post(
        URL,
        {"workflow_id": "greeter", "inputs": [{}, {}], "run_timeout_seconds": 10**9},
        format="json",
    )

    assert response.status_code == 400
    assert "run_timeout_seconds" in error_of(response)["message"]
    assert rows() == before


def test_an_unknown_field_is_a_400(operator_api):
    make_workflow("greeter")

    response = operator_api.post(URL, {"workflow_id": "greeter", "input": [{}]}, format="json")

    assert response.status_code == 400
    assert {"field": "input", "message": "unknown field"} in error_of(response)["details"]


def test_an_unknown_workflow_is_a_404(operator_api):
    response = operator_api.post(URL, {"workflow_id": "nosuchworkflow", "inputs": [{}]}, format="json")

    assert response.status_code == 404
    assert not Execution.objects.exists()


def test_a_viewer_may_not_start_a_batch(viewer_api):
    make_workflow("greeter")

    response = viewer_api.post(URL, {"workflow_id": "greeter", "inputs": [{}]}, format="json")

    assert response.status_code == 403
    assert not Execution.objects.exists()
