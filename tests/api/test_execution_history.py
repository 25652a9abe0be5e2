from __future__ import annotations

import pytest

from executions import services
from tests.api.conftest import error_of, with_engine
from tests.conftest import FAILING_SPEC, FINISHING_SPEC, actor_for, make_workflow

pytestmark = pytest.mark.django_db

ENTRY_FIELDS = {
    "run_id",
    "parent_run_id",
    "step_id",
    "path",
    "title",
    "type",
    "status",
    "input",
    "output",
    "error",
    "attempts",
    "last_error",
    "scheduled_at",
    "started_at",
    "finished_at",
    "next_attempt_at",
    "child_execution_id",
}


@with_engine
def test_it_lists_the_step_runs_in_order(operator, viewer_api):
    workflow = make_workflow("greeter", FINISHING_SPEC)
    execution = services.execution_start(actor=actor_for(operator), workflow=workflow, input={"name": "Ada"})

    response = viewer_api.get(f"/api/v1/executions/{execution.pk}/history/")

    assert response.status_code == 200
    body = response.json()
    assert body["execution_id"] == execution.pk
    entries = body["entries"]
    assert [(e["step_id"], e["type"], e["status"]) for e in entries] == [
        ("hello", "NoOp", "completed"),
        ("done", "Success", "completed"),
    ]
    assert set(entries[0]) == ENTRY_FIELDS
    assert entries[0]["run_id"] < entries[1]["run_id"]
    assert entries[0]["parent_run_id"] is None
    assert entries[0]["output"] == {"greeting": "Hello, Ada"}
    assert entries[0]["attempts"] == 1
    assert entries[0]["error"] is None and entries[0]["last_error"] is None


@with_engine
def test_a_failed_step_shows_its_error(operator, viewer_api):
    workflow = make_workflow("checker", FAILING_SPEC)
    execution = services.execution_start(actor=actor_for(operator), workflow=workflow, input={"order_id": 7})

    [entry] = viewer_api.get(f"/api/v1/executions/{execution.pk}/history/").json()["entries"]

    assert entry["status"] == "failed"
    assert entry["error"] == {"code": "STEP_FAIL", "message": "order 7 is invalid"}


def test_a_queued_execution_has_no_history_yet(operator, viewer_api):
    workflow = make_workflow()
    execution = services.execution_start(actor=actor_for(operator), workflow=workflow, input={})

    body = viewer_api.get(f"/api/v1/executions/{execution.pk}/history/").json()

    assert body["entries"] == []


def test_it_answers_404_for_an_unknown_execution(viewer_api):
    response = viewer_api.get("/api/v1/executions/01hzzzzzzzzzzzzzzzzzzzzzzz/history/")

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"
