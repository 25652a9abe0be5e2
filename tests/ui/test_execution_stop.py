from __future__ import annotations

from executions.models import AuditEvent, Execution
from tests.conftest import FINISHING_SPEC, WAITING_SPEC, make_workflow
from tests.ui.helpers import ENGINE_DB, htmx, start_execution

pytestmark = ENGINE_DB


def test_it_stops_a_waiting_execution(client, operator):
    execution = start_execution(make_workflow("sleeper", WAITING_SPEC))
    client.force_login(operator)

    response = client.post(f"/executions/{execution.pk}/stop/", follow=True)

    content = response.content.decode()
    assert response.redirect_chain == [(f"/executions/{execution.pk}/", 302)]
    assert 'badge--stopped">STOPPED' in content
    assert "Stop requested." in content
    assert "user:olga" in content
    assert AuditEvent.objects.get(action="stop").source == "ui"


def test_it_gives_htmx_the_refreshed_status_panel(client, operator):
    execution = start_execution(make_workflow("sleeper", WAITING_SPEC))
    client.force_login(operator)

    response = client.post(f"/executions/{execution.pk}/stop/", headers=htmx())

    content = response.content.decode()
    assert response.status_code == 200
    assert content.lstrip().startswith('<section id="status-panel"')
    assert 'badge--stopped">STOPPED' in content
    assert "data-live-poll" not in content


def test_it_refuses_to_stop_a_finished_execution_with_an_inline_409(client, operator):
    execution = start_execution(make_workflow("greeter", FINISHING_SPEC), {"name": "Ada"})
    client.force_login(operator)

    response = client.post(f"/executions/{execution.pk}/stop/")

    assert response.status_code == 409
    content = response.content.decode()
    assert "Cannot stop an execution that is FINISHED" in content
    assert 'badge--finished">FINISHED' in content
    execution.refresh_from_db()
    assert execution.status == "FINISHED"
    assert execution.cancelled_by == ""
    assert not AuditEvent.objects.filter(action="stop").exists()


def test_it_shows_the_refusal_inside_the_panel_for_htmx(client, operator):
    execution = start_execution(make_workflow("greeter", FINISHING_SPEC), {"name": "Ada"})
    client.force_login(operator)

    response = client.post(f"/executions/{execution.pk}/stop/", headers=htmx())

    assert response.status_code == 409
    content = response.content.decode()
    assert content.lstrip().startswith('<section id="status-panel"')
    assert "Cannot stop an execution that is FINISHED" in content


def test_it_refuses_a_viewer_and_changes_nothing(client, viewer):
    execution = start_execution(make_workflow("sleeper", WAITING_SPEC))
    client.force_login(viewer)

    response = client.post(f"/executions/{execution.pk}/stop/")

    assert response.status_code == 403
    assert "may view executions but not" in response.content.decode()
    execution.refresh_from_db()
    assert execution.status == "RUNNING"
    assert not execution.stop_requested
    assert not AuditEvent.objects.filter(action="stop").exists()


def test_it_answers_an_unknown_execution_with_a_404(client, operator):
    client.force_login(operator)
    assert client.post("/executions/01jzzzzzzzzzzzzzzzzzzzzzzz/stop/").status_code == 404


def test_it_answers_get_with_method_not_allowed(client, operator):
    execution = start_execution(make_workflow("sleeper", WAITING_SPEC))
    client.force_login(operator)
    assert client.get(f"/executions/{execution.pk}/stop/").status_code == 405
    assert Execution.objects.get().status == "RUNNING"
