from __future__ import annotations

from executions.models import HistoryEntry
from tests.conftest import FAILING_SPEC, FINISHING_SPEC, WAITING_SPEC, make_workflow
from tests.ui.helpers import ENGINE_DB, htmx, start_execution

pytestmark = ENGINE_DB


def test_it_shows_a_finished_execution_with_its_result_and_history(client, viewer):
    execution = start_execution(make_workflow("greeter", FINISHING_SPEC), {"name": "Ada"}, user=viewer)
    client.force_login(viewer)

    response = client.get(f"/executions/{execution.pk}/")

    content = response.content.decode()
    assert response.status_code == 200
    assert 'badge--finished">FINISHED' in content
    assert "revision 1" in content
    assert "user:victor" in content
    assert "&quot;greeting&quot;: &quot;Hello, Ada&quot;" in content
    assert [row.path for row in response.context["history"]] == ["hello", "done"]
    assert 'badge--completed">COMPLETED' in content
    assert ">start</span>" in content  # the audit trail


def test_it_shows_a_failed_execution_with_its_error(client, viewer):
    execution = start_execution(make_workflow("checker", FAILING_SPEC), {"order_id": "A-1"})
    client.force_login(viewer)

    content = client.get(f"/executions/{execution.pk}/").content.decode()

    assert 'badge--failed">FAILED' in content
    assert "STEP_FAIL" in content
    assert "order A-1 is invalid" in content


def test_it_escapes_markup_in_payloads(client, viewer):
    payload = {"name": "<script>alert(1)</script>"}
    execution = start_execution(make_workflow("greeter", FINISHING_SPEC), payload)
    client.force_login(viewer)

    content = client.get(f"/executions/{execution.pk}/").content.decode()

    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content


def test_it_pretty_prints_the_input(client, viewer):
    execution = start_execution(make_workflow("greeter", FINISHING_SPEC), {"name": "Ada", "tier": "gold"})
    client.force_login(viewer)
    content = client.get(f"/executions/{execution.pk}/").content.decode()
    assert "{\n  &quot;name&quot;: &quot;Ada&quot;,\n  &quot;tier&quot;: &quot;gold&quot;\n}" in content


def test_it_offers_stop_and_terminate_to_an_operator_while_running(client, operator):
    execution = start_execution(make_workflow("sleeper", WAITING_SPEC))
    client.force_login(operator)

    content = client.get(f"/executions/{execution.pk}/").content.decode()

    assert 'badge--running">RUNNING' in content
    assert f'action="/executions/{execution.pk}/stop/"' in content
    assert f'action="/executions/{execution.pk}/terminate/"' in content


def test_it_offers_no_buttons_to_a_viewer(client, viewer):
    execution = start_execution(make_workflow("sleeper", WAITING_SPEC))
    client.force_login(viewer)
    content = client.get(f"/executions/{execution.pk}/").content.decode()
    assert "/stop/" not in content
    assert "/terminate/" not in content


def test_it_offers_no_buttons_once_finished(client, operator):
    execution = start_execution(make_workflow("greeter", FINISHING_SPEC), {"name": "Ada"})
    client.force_login(operator)
    content = client.get(f"/executions/{execution.pk}/").content.decode()
    assert "/stop/" not in content
    assert "/terminate/" not in content


def test_it_listens_on_its_websocket_and_polls_only_as_a_fallback_while_running(client, viewer):
    execution = start_execution(make_workflow("sleeper", WAITING_SPEC))
    client.force_login(viewer)
    content = client.get(f"/executions/{execution.pk}/").content.decode()
    assert f'hx-ext="ws" ws-connect="/ws/executions/{execution.pk}/?"' in content
    assert 'hx-trigger="wf:refresh"' in content
    assert "data-live-poll" in content
    assert "every 2s" not in content


def test_it_does_not_fall_back_to_polling_once_finished(client, viewer):
    execution = start_execution(make_workflow("greeter", FINISHING_SPEC), {"name": "Ada"})
    client.force_login(viewer)
    content = client.get(f"/executions/{execution.pk}/").content.decode()
    assert "data-live-poll" not in content


def test_it_gives_htmx_the_status_panel_and_the_timeline_only(client, viewer):
    execution = start_execution(make_workflow("sleeper", WAITING_SPEC))
    client.force_login(viewer)

    content = client.get(f"/executions/{execution.pk}/", headers=htmx()).content.decode()

    assert content.lstrip().startswith('<section id="status-panel"')
    assert '<div id="timeline" class="timeline" hx-swap-oob="true">' in content
    assert '<div id="graph" class="graph-wrap" hx-swap-oob="true">' in content
    assert '<div id="history" hx-swap-oob="true">' in content
    assert "<html" not in content
    assert "Input</h2>" not in content


def test_it_indents_nested_history_entries_under_their_parent(client, viewer):
    execution = start_execution(make_workflow("greeter", FINISHING_SPEC), {"name": "Ada"})
    hello = HistoryEntry.objects.get(execution=execution, step_id="hello")
    HistoryEntry.objects.filter(execution=execution, step_id="done").update(parent=hello)
    client.force_login(viewer)

    response = client.get(f"/executions/{execution.pk}/")

    assert [(row.path, row.depth) for row in response.context["history"]] == [("hello", 0), ("done", 1)]
    assert 'class="step depth-1"' in response.content.decode()


def test_it_answers_an_unknown_execution_with_a_404_page(client, viewer):
    client.force_login(viewer)
    response = client.get("/executions/01jzzzzzzzzzzzzzzzzzzzzzzz/")
    assert response.status_code == 404
    assert b"not found" in response.content
