from __future__ import annotations

import pytest

from executions import services
from executions.models import AuditEvent, Execution
from tests.api.conftest import client_with, error_of, token_for, with_engine
from tests.conftest import FINISHING_SPEC, WAITING_SPEC, actor_for, make_workflow

pytestmark = pytest.mark.django_db


def start(user, spec: str = WAITING_SPEC) -> Execution:
    workflow = make_workflow("sleeper", spec)
    return services.execution_start(actor=actor_for(user), workflow=workflow, input={})


@with_engine
def test_stopping_a_waiting_execution_cancels_it(operator, operator_api):
    execution = start(operator)
    assert operator_api.get(f"/api/v1/executions/{execution.pk}/").json()["status"] == "running"

    url = f"/api/v1/executions/{execution.pk}/stop/"

    response = operator_api.post(url, {"reason": "not needed"}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "cancelled"
    assert body["cancelled_by"] == "token:tests (olga)"
    assert body["cancelled_at"] is not None
    event = AuditEvent.objects.get(action="stop", target_id=execution.pk)
    assert event.reason == "not needed" and event.source == "api"


def test_stopping_a_queued_execution_needs_no_body(operator, operator_api):
    execution = start(operator)

    response = operator_api.post(f"/api/v1/executions/{execution.pk}/stop/")

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"


@with_engine
def test_stopping_a_finished_execution_is_a_409_that_changes_nothing(operator, operator_api):
    execution = start(operator, FINISHING_SPEC)
    audit_before = AuditEvent.objects.count()

    response = operator_api.post(f"/api/v1/executions/{execution.pk}/stop/")

    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "illegal_transition"
    assert error["message"] == "cannot stop an execution that is completed"
    execution.refresh_from_db()
    assert execution.status == "FINISHED" and execution.cancelled_at is None
    assert AuditEvent.objects.count() == audit_before


def test_a_viewer_cannot_stop(operator, viewer_api):
    execution = start(operator)

    response = viewer_api.post(f"/api/v1/executions/{execution.pk}/stop/")

    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"
    execution.refresh_from_db()
    assert execution.status == "QUEUED"


def test_a_read_scope_token_cannot_stop_but_can_read(operator):
    execution = start(operator)
    client = client_with(token_for(operator, "read"))

    assert client.get(f"/api/v1/executions/{execution.pk}/").status_code == 200
    response = client.post(f"/api/v1/executions/{execution.pk}/stop/")

    assert response.status_code == 403
    execution.refresh_from_db()
    assert execution.status == "QUEUED"


def test_stopping_an_unknown_execution_is_a_404(operator_api):
    response = operator_api.post("/api/v1/executions/01hzzzzzzzzzzzzzzzzzzzzzzz/stop/")

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_a_reason_that_is_not_text_is_a_400(operator, operator_api):
    execution = start(operator)

    url = f"/api/v1/executions/{execution.pk}/stop/"

    response = operator_api.post(url, {"reason": {"a": 1}}, format="json")

    assert response.status_code == 400
    assert error_of(response)["details"][0]["field"] == "reason"
    execution.refresh_from_db()
    assert execution.status == "QUEUED"


def test_get_is_not_allowed_on_stop(operator, operator_api):
    execution = start(operator)

    response = operator_api.get(f"/api/v1/executions/{execution.pk}/stop/")

    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"
