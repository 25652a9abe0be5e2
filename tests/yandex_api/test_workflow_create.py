from __future__ import annotations

import re

import pytest
from yandex.cloud.operation import operation_pb2

from executions.models import AuditEvent, Workflow, WorkflowRevision
from tests.conftest import FINISHING_SPEC, make_workflow
from tests.yandex_api.conftest import YANDEX_TIME, assert_message, rpc_error

pytestmark = pytest.mark.django_db

URL = "/workflows/v1/workflow"
TYPES = "type.googleapis.com/yandex.cloud.serverless.workflows.v1."


def create_body(**fields):
    return {"folderId": "b1gfolder", "name": "greeter", "specification": {"specYaml": FINISHING_SPEC}, **fields}


def counts() -> tuple[int, int, int]:
    return Workflow.objects.count(), WorkflowRevision.objects.count(), AuditEvent.objects.count()


def test_it_creates_a_workflow_and_answers_with_a_done_operation(admin_api):
    response = admin_api.post(URL, create_body(description="says hello", labels={"team": "core"}), format="json")

    assert response.status_code == 200, response.content
    operation = response.json()
    assert_message(operation, operation_pb2.Operation)
    workflow = Workflow.objects.get()
    event = AuditEvent.objects.get(action="workflow.create")
    assert operation["id"] == f"op{event.pk:018d}"
    assert operation["description"] == "Create workflow"
    assert operation["createdBy"] == "token:tests (ada)"
    assert re.match(YANDEX_TIME, operation["createdAt"]) and operation["modifiedAt"] == operation["createdAt"]
    assert operation["done"] is True and "error" not in operation
    assert operation["metadata"] == {"@type": TYPES + "CreateWorkflowMetadata", "workflowId": workflow.pk}
    got = operation["response"]
    assert got["@type"] == TYPES + "Workflow"
    assert (got["id"], got["name"], got["description"]) == (workflow.pk, "greeter", "says hello")
    assert got["labels"] == {"team": "core"} and got["status"] == "ACTIVE"
    assert got["specification"] == {"specYaml": FINISHING_SPEC}
    assert got["executionUrl"] == f"http://testserver/workflows/v1/execution/{workflow.pk}/start"
    assert event.source == "yandex-api"


def test_proto_field_names_are_accepted(admin_api):
    body = {"folder_id": "f", "name": "greeter", "specification": {"spec_yaml": FINISHING_SPEC}}

    response = admin_api.post(URL, body, format="json")

    assert response.status_code == 200
    assert Workflow.objects.get().current_revision.yaml_text == FINISHING_SPEC


def test_cloud_only_fields_are_checked_and_accepted(admin_api):
    body = create_body(
        logOptions={"disabled": False, "logGroupId": "e23", "minLevel": "WARN"},
        networkId="enp",
        serviceAccountId="aje",
        express=True,
        schedule={"cronExpression": "0 * * * *", "timezone": "Europe/Moscow"},
        isPublic=False,
    )

    response = admin_api.post(URL, body, format="json")

    assert response.status_code == 200
    assert_message(response.json(), operation_pb2.Operation)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (create_body(folderId=""), "folderId is required"),
        ({"folderId": "f", "specification": {"specYaml": FINISHING_SPEC}}, "name is required"),
        (create_body(specification=None), "specification is required"),
        (create_body(specification={}), "specification.specYaml is required"),
        (create_body(specification={"specYaml": 1}), "specification.specYaml must be a string"),
        (create_body(name="Greeter!"), "name must be 1-63 characters"),
        (create_body(description="x" * 257), "description must be a string of at most 256 characters"),
        (create_body(labels={"Team": "core"}), "label key 'Team' is invalid"),
        (create_body(labels={"team": 5}), "labels.team must be a string"),
        (create_body(specification={"specYaml": "yawl: '0.1'\nstart: nowhere\nsteps: {}\n"}), "invalid specification"),
        (create_body(logOptions={"minLevel": "LOUD"}), "logOptions.minLevel must be one of"),
        (create_body(logOptions={"logGroupId": "a", "folderId": "b"}), "may set only one of logGroupId and folderId"),
        (create_body(schedule={"cronExpression": "* * * * *"}), "schedule.timezone is required"),
        (create_body(express="yes"), "express must be true or false"),
        (create_body(owner="me"), "unknown field 'owner'"),
    ],
)
def test_a_bad_request_is_invalid_argument_and_creates_nothing(admin_api, body, message):
    before = counts()

    response = admin_api.post(URL, body, format="json")

    assert message in rpc_error(response, 3, 400)
    assert counts() == before


def test_a_taken_name_is_already_exists(admin_api):
    make_workflow("greeter")
    before = counts()

    response = admin_api.post(URL, create_body(), format="json")

    assert rpc_error(response, 6, 409) == "a workflow named 'greeter' already exists"
    assert counts() == before


def test_an_operator_may_not_create_workflows(operator_api):
    response = operator_api.post(URL, create_body(), format="json")

    assert "admin role" in rpc_error(response, 7, 403)
    assert not Workflow.objects.exists()


def test_a_control_character_in_the_specification_is_invalid_argument(admin_api):
    response = admin_api.post(URL, create_body(specification={"specYaml": "yawl: '0.1'\n\x0b"}), format="json")

    assert "invalid specification" in rpc_error(response, 3, 400)
    assert not Workflow.objects.exists()
