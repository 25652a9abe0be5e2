from __future__ import annotations

from executions.models import AuditEvent, Execution
from tests.conftest import FINISHING_SPEC, WAITING_SPEC, make_workflow
from tests.ui.helpers import ENGINE_DB, start_execution

pytestmark = ENGINE_DB

CHANGELIST = "/admin/executions/execution/"


def run_action(client, action: str, *executions: Execution):
    data = {"action": action, "_selected_action": [e.pk for e in executions], "index": 0}
    return client.post(CHANGELIST, data, follow=True)


def test_it_lists_executions_with_workflow_and_status(client, staff_admin):
    execution = start_execution(make_workflow("sleeper", WAITING_SPEC))
    client.force_login(staff_admin)

    content = client.get(CHANGELIST).content.decode()

    assert execution.pk in content
    assert "sleeper" in content
    assert "Running" in content


def test_the_stop_action_stops_a_waiting_execution(client, staff_admin):
    execution = start_execution(make_workflow("sleeper", WAITING_SPEC))
    client.force_login(staff_admin)

    response = run_action(client, "stop_executions", execution)

    execution.refresh_from_db()
    assert execution.status == "STOPPED"
    assert "Asked 1 execution(s) to stop." in response.content.decode()
    event = AuditEvent.objects.get(action="stop")
    assert (event.actor, event.source) == ("user:ada", "admin")


def test_the_stop_action_reports_an_illegal_stop_and_goes_on(client, staff_admin):
    finished = start_execution(make_workflow("greeter", FINISHING_SPEC), {"name": "Ada"})
    waiting = start_execution(make_workflow("sleeper", WAITING_SPEC))
    client.force_login(staff_admin)

    response = run_action(client, "stop_executions", finished, waiting)

    content = response.content.decode()
    assert response.status_code == 200
    assert f"Not stopped: {finished.pk}: cannot stop an execution that is FINISHED" in content
    assert "Asked 1 execution(s) to stop." in content
    finished.refresh_from_db()
    waiting.refresh_from_db()
    assert (finished.status, waiting.status) == ("FINISHED", "STOPPED")


def test_the_terminate_action_terminates(client, staff_admin):
    execution = start_execution(make_workflow("sleeper", WAITING_SPEC))
    client.force_login(staff_admin)

    response = run_action(client, "terminate_executions", execution)

    execution.refresh_from_db()
    assert execution.status == "STOPPED"
    assert "Terminated 1 execution(s)." in response.content.decode()


def test_a_viewer_gets_no_actions_and_cannot_run_them(client, staff_viewer):
    execution = start_execution(make_workflow("sleeper", WAITING_SPEC))
    client.force_login(staff_viewer)

    assert "stop_executions" not in client.get(CHANGELIST).content.decode()
    run_action(client, "stop_executions", execution)

    execution.refresh_from_db()
    assert execution.status == "RUNNING"


def test_executions_cannot_be_added_changed_or_deleted(client, staff_admin):
    execution = start_execution(make_workflow("sleeper", WAITING_SPEC))
    client.force_login(staff_admin)

    assert client.get(f"{CHANGELIST}add/").status_code == 403
    change_page = client.get(f"{CHANGELIST}{execution.pk}/change/")
    assert change_page.status_code == 200
    assert 'name="status"' not in change_page.content.decode()
    client.post(f"{CHANGELIST}{execution.pk}/change/", {"status": "FINISHED"})
    assert client.post(f"{CHANGELIST}{execution.pk}/delete/", {"post": "yes"}).status_code == 403
    execution.refresh_from_db()
    assert execution.status == "RUNNING"


def test_the_change_page_shows_input_escaped_and_links_the_history(client, staff_admin):
    execution = start_execution(make_workflow("sleeper", WAITING_SPEC), {"who": "<b>me</b>"})
    client.force_login(staff_admin)

    content = client.get(f"{CHANGELIST}{execution.pk}/change/").content.decode()

    assert "&lt;b&gt;me&lt;/b&gt;" in content
    assert f"/admin/executions/historyentry/?execution__id__exact={execution.pk}" in content
    assert f'href="/executions/{execution.pk}/"' in content
