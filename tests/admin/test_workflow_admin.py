from __future__ import annotations

import pytest

from executions.models import AuditEvent, Workflow, WorkflowRevision
from tests.conftest import FINISHING_SPEC, make_workflow

pytestmark = pytest.mark.django_db

ADD = "/admin/executions/workflow/add/"


def test_adding_a_workflow_goes_through_the_service(client, staff_admin):
    client.force_login(staff_admin)

    response = client.post(
        ADD,
        {
            "name": "greeter",
            "description": "Says hello",
            "labels": '{"team": "ops"}',
            "yaml_text": FINISHING_SPEC,
        },
    )

    workflow = Workflow.objects.get()
    assert response.status_code == 302
    assert response.url == "/admin/executions/workflow/"
    assert (workflow.name, workflow.description, workflow.labels) == (
        "greeter",
        "Says hello",
        {"team": "ops"},
    )
    assert workflow.current_revision.number == 1
    assert workflow.current_revision.yaml_text == FINISHING_SPEC
    event = AuditEvent.objects.get(action="workflow.create")
    assert (event.actor, event.source) == ("user:ada", "admin")


def test_adding_a_workflow_with_invalid_yaml_shows_the_error_and_writes_nothing(client, staff_admin):
    client.force_login(staff_admin)

    response = client.post(
        ADD, {"name": "broken", "labels": "{}", "yaml_text": "yawl: '0.1'\nstart: nowhere\nsteps: {}\n"}
    )

    assert response.status_code == 200
    assert "steps (line 3, column 8): " in response.content.decode()
    assert Workflow.objects.count() == 0
    assert WorkflowRevision.objects.count() == 0
    assert not AuditEvent.objects.exists()


def test_adding_a_workflow_with_a_bad_name_shows_the_error(client, staff_admin):
    client.force_login(staff_admin)
    response = client.post(ADD, {"name": "Not OK", "labels": "{}", "yaml_text": FINISHING_SPEC})
    assert "lower-case letters" in response.content.decode()
    assert Workflow.objects.count() == 0


def test_adding_a_workflow_with_a_taken_name_shows_the_error(client, staff_admin):
    make_workflow("greeter")
    client.force_login(staff_admin)
    response = client.post(ADD, {"name": "greeter", "labels": "{}", "yaml_text": FINISHING_SPEC})
    assert "already exists" in response.content.decode()
    assert Workflow.objects.count() == 1


def test_changing_the_yaml_makes_a_new_revision(client, staff_admin):
    workflow = make_workflow("greeter")
    client.force_login(staff_admin)
    new_spec = FINISHING_SPEC.replace("Hello, ", "Hi, ")

    form = client.get(f"/admin/executions/workflow/{workflow.pk}/change/").content.decode()
    response = client.post(
        f"/admin/executions/workflow/{workflow.pk}/change/",
        {"name": "greeter", "description": "", "labels": "{}", "yaml_text": new_spec},
    )

    assert "start: hello" in form
    assert response.status_code == 302
    workflow.refresh_from_db()
    assert workflow.current_revision.number == 2
    assert workflow.current_revision.yaml_text == new_spec
    assert AuditEvent.objects.get(action="workflow.update").source == "admin"


def test_workflows_are_not_deleted_from_the_admin(client, staff_admin):
    workflow = make_workflow("greeter")
    client.force_login(staff_admin)
    assert client.post(f"/admin/executions/workflow/{workflow.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Workflow.objects.count() == 1


def test_saving_an_untouched_spec_from_a_browser_keeps_the_revision(client, staff_admin):
    workflow = make_workflow("greeter")
    client.force_login(staff_admin)

    client.post(
        f"/admin/executions/workflow/{workflow.pk}/change/",
        {
            "name": "greeter",
            "description": "now described",
            "labels": "{}",
            "yaml_text": FINISHING_SPEC.replace("\n", "\r\n"),
        },
    )

    workflow.refresh_from_db()
    assert workflow.description == "now described"
    assert workflow.current_revision.number == 1
