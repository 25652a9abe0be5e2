from __future__ import annotations

import pytest

from executions.models import AuditEvent, Workflow, WorkflowRevision
from tests.api.conftest import client_with, error_of, token_for
from tests.conftest import FINISHING_SPEC, make_workflow

pytestmark = pytest.mark.django_db
URL = "/api/v1/workflows/"

BROKEN_SPEC = """\
yawl: "0.1"
start: hello
steps:
  hello:
    noOp:
      next: nowhere
"""


def rows() -> tuple[int, int, int]:
    return Workflow.objects.count(), WorkflowRevision.objects.count(), AuditEvent.objects.count()


def test_an_admin_creates_a_workflow_from_yaml(admin_api):
    response = admin_api.post(
        URL,
        {
            "name": "greeter",
            "specification": FINISHING_SPEC,
            "description": "says hello",
            "labels": {"team": "core"},
        },
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    workflow = Workflow.objects.get()
    assert body["id"] == workflow.pk
    assert body["name"] == "greeter"
    assert body["description"] == "says hello"
    assert body["labels"] == {"team": "core"}
    assert body["status"] == "active"
    assert body["revision"] == 1
    assert body["specification"] == FINISHING_SPEC
    assert body["created_by"] == "token:tests (ada)"
    assert body["created_at"] and body["updated_at"]
    assert AuditEvent.objects.get(action="workflow.create").source == "api"


def test_an_invalid_spec_is_a_400_with_line_and_column_and_writes_nothing(admin_api):
    before = rows()

    response = admin_api.post(URL, {"name": "broken", "specification": BROKEN_SPEC}, format="json")

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid"
    assert "nowhere" in error["message"]
    [detail] = error["details"]
    assert detail["line"] == 6 and detail["column"] >= 1
    assert "hello" in detail["path"]
    assert rows() == before


def test_yaml_that_does_not_parse_is_a_400_with_its_position(admin_api):
    response = admin_api.post(URL, {"name": "broken", "specification": "steps: [unclosed\n"}, format="json")

    assert response.status_code == 400
    assert error_of(response)["details"][0]["line"] is not None
    assert not Workflow.objects.exists()


def test_malformed_json_is_a_400_that_writes_nothing(admin_api):
    before = rows()

    response = admin_api.post(URL, '{"name": "greeter", ', content_type="application/json")

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "parse_error"
    assert error["message"].startswith("the request body is not valid JSON")
    assert rows() == before


def test_a_missing_specification_names_the_field(admin_api):
    response = admin_api.post(URL, {"name": "greeter"}, format="json")

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid"
    assert error["details"] == [{"field": "specification", "message": "This field is required."}]
    assert "specification" in error["message"]


def test_an_unknown_field_is_rejected_not_ignored(admin_api):
    body = {"name": "greeter", "specification": FINISHING_SPEC, "spec": "x"}

    response = admin_api.post(URL, body, format="json")

    assert response.status_code == 400
    assert error_of(response)["details"] == [{"field": "spec", "message": "unknown field"}]
    assert not Workflow.objects.exists()


def test_a_body_that_is_not_an_object_is_a_400(admin_api):
    response = admin_api.post(URL, ["greeter"], format="json")

    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid"


def test_an_invalid_name_is_a_400(admin_api):
    response = admin_api.post(URL, {"name": "Not A Name", "specification": FINISHING_SPEC}, format="json")

    assert response.status_code == 400
    assert "name" in error_of(response)["message"]


def test_a_taken_name_is_a_409(admin_api):
    make_workflow("greeter")

    response = admin_api.post(URL, {"name": "greeter", "specification": FINISHING_SPEC}, format="json")

    assert response.status_code == 409
    assert error_of(response)["code"] == "conflict"
    assert Workflow.objects.count() == 1


def test_a_form_body_is_415(admin_api):
    response = admin_api.post(URL, {"name": "greeter", "specification": FINISHING_SPEC})

    assert response.status_code == 415
    assert error_of(response)["code"] == "unsupported_media_type"


def test_an_operator_may_not_create_workflows(operator_api):
    response = operator_api.post(URL, {"name": "greeter", "specification": FINISHING_SPEC}, format="json")

    assert response.status_code == 403
    assert "admin role" in error_of(response)["message"]
    assert not Workflow.objects.exists()


def test_an_admins_operate_token_may_not_create_workflows(admin_user):
    client = client_with(token_for(admin_user, "operate"))

    response = client.post(URL, {"name": "greeter", "specification": FINISHING_SPEC}, format="json")

    assert response.status_code == 403
