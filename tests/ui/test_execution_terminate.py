from __future__ import annotations

from executions.models import AuditEvent, HistoryEntry
from tests.conftest import FAILING_SPEC, WAITING_SPEC, make_workflow
from tests.ui.helpers import ENGINE_DB, start_execution

pytestmark = ENGINE_DB


def test_it_terminates_a_waiting_execution(client, operator):
    execution = start_execution(make_workflow("sleeper", WAITING_SPEC))
    client.force_login(operator)

    response = client.post(f"/executions/{execution.pk}/terminate/", follow=True)

    content = response.content.decode()
    assert 'badge--stopped">STOPPED' in content
    assert "Execution terminated." in content
    assert 'badge--cancelled">CANCELLED' in content
    assert HistoryEntry.objects.get(step_id="nap").status == "CANCELLED"
    assert AuditEvent.objects.get(action="terminate").actor == "user:olga"


def test_it_refuses_to_terminate_a_failed_execution_with_an_inline_409(client, operator):
    execution = start_execution(make_workflow("checker", FAILING_SPEC), {"order_id": 1})
    client.force_login(operator)

    response = client.post(f"/executions/{execution.pk}/terminate/")

    assert response.status_code == 409
    assert "Cannot terminate an execution that is FAILED" in response.content.decode()
    execution.refresh_from_db()
    assert execution.status == "FAILED"


def test_it_refuses_a_viewer_and_changes_nothing(client, viewer):
    execution = start_execution(make_workflow("sleeper", WAITING_SPEC))
    client.force_login(viewer)

    response = client.post(f"/executions/{execution.pk}/terminate/")

    assert response.status_code == 403
    execution.refresh_from_db()
    assert execution.status == "RUNNING"
