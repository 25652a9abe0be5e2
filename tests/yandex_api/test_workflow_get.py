from __future__ import annotations

import re

import pytest
from yandex.cloud.serverless.workflows.v1 import workflow_service_pb2 as pb

from executions import services
from tests.api.conftest import TEST_ACTOR
from tests.conftest import FINISHING_SPEC, make_workflow
from tests.yandex_api.conftest import YANDEX_TIME, assert_message, rpc_error

pytestmark = pytest.mark.django_db


def test_it_answers_with_the_workflow_and_its_current_specification(viewer_api):
    workflow = make_workflow("greeter", FINISHING_SPEC)
    services.workflow_update(actor=TEST_ACTOR, workflow=workflow, labels={"team": "core"})

    response = viewer_api.get(f"/workflows/v1/workflow/{workflow.pk}")

    assert response.status_code == 200
    body = response.json()
    assert_message(body, pb.GetWorkflowResponse)
    got = body["workflow"]
    assert set(got) == {"id", "folderId", "specification", "createdAt", "name", "labels", "status", "executionUrl"}
    assert (got["id"], got["name"], got["status"]) == (workflow.pk, "greeter", "ACTIVE")
    assert got["folderId"] == workflow.folder_id
    assert got["specification"] == {"specYaml": FINISHING_SPEC}
    assert got["labels"] == {"team": "core"}
    assert re.match(YANDEX_TIME, got["createdAt"])


def test_it_finds_a_workflow_by_name(viewer_api):
    workflow = make_workflow("greeter")

    body = viewer_api.get("/workflows/v1/workflow/greeter").json()

    assert body["workflow"]["id"] == workflow.pk


def test_an_unknown_workflow_is_not_found(viewer_api):
    response = viewer_api.get("/workflows/v1/workflow/nosuchworkflow")

    assert rpc_error(response, 5, 404) == "workflow nosuchworkflow not found"


def test_without_a_token_it_is_unauthenticated(client):
    response = client.get("/workflows/v1/workflow/greeter")

    rpc_error(response, 16, 401)
