from __future__ import annotations

import pytest

from executions import services
from executions.models import AuditEvent, Execution
from tests.api.conftest import error_of, with_engine
from tests.conftest import FINISHING_SPEC, actor_for, make_workflow

pytestmark = pytest.mark.django_db

# Fails unless the input has a list of numbers: a retry with a replacement input can fix it.
ADDING_SPEC = """\
yawl: "0.1"
start: add
steps:
  add:
    functionCall:
      functionId: sum
"""


def start(user, spec: str = ADDING_SPEC, input: dict | None = None) -> Execution:
    workflow = make_workflow("adder", spec)
    execution = services.execution_start(actor=actor_for(user), workflow=workflow, input=input or {"numbers": "x"})
    execution.refresh_from_db()
    return execution


@with_engine
def test_retrying_keeps_the_input_when_none_is_given(operator, operator_api):
    execution = start(operator)
    assert execution.status == "FAILED"

    response = operator_api.post(f"/api/v1/executions/{execution.pk}/retry/", {"reason": "flaky"}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "failed"
    assert body["retry_count"] == 1
    event = AuditEvent.objects.get(action="retry", target_id=execution.pk)
    assert (event.source, event.reason) == ("api", "flaky")


@with_engine
def test_a_replacement_input_is_given_to_the_steps_that_run_again(operator, operator_api):
    execution = start(operator)

    response = operator_api.post(
        f"/api/v1/executions/{execution.pk}/retry/", {"input": {"numbers": [1, 2]}}, format="json"
    )

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "completed"
    assert body["result"] == {"sum": 3}
    assert body["retry_count"] == 1
    assert body["error"] is None


@with_engine
def test_retrying_a_completed_execution_is_a_409_that_changes_nothing(operator, operator_api):
    execution = start(operator, FINISHING_SPEC, {"name": "Ada"})
    audit_before = AuditEvent.objects.count()

    response = operator_api.post(f"/api/v1/executions/{execution.pk}/retry/")

    assert response.status_code == 409
    assert error_of(response)["message"] == "cannot retry an execution that is completed"
    execution.refresh_from_db()
    assert execution.retry_count == 0
    assert AuditEvent.objects.count() == audit_before


@with_engine
def test_a_replacement_input_that_is_too_big_is_a_400_that_changes_nothing(operator, operator_api, settings):
    execution = start(operator)
    settings.WORKFLOWS_MAX_DATA_BYTES = 1024

    response = operator_api.post(
        f"/api/v1/executions/{execution.pk}/retry/", {"input": {"big": "x" * 2000}}, format="json"
    )

    assert response.status_code == 400
    execution.refresh_from_db()
    assert (execution.status, execution.retry_count) == ("FAILED", 0)


@with_engine
def test_a_viewer_may_not_retry(operator, viewer_api):
    execution = start(operator)

    response = viewer_api.post(f"/api/v1/executions/{execution.pk}/retry/")

    assert response.status_code == 403
    execution.refresh_from_db()
    assert execution.retry_count == 0


def test_an_unknown_field_is_a_400(operator_api):
    response = operator_api.post("/api/v1/executions/01hzzzzzzzzzzzzzzzzzzzzzzz/retry/", {"inputs": {}}, format="json")

    assert response.status_code == 400


def test_retrying_an_unknown_execution_is_a_404(operator_api):
    assert operator_api.post("/api/v1/executions/01hzzzzzzzzzzzzzzzzzzzzzzz/retry/").status_code == 404
