from __future__ import annotations

import pytest

from executions import services
from executions.models import AuditEvent, Workflow, WorkflowRevision
from tests.api.conftest import error_of
from tests.conftest import actor_for, make_workflow

pytestmark = pytest.mark.django_db


def test_an_admin_deletes_a_workflow_without_executions(admin_api):
    workflow = make_workflow("greeter")

    response = admin_api.delete(f"/api/v1/workflows/{workflow.pk}/")

    assert response.status_code == 204
    assert not Workflow.objects.exists() and not WorkflowRevision.objects.exists()
    event = AuditEvent.objects.get(action="workflow.delete")
    assert event.target_id == workflow.pk and event.source == "api"


def test_a_workflow_with_executions_is_a_409_and_stays(admin_user, admin_api):
    workflow = make_workflow("greeter")
    services.execution_start(actor=actor_for(admin_user), workflow=workflow, input={})

    response = admin_api.delete(f"/api/v1/workflows/{workflow.pk}/")

    assert response.status_code == 409
    assert "executions" in error_of(response)["message"]
    assert Workflow.objects.filter(pk=workflow.pk).exists()
    assert not AuditEvent.objects.filter(action="workflow.delete").exists()


def test_an_unknown_workflow_is_a_404(admin_api):
    response = admin_api.delete("/api/v1/workflows/nosuchworkflow/")

    assert response.status_code == 404


def test_an_operator_may_not_delete_workflows(operator_api):
    workflow = make_workflow("greeter")

    response = operator_api.delete(f"/api/v1/workflows/{workflow.pk}/")

    assert response.status_code == 403
    assert Workflow.objects.filter(pk=workflow.pk).exists()
