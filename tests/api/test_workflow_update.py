from __future__ import annotations

import pytest

from executions.models import AuditEvent, Workflow, WorkflowRevision
from tests.api.conftest import client_with, error_of, token_for
from tests.conftest import FAILING_SPEC, FINISHING_SPEC, make_workflow

pytestmark = pytest.mark.django_db

BROKEN_SPEC = """\
yawl: "0.1"
start: hello
steps:
  hello:
    noOp:
      next: nowhere
"""


def url(workflow) -> str:
    return f"/api/v1/workflows/{workflow.pk}/"


def snapshot(workflow) -> tuple:
    workflow.refresh_from_db()
    return (
        workflow.name,
        workflow.description,
        workflow.labels,
        workflow.current_revision_id,
        WorkflowRevision.objects.count(),
        AuditEvent.objects.count(),
    )


def test_an_admin_renames_and_relabels_a_workflow(admin_api):
    workflow = make_workflow("greeter")

    response = admin_api.patch(
        url(workflow), {"name": "welcomer", "description": "says hi", "labels": {"team": "core"}}, format="json"
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["description"], body["labels"]) == ("welcomer", "says hi", {"team": "core"})
    assert body["revision"] == 1
    event = AuditEvent.objects.get(action="workflow.update")
    assert event.source == "api" and event.actor == "token:tests (ada)"


def test_a_new_specification_makes_a_new_revision_and_keeps_the_old_one(admin_api):
    workflow = make_workflow("greeter")

    response = admin_api.patch(url(workflow), {"specification": FAILING_SPEC}, format="json")

    assert response.status_code == 200
    assert response.json()["revision"] == 2
    assert response.json()["specification"] == FAILING_SPEC
    assert list(workflow.revisions.order_by("number").values_list("yaml_text", flat=True)) == [
        FINISHING_SPEC,
        FAILING_SPEC,
    ]


def test_the_workflow_can_be_named_by_its_name_in_the_url(admin_api):
    make_workflow("greeter")

    response = admin_api.patch("/api/v1/workflows/greeter/", {"description": "by name"}, format="json")

    assert response.status_code == 200
    assert Workflow.objects.get().description == "by name"


def test_an_invalid_specification_is_a_400_with_its_line_and_changes_nothing(admin_api):
    workflow = make_workflow("greeter")
    before = snapshot(workflow)

    response = admin_api.patch(url(workflow), {"specification": BROKEN_SPEC, "name": "other"}, format="json")

    assert response.status_code == 400
    assert error_of(response)["details"][0]["line"] == 6
    assert snapshot(workflow) == before


def test_an_empty_body_is_a_400(admin_api):
    workflow = make_workflow("greeter")
    before = snapshot(workflow)

    response = admin_api.patch(url(workflow), {}, format="json")

    assert response.status_code == 400
    assert "nothing to update" in error_of(response)["message"]
    assert snapshot(workflow) == before


def test_an_unknown_field_is_a_400(admin_api):
    workflow = make_workflow("greeter")

    response = admin_api.patch(url(workflow), {"spec": FAILING_SPEC}, format="json")

    assert response.status_code == 400
    assert error_of(response)["details"] == [{"field": "spec", "message": "unknown field"}]


def test_an_invalid_label_is_a_400_that_changes_nothing(admin_api):
    workflow = make_workflow("greeter")
    before = snapshot(workflow)

    response = admin_api.patch(url(workflow), {"labels": {"Bad Key": "x"}}, format="json")

    assert response.status_code == 400
    assert snapshot(workflow) == before


def test_taking_another_workflows_name_is_a_409(admin_api):
    workflow = make_workflow("greeter")
    make_workflow("welcomer")
    before = snapshot(workflow)

    response = admin_api.patch(url(workflow), {"name": "welcomer"}, format="json")

    assert response.status_code == 409
    assert error_of(response)["code"] == "conflict"
    assert snapshot(workflow) == before


def test_an_unknown_workflow_is_a_404(admin_api):
    response = admin_api.patch("/api/v1/workflows/nosuchworkflow/", {"description": "x"}, format="json")

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_only_admins_may_change_workflows(role, request):
    workflow = make_workflow("greeter")
    client = client_with(token_for(request.getfixturevalue(role), "admin"))
    before = snapshot(workflow)

    response = client.patch(url(workflow), {"description": "x"}, format="json")

    assert response.status_code == 403
    assert "admin role" in error_of(response)["message"]
    assert snapshot(workflow) == before


def test_an_admins_read_token_may_not_change_workflows(admin_user):
    workflow = make_workflow("greeter")

    response = client_with(token_for(admin_user, "read")).patch(url(workflow), {"description": "x"}, format="json")

    assert response.status_code == 403
