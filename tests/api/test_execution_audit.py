from __future__ import annotations

import pytest

from executions import services
from tests.api.conftest import client_with, error_of, token_for
from tests.conftest import WAITING_SPEC, actor_for, make_workflow

pytestmark = pytest.mark.django_db


def test_an_executions_audit_trail_is_oldest_first(operator, operator_api, viewer_api):
    workflow = make_workflow("sleeper", WAITING_SPEC)
    execution = services.execution_start(actor=actor_for(operator, "ui"), workflow=workflow, input={})
    operator_api.post(f"/api/v1/executions/{execution.pk}/stop/", {"reason": "not needed"}, format="json")

    response = viewer_api.get(f"/api/v1/executions/{execution.pk}/audit/")

    assert response.status_code == 200
    body = response.json()
    assert body["execution_id"] == execution.pk
    assert [(event["action"], event["source"]) for event in body["events"]] == [("start", "ui"), ("stop", "api")]
    assert body["events"][1]["actor"] == "token:tests (olga)"
    assert body["events"][1]["reason"] == "not needed"
    assert body["events"][0]["details"]["workflow"] == "sleeper"


def test_an_unknown_execution_is_a_404(viewer_api):
    response = viewer_api.get("/api/v1/executions/01hzzzzzzzzzzzzzzzzzzzzzzz/audit/")

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_someone_without_a_role_may_not_read_it(operator, outsider):
    workflow = make_workflow("sleeper", WAITING_SPEC)
    execution = services.execution_start(actor=actor_for(operator), workflow=workflow, input={})

    response = client_with(token_for(outsider, "read")).get(f"/api/v1/executions/{execution.pk}/audit/")

    assert response.status_code == 403
