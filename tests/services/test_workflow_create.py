from __future__ import annotations

import pytest

from executions import services
from executions.actors import Actor
from executions.errors import Conflict, InvalidInput
from executions.models import AuditEvent, Workflow, WorkflowRevision
from tests.conftest import FINISHING_SPEC, WAITING_SPEC, make_workflow

pytestmark = pytest.mark.django_db
ACTOR = Actor(label="user:test", source="api")

BROKEN_SPEC = """\
yawl: "0.1"
start: first
steps:
  first:
    noOp:
      next: nowhere
"""


def test_it_creates_a_workflow_with_its_first_revision():
    workflow = services.workflow_create(actor=ACTOR, name="greeter", yaml_text=FINISHING_SPEC)
    assert workflow.current_revision.number == 1
    assert workflow.current_revision.yaml_text == FINISHING_SPEC
    assert AuditEvent.objects.filter(action="workflow.create", target_id=workflow.pk, actor="user:test").exists()


def test_it_rejects_an_invalid_spec_with_line_and_column_and_writes_nothing():
    with pytest.raises(InvalidInput) as caught:
        services.workflow_create(actor=ACTOR, name="broken", yaml_text=BROKEN_SPEC)
    assert any(d["line"] == 6 and "nowhere" in d["message"] for d in caught.value.details), caught.value.details
    assert not Workflow.objects.exists()
    assert not WorkflowRevision.objects.exists()
    assert not AuditEvent.objects.exists()


def test_it_rejects_malformed_yaml_with_its_position():
    with pytest.raises(InvalidInput) as caught:
        services.workflow_create(actor=ACTOR, name="broken", yaml_text="yawl: '0.1'\nsteps: [\n")
    assert caught.value.details and caught.value.details[0]["line"] is not None
    assert not Workflow.objects.exists()


@pytest.mark.parametrize("name", ["", "Upper", "1starts-with-digit", "ends-with-", "a" * 64, "under_score"])
def test_it_rejects_names_yandex_would_reject(name):
    with pytest.raises(InvalidInput):
        services.workflow_create(actor=ACTOR, name=name, yaml_text=FINISHING_SPEC)
    assert not Workflow.objects.exists()


def test_it_refuses_a_taken_name():
    make_workflow("greeter")
    with pytest.raises(Conflict):
        services.workflow_create(actor=ACTOR, name="greeter", yaml_text=FINISHING_SPEC)
    assert Workflow.objects.count() == 1


def test_an_update_adds_a_revision_and_keeps_the_old_one():
    workflow = make_workflow("greeter")
    services.workflow_update(actor=ACTOR, workflow=workflow, yaml_text=WAITING_SPEC)
    workflow.refresh_from_db()
    assert workflow.current_revision.number == 2
    assert list(workflow.revisions.order_by("number").values_list("number", flat=True)) == [1, 2]


def test_an_invalid_update_changes_nothing():
    workflow = make_workflow("greeter")
    with pytest.raises(InvalidInput):
        services.workflow_update(actor=ACTOR, workflow=workflow, yaml_text=BROKEN_SPEC, description="new")
    workflow.refresh_from_db()
    assert workflow.current_revision.number == 1
    assert workflow.description == ""
