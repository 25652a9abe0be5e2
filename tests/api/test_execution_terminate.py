from __future__ import annotations

import pytest

from executions import services
from executions.models import HistoryEntry
from tests.api.conftest import error_of, with_engine
from tests.conftest import FAILING_SPEC, WAITING_SPEC, actor_for, make_workflow

pytestmark = pytest.mark.django_db


@with_engine
def test_terminating_a_waiting_execution_cancels_it_and_its_step(operator, operator_api):
    workflow = make_workflow("sleeper", WAITING_SPEC)
    execution = services.execution_start(actor=actor_for(operator), workflow=workflow, input={})

    url = f"/api/v1/executions/{execution.pk}/terminate/"

    response = operator_api.post(url, {"reason": "stuck"}, format="json")

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert HistoryEntry.objects.get(execution=execution, step_id="nap").status == "CANCELLED"


@with_engine
def test_terminating_a_failed_execution_is_a_409(operator, operator_api):
    workflow = make_workflow("checker", FAILING_SPEC)
    execution = services.execution_start(actor=actor_for(operator), workflow=workflow, input={"order_id": 1})

    response = operator_api.post(f"/api/v1/executions/{execution.pk}/terminate/")

    assert response.status_code == 409
    assert error_of(response)["message"] == "cannot terminate an execution that is failed"


def test_a_viewer_cannot_terminate(operator, viewer_api):
    workflow = make_workflow("sleeper", WAITING_SPEC)
    execution = services.execution_start(actor=actor_for(operator), workflow=workflow, input={})

    response = viewer_api.post(f"/api/v1/executions/{execution.pk}/terminate/")

    assert response.status_code == 403
