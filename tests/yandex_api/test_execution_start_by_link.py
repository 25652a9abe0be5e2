from __future__ import annotations

import pytest
from yandex.cloud.serverless.workflows.v1 import execution_service_pb2 as pb

from executions.models import Execution
from tests.conftest import make_workflow
from tests.yandex_api.conftest import assert_message, rpc_error

pytestmark = pytest.mark.django_db


def test_the_raw_body_is_the_input(operator_api):
    workflow = make_workflow()

    response = operator_api.post(
        f"/workflows/v1/execution/{workflow.pk}/start", '{"name": "Ada"}', content_type="application/json"
    )

    assert response.status_code == 200
    body = response.json()
    assert_message(body, pb.StartExecutionResponse)
    execution = Execution.objects.get()
    assert body == {"executionId": execution.pk} and execution.input == {"name": "Ada"}


def test_any_json_value_is_an_input_whatever_the_content_type(operator_api):
    make_workflow("greeter")

    response = operator_api.post("/workflows/v1/execution/greeter/start", "[1, 2]", content_type="text/plain")

    assert response.status_code == 200
    assert Execution.objects.get().input == [1, 2]


def test_an_empty_body_is_an_empty_object(operator_api):
    make_workflow("greeter")

    response = operator_api.post("/workflows/v1/execution/greeter/start")

    assert response.status_code == 200
    assert Execution.objects.get().input == {}


def test_a_body_that_is_not_json_is_invalid_argument(operator_api):
    make_workflow("greeter")

    response = operator_api.post("/workflows/v1/execution/greeter/start", "name=Ada", content_type="text/plain")

    assert "the request body is not valid JSON" in rpc_error(response, 3, 400)
    assert Execution.objects.count() == 0


def test_an_unknown_workflow_is_not_found(operator_api):
    response = operator_api.post("/workflows/v1/execution/nosuchworkflow/start", "{}", content_type="application/json")

    assert rpc_error(response, 5, 404) == "workflow nosuchworkflow not found"


def test_a_viewer_may_not_start(viewer_api):
    make_workflow("greeter")

    response = viewer_api.post("/workflows/v1/execution/greeter/start", "{}", content_type="application/json")

    rpc_error(response, 7, 403)
    assert Execution.objects.count() == 0
