from __future__ import annotations

import pytest

from executions import services
from executions.models import AuditEvent, Execution
from tests.api.conftest import error_of, with_engine
from tests.conftest import WAITING_SPEC, actor_for, make_workflow

pytestmark = pytest.mark.django_db


def start(user) -> Execution:
    workflow = make_workflow("sleeper", WAITING_SPEC)
    return services.execution_start(actor=actor_for(user), workflow=workflow, input={})


@with_engine
def test_an_operator_resumes_a_paused_execution(operator, operator_api):
    execution = start(operator)
    services.execution_pause(actor=actor_for(operator), execution_id=execution.pk)

    response = operator_api.post(f"/api/v1/executions/{execution.pk}/resume/")

    assert response.status_code == 200
    assert response.json()["status"] == "running"
    execution.refresh_from_db()
    assert not execution.pause_requested
    assert AuditEvent.objects.get(action="resume", target_id=execution.pk).source == "api"


@with_engine
def test_resuming_a_running_execution_is_a_409(operator, operator_api):
    execution = start(operator)
    audit_before = AuditEvent.objects.count()

    response = operator_api.post(f"/api/v1/executions/{execution.pk}/resume/")

    assert response.status_code == 409
    assert error_of(response)["message"] == "cannot resume an execution that is running"
    assert AuditEvent.objects.count() == audit_before


@with_engine
def test_a_viewer_may_not_resume(operator, viewer_api):
    execution = start(operator)
    services.execution_pause(actor=actor_for(operator), execution_id=execution.pk)

    response = viewer_api.post(f"/api/v1/executions/{execution.pk}/resume/")

    assert response.status_code == 403
    execution.refresh_from_db()
    assert execution.status == "PAUSED"


def test_resuming_an_unknown_execution_is_a_404(operator_api):
    assert operator_api.post("/api/v1/executions/01hzzzzzzzzzzzzzzzzzzzzzzz/resume/").status_code == 404
