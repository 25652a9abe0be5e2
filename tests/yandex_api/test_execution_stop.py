from __future__ import annotations

import pytest
from yandex.cloud.serverless.workflows.v1 import execution_service_pb2 as pb

from executions import services
from executions.models import AuditEvent, Execution
from tests.api.conftest import with_engine
from tests.conftest import FINISHING_SPEC, WAITING_SPEC, actor_for, make_workflow
from tests.yandex_api.conftest import assert_message, rpc_error, yandex_client

pytestmark = pytest.mark.django_db


def start(user, spec: str = WAITING_SPEC) -> Execution:
    return services.execution_start(actor=actor_for(user), workflow=make_workflow("sleeper", spec), input={})


@with_engine
def test_it_stops_a_running_execution(operator, operator_api):
    execution = start(operator)
    assert Execution.objects.get(pk=execution.pk).status == "RUNNING"

    response = operator_api.post(f"/workflows/v1/execution/{execution.pk}/stop")

    assert response.status_code == 200
    assert_message(response.json(), pb.StopExecutionResponse)
    assert response.json() == {"executionId": execution.pk}
    execution.refresh_from_db()
    assert execution.status == "STOPPED" and execution.cancelled_by == "token:tests (olga)"
    assert AuditEvent.objects.get(action="stop", target_id=execution.pk).source == "yandex-api"


def test_it_stops_a_queued_execution(operator, operator_api):
    execution = start(operator)

    response = operator_api.post(f"/workflows/v1/execution/{execution.pk}/stop")

    assert response.status_code == 200
    execution.refresh_from_db()
    assert execution.status == "STOPPED"


@with_engine
def test_stopping_a_finished_execution_is_failed_precondition_and_changes_nothing(operator, operator_api):
    execution = start(operator, FINISHING_SPEC)
    audit_before = AuditEvent.objects.count()

    response = operator_api.post(f"/workflows/v1/execution/{execution.pk}/stop")

    assert rpc_error(response, 9, 400) == "cannot stop an execution that is FINISHED"
    execution.refresh_from_db()
    assert execution.status == "FINISHED" and execution.cancelled_at is None
    assert AuditEvent.objects.count() == audit_before


def test_an_unknown_execution_is_not_found(operator_api):
    response = operator_api.post("/workflows/v1/execution/01hzzzzzzzzzzzzzzzzzzzzzzz/stop")

    assert rpc_error(response, 5, 404) == "execution 01hzzzzzzzzzzzzzzzzzzzzzzz not found"


def test_a_viewer_may_not_stop(operator, viewer_api):
    execution = start(operator)

    response = viewer_api.post(f"/workflows/v1/execution/{execution.pk}/stop")

    assert "operator role" in rpc_error(response, 7, 403)
    execution.refresh_from_db()
    assert execution.status == "QUEUED" and not execution.stop_requested


def test_an_operator_token_with_read_scope_may_not_stop(operator):
    execution = start(operator)

    response = yandex_client(operator, "read").post(f"/workflows/v1/execution/{execution.pk}/stop")

    rpc_error(response, 7, 403)
