from __future__ import annotations

import pytest
from yandex.cloud.serverless.workflows.v1 import execution_service_pb2 as pb

from executions import services
from executions.models import AuditEvent, Execution
from tests.api.conftest import with_engine
from tests.conftest import FAILING_SPEC, WAITING_SPEC, actor_for, make_workflow
from tests.yandex_api.conftest import assert_message, rpc_error

pytestmark = pytest.mark.django_db


def start(user, spec: str = WAITING_SPEC) -> Execution:
    return services.execution_start(actor=actor_for(user), workflow=make_workflow("sleeper", spec), input={})


@with_engine
def test_it_terminates_a_running_execution_at_once(operator, operator_api):
    execution = start(operator)

    response = operator_api.post(f"/workflows/v1/execution/{execution.pk}/terminate")

    assert response.status_code == 200
    assert_message(response.json(), pb.TerminateExecutionResponse)
    assert response.json() == {"executionId": execution.pk}
    execution.refresh_from_db()
    assert execution.status == "STOPPED" and execution.terminate_requested
    assert AuditEvent.objects.get(action="terminate", target_id=execution.pk).source == "yandex-api"


@with_engine
def test_terminating_a_failed_execution_is_failed_precondition(operator, operator_api):
    execution = start(operator, FAILING_SPEC)

    response = operator_api.post(f"/workflows/v1/execution/{execution.pk}/terminate")

    assert rpc_error(response, 9, 400) == "cannot terminate an execution that is FAILED"
    assert not AuditEvent.objects.filter(action="terminate").exists()


def test_an_unknown_execution_is_not_found(operator_api):
    response = operator_api.post("/workflows/v1/execution/nope/terminate")

    rpc_error(response, 5, 404)


def test_a_viewer_may_not_terminate(operator, viewer_api):
    execution = start(operator)

    response = viewer_api.post(f"/workflows/v1/execution/{execution.pk}/terminate")

    rpc_error(response, 7, 403)
    execution.refresh_from_db()
    assert execution.status == "QUEUED"
