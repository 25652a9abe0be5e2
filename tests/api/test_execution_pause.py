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
def test_an_operator_pauses_a_running_execution(operator, operator_api):
    execution = start(operator)

    response = operator_api.post(f"/api/v1/executions/{execution.pk}/pause/", {"reason": "hold on"}, format="json")

    assert response.status_code == 200
    assert response.json()["status"] == "paused"
    event = AuditEvent.objects.get(action="pause", target_id=execution.pk)
    assert (event.source, event.reason, event.actor) == ("api", "hold on", "token:tests (olga)")


def test_pausing_a_queued_execution_is_a_409_naming_its_status(operator, operator_api):
    execution = start(operator)

    response = operator_api.post(f"/api/v1/executions/{execution.pk}/pause/")

    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "illegal_transition"
    assert error["message"] == "cannot pause an execution that is queued"
    execution.refresh_from_db()
    assert execution.status == "QUEUED" and not execution.pause_requested


@with_engine
def test_pausing_a_completed_execution_is_a_409(operator, operator_api):
    execution = start(operator, FINISHING_SPEC)

    response = operator_api.post(f"/api/v1/executions/{execution.pk}/pause/")

    assert response.status_code == 409
    assert error_of(response)["message"] == "cannot pause an execution that is completed"


@with_engine
def test_a_viewer_may_not_pause(operator, viewer_api):
    execution = start(operator)

    response = viewer_api.post(f"/api/v1/executions/{execution.pk}/pause/")

    assert response.status_code == 403
    execution.refresh_from_db()
    assert execution.status == "RUNNING"


def test_a_read_scope_token_of_an_operator_may_not_pause(operator):
    execution = start(operator)

    response = client_with(token_for(operator, "read")).post(f"/api/v1/executions/{execution.pk}/pause/")

    assert response.status_code == 403


def test_pausing_an_unknown_execution_is_a_404(operator_api):
    response = operator_api.post("/api/v1/executions/01hzzzzzzzzzzzzzzzzzzzzzzz/pause/")

    assert response.status_code == 404


def test_a_reason_that_is_not_text_is_a_400(operator, operator_api):
    execution = start(operator)

    response = operator_api.post(f"/api/v1/executions/{execution.pk}/pause/", {"reason": [1]}, format="json")

    assert response.status_code == 400
    assert error_of(response)["details"][0]["field"] == "reason"
