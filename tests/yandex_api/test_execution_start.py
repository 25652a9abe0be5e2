from __future__ import annotations

import pytest
from yandex.cloud.serverless.workflows.v1 import execution_service_pb2 as pb

from executions.models import AuditEvent, Execution
from tests.api.conftest import client_with, with_engine
from tests.conftest import FINISHING_SPEC, make_workflow
from tests.yandex_api.conftest import assert_message, rpc_error

pytestmark = pytest.mark.django_db

URL = "/workflows/v1/execution/start"


def post(client, body):
    return client.post(URL, body, format="json")


def test_it_starts_an_execution_from_input_json(operator_api):
    workflow = make_workflow()

    response = post(operator_api, {"workflowId": workflow.pk, "input": {"inputJson": '{"name": "Ada"}'}})

    assert response.status_code == 200
    body = response.json()
    assert_message(body, pb.StartExecutionResponse)
    execution = Execution.objects.get()
    assert body == {"executionId": execution.pk}
    assert execution.workflow == workflow and execution.input == {"name": "Ada"}


def test_it_accepts_input_value_and_proto_field_names(operator_api):
    workflow = make_workflow()

    response = post(operator_api, {"workflow_id": workflow.pk, "input": {"input_value": [1, "two", None]}})

    assert response.status_code == 200
    assert Execution.objects.get().input == [1, "two", None]


def test_it_finds_the_workflow_by_name_too(operator_api):
    make_workflow("greeter")

    response = post(operator_api, {"workflowId": "greeter", "input": {"inputJson": "{}"}})

    assert response.status_code == 200


def test_no_input_or_blank_input_json_is_an_empty_object(operator_api):
    workflow = make_workflow()

    post(operator_api, {"workflowId": workflow.pk})
    post(operator_api, {"workflowId": workflow.pk, "input": {"inputJson": "  "}})

    assert [e.input for e in Execution.objects.all()] == [{}, {}]


@with_engine
def test_the_started_execution_runs_to_its_end(operator_api):
    workflow = make_workflow("greeter", FINISHING_SPEC)

    body = post(operator_api, {"workflowId": workflow.pk, "input": {"inputJson": '{"name": "Ada"}'}}).json()

    execution = Execution.objects.get(pk=body["executionId"])
    assert execution.status == "FINISHED"
    assert execution.result == {"greeting": "Hello, Ada"}


def test_it_is_audited_as_the_yandex_api(operator_api):
    workflow = make_workflow()

    body = post(operator_api, {"workflowId": workflow.pk}).json()

    event = AuditEvent.objects.get(action="start", target_id=body["executionId"])
    assert event.source == "yandex-api" and event.actor == "token:tests (olga)"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "workflowId is required"),
        ({"workflowId": 7}, "workflowId must be a string"),
        ({"workflowId": "greeter", "input": "{}"}, "input must be a JSON object"),
        ({"workflowId": "greeter", "input": {"inputJson": 5}}, "input.inputJson must be a string"),
        ({"workflowId": "greeter", "input": {"inputJson": "{nope"}}, "input.inputJson is not valid JSON"),
        ({"workflowId": "greeter", "input": {"inputJson": "NaN"}}, "input.inputJson is not valid JSON"),
        (
            {"workflowId": "greeter", "input": {"inputJson": "{}", "inputValue": {}}},
            "input may set only one of inputJson and inputValue",
        ),
        ({"workflowId": "greeter", "inputs": {}}, "unknown field 'inputs'"),
        ({"workflowId": "greeter", "input": {"json": "{}"}}, "unknown field 'input.json'"),
        ({"workflowId": "greeter", "workflow_id": "greeter"}, "workflowId is given twice"),
        ([], "the request body must be a JSON object"),
    ],
)
def test_a_malformed_request_is_invalid_argument_and_starts_nothing(operator_api, body, message):
    make_workflow("greeter")

    response = post(operator_api, body)

    assert message in rpc_error(response, 3, 400)
    assert Execution.objects.count() == 0 and not AuditEvent.objects.filter(action="start").exists()


def test_a_body_that_is_not_json_is_invalid_argument(operator_api):
    make_workflow("greeter")

    response = operator_api.post(URL, "{workflowId:", content_type="application/json")

    assert "the request body is not valid JSON" in rpc_error(response, 3, 400)
    assert Execution.objects.count() == 0


def test_an_unknown_workflow_is_not_found(operator_api):
    response = post(operator_api, {"workflowId": "nosuchworkflow"})

    assert rpc_error(response, 5, 404) == "workflow nosuchworkflow not found"


def test_input_over_the_step_data_limit_is_invalid_argument(operator_api, settings):
    settings.WORKFLOWS_MAX_DATA_BYTES = 1024
    workflow = make_workflow()

    response = post(operator_api, {"workflowId": workflow.pk, "input": {"inputValue": {"blob": "x" * 2000}}})

    assert "over the limit of 1024 bytes" in rpc_error(response, 3, 400)
    assert Execution.objects.count() == 0


def test_a_viewer_may_not_start(viewer_api):
    workflow = make_workflow()

    response = post(viewer_api, {"workflowId": workflow.pk})

    assert "operator role" in rpc_error(response, 7, 403)
    assert Execution.objects.count() == 0


def test_without_a_token_it_is_unauthenticated(db):
    workflow = make_workflow()

    response = post(client_with(None), {"workflowId": workflow.pk})

    assert "Authorization: Bearer" in rpc_error(response, 16, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert Execution.objects.count() == 0


def test_a_wrong_token_is_unauthenticated(db):
    response = post(client_with("wfu_nope_secret"), {"workflowId": "greeter"})

    assert rpc_error(response, 16, 401) == "Invalid API token."


def test_a_lone_surrogate_in_the_input_is_invalid_argument(operator_api):
    make_workflow("greeter")
    raw = '{"workflowId": "greeter", "input": {"inputJson": "{\\"a\\": \\"\\\\ud800\\"}"}}'

    response = operator_api.post(URL, raw, content_type="application/json")

    assert "input.inputJson contains a lone UTF-16 surrogate" in rpc_error(response, 3, 400)
    assert Execution.objects.count() == 0
