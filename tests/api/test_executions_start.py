from __future__ import annotations

import json

import pytest

from executions.models import AuditEvent, Execution
from tests.api.conftest import client_with, error_of, token_for, with_engine
from tests.conftest import FINISHING_SPEC, make_workflow

pytestmark = pytest.mark.django_db
URL = "/api/v1/executions/"


def post_json(client, text: str):
    return client.post(URL, text, content_type="application/json")


def rows() -> tuple[int, int]:
    return Execution.objects.count(), AuditEvent.objects.count()


@with_engine
def test_an_operator_starts_an_execution_that_runs_to_completion(operator_api):
    workflow = make_workflow("greeter", FINISHING_SPEC)

    response = operator_api.post(URL, {"workflow_id": workflow.pk, "input": {"name": "Ada"}}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["workflow_id"] == workflow.pk
    assert body["status"] == "completed"
    assert body["result"] == {"greeting": "Hello, Ada"}
    event = AuditEvent.objects.get(action="start", target_id=body["id"])
    assert event.source == "api" and event.actor == "token:tests (olga)"


def test_it_starts_by_workflow_name_with_the_given_options(operator_api):
    make_workflow("greeter")

    response = operator_api.post(
        URL,
        {
            "workflow_id": "greeter",
            "queue_name": "bulk",
            "run_timeout_seconds": 60,
            "concurrency_key": "customer-7",
        },
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert body["payload"] == {}
    assert body["queue_name"] == "bulk"
    assert body["run_timeout_seconds"] == 60
    assert body["concurrency_key"] == "customer-7"


def test_the_same_idempotency_key_and_input_return_the_same_execution(operator_api):
    make_workflow("greeter")
    request = {"workflow_id": "greeter", "input": {"name": "Ada"}, "idempotency_key": "order-1"}

    first = operator_api.post(URL, request, format="json")
    second = operator_api.post(URL, request, format="json")

    assert first.status_code == 201
    assert second.status_code == 200
    assert second.json()["id"] == first.json()["id"]
    assert Execution.objects.count() == 1


def test_the_same_idempotency_key_with_another_input_is_a_409(operator_api):
    make_workflow("greeter")
    operator_api.post(
        URL, {"workflow_id": "greeter", "input": {"name": "Ada"}, "idempotency_key": "order-1"}, format="json"
    )

    response = operator_api.post(
        URL, {"workflow_id": "greeter", "input": {"name": "Bob"}, "idempotency_key": "order-1"}, format="json"
    )

    assert response.status_code == 409
    assert error_of(response)["code"] == "conflict"
    assert Execution.objects.count() == 1


def test_an_unknown_workflow_is_a_404_that_writes_nothing(operator_api):
    before = rows()

    response = operator_api.post(URL, {"workflow_id": "no-such-workflow"}, format="json")

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"
    assert rows() == before


def test_malformed_json_is_a_400_that_writes_nothing(operator_api):
    make_workflow("greeter")
    before = rows()

    response = post_json(operator_api, '{"workflow_id": "greeter", "input": {')

    assert response.status_code == 400
    assert error_of(response)["code"] == "parse_error"
    assert rows() == before


def test_nan_is_not_json(operator_api):
    make_workflow("greeter")

    response = post_json(operator_api, '{"workflow_id": "greeter", "input": NaN}')

    assert response.status_code == 400
    assert not Execution.objects.exists()


def test_a_missing_workflow_id_names_the_field(operator_api):
    response = operator_api.post(URL, {"input": {}}, format="json")

    assert response.status_code == 400
    assert error_of(response)["details"] == [{"field": "workflow_id", "message": "This field is required."}]


def test_a_misspelt_field_is_rejected_rather_than_starting_without_input(operator_api):
    make_workflow("greeter")

    response = operator_api.post(URL, {"workflow_id": "greeter", "inputs": {"name": "Ada"}}, format="json")

    assert response.status_code == 400
    assert error_of(response)["details"] == [{"field": "inputs", "message": "unknown field"}]
    assert not Execution.objects.exists()


@pytest.mark.parametrize("timeout", [0, -5, "soon"])
def test_an_invalid_run_timeout_is_a_400(operator_api, timeout):
    make_workflow("greeter")

    body = {"workflow_id": "greeter", "run_timeout_seconds": timeout}

    response = operator_api.post(URL, body, format="json")

    assert response.status_code == 400
    assert error_of(response)["details"][0]["field"] == "run_timeout_seconds"


def test_a_run_timeout_over_the_limit_is_a_400(operator_api):
    make_workflow("greeter")

    body = {"workflow_id": "greeter", "run_timeout_seconds": 10**12}

    response = operator_api.post(URL, body, format="json")

    assert response.status_code == 400
    assert "run_timeout_seconds" in error_of(response)["message"]


def test_an_input_over_the_data_limit_is_a_400(operator_api, settings):
    settings.WORKFLOWS_MAX_DATA_BYTES = 1024
    make_workflow("greeter")

    body = {"workflow_id": "greeter", "input": {"blob": "x" * 2000}}

    response = operator_api.post(URL, body, format="json")

    assert response.status_code == 400
    assert "over the limit" in error_of(response)["message"]
    assert not Execution.objects.exists()


def test_a_body_over_the_request_limit_is_a_413_that_writes_nothing(operator_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4096
    make_workflow("greeter")
    before = rows()
    body = json.dumps({"workflow_id": "greeter", "input": {"blob": "x" * 5000}})

    response = post_json(operator_api, body)

    assert response.status_code == 413
    error = error_of(response)
    assert error["code"] == "request_too_large"
    assert "4096 bytes" in error["message"]
    assert rows() == before


def test_a_read_scope_token_cannot_start_executions(operator):
    make_workflow("greeter")
    client = client_with(token_for(operator, "read"))

    response = client.post(URL, {"workflow_id": "greeter"}, format="json")

    assert response.status_code == 403
    assert "operate" in error_of(response)["message"]
    assert not Execution.objects.exists()


def test_a_viewer_cannot_start_executions(viewer):
    make_workflow("greeter")
    client = client_with(token_for(viewer, "operate"))

    response = client.post(URL, {"workflow_id": "greeter"}, format="json")

    assert response.status_code == 403
    assert not Execution.objects.exists()


def test_it_answers_401_without_credentials():
    response = client_with(None).post(URL, {"workflow_id": "greeter"}, format="json")

    assert response.status_code == 401
