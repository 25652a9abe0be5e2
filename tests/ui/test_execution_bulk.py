from __future__ import annotations

from executions.models import AuditEvent, Execution
from tests.conftest import FAILING_SPEC, FINISHING_SPEC, WAITING_SPEC, make_workflow
from tests.ui.helpers import ENGINE_DB, htmx, start_execution

pytestmark = ENGINE_DB


def sleepers(count: int) -> list[Execution]:
    workflow = make_workflow("sleeper", WAITING_SPEC)
    return [start_execution(workflow) for _ in range(count)]


def test_it_asks_for_confirmation_saying_how_many_it_will_touch(client, operator):
    running = sleepers(2)
    finished = start_execution(make_workflow("greeter", FINISHING_SPEC), {"name": "Ada"})
    client.force_login(operator)

    response = client.post(
        "/executions/bulk/", {"action": "stop", "ids": [e.pk for e in [*running, finished]]}, headers=htmx()
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert "Stop 3 executions?" in content
    assert "<strong>2</strong> can be stopped now" in content
    assert "<strong>1</strong> cannot" in content
    assert 'name="confirmed" value="1"' in content
    assert "<html" not in content
    assert set(Execution.objects.values_list("status", flat=True)) == {"RUNNING", "FINISHED"}
    assert not AuditEvent.objects.filter(action="stop").exists()


def test_it_stops_each_execution_and_reports_each_outcome(client, operator):
    running = sleepers(3)
    finished = start_execution(make_workflow("greeter", FINISHING_SPEC), {"name": "Ada"})
    ids = [e.pk for e in [*running, finished]]
    client.force_login(operator)

    response = client.post("/executions/bulk/", {"action": "stop", "ids": ids, "confirmed": "1"}, headers=htmx())

    content = response.content.decode()
    assert response.status_code == 200
    assert "4 executions processed" in content
    assert content.count("outcome--ok") == 3
    assert content.count("outcome--refused") == 1
    assert "refused: cannot stop an execution that is FINISHED" in content
    assert (
        list(Execution.objects.filter(pk__in=[e.pk for e in running]).values_list("status", flat=True))
        == ["STOPPED"] * 3
    )
    assert AuditEvent.objects.filter(action="stop", source="ui").count() == 3
    # The touched rows come along out of band, so the table shows the outcome at once.
    rows = content[content.index('<template><tbody hx-swap-oob="beforeend:#live-inbox">') :]
    for execution in running:
        assert f'<tr id="execution-row-{execution.pk}"' in rows
    assert rows.count("<tr ") == 4
    assert "data-live-insert" not in rows


def test_it_retries_failed_executions_in_bulk(client, operator):
    workflow = make_workflow("checker", FAILING_SPEC)
    failed = [start_execution(workflow, {"order_id": n}) for n in range(2)]
    client.force_login(operator)

    client.post("/executions/bulk/", {"action": "retry", "ids": [e.pk for e in failed], "confirmed": "1"})

    assert list(Execution.objects.values_list("retry_count", flat=True)) == [1, 1]


def test_it_shows_a_whole_page_without_htmx(client, operator):
    running = sleepers(1)
    client.force_login(operator)

    response = client.post("/executions/bulk/", {"action": "terminate", "ids": [running[0].pk]})

    content = response.content.decode()
    assert "<html" in content
    assert "Terminate 1 execution?" in content


def test_it_refuses_a_viewer_and_changes_nothing(client, viewer):
    running = sleepers(2)
    client.force_login(viewer)

    response = client.post(
        "/executions/bulk/", {"action": "stop", "ids": [e.pk for e in running], "confirmed": "1"}, headers=htmx()
    )

    assert response.status_code == 403
    assert "may view executions but not" in response.content.decode()
    assert set(Execution.objects.values_list("status", flat=True)) == {"RUNNING"}


def test_it_explains_bad_requests_with_a_400_and_changes_nothing(client, operator):
    running = sleepers(1)
    client.force_login(operator)

    for data, message in (
        ({"action": "stop", "confirmed": "1"}, "Select at least one execution."),
        ({"action": "explode", "ids": [running[0].pk], "confirmed": "1"}, "Select a valid choice"),
        ({"action": "stop", "ids": ["../etc/passwd"], "confirmed": "1"}, "is not an execution id"),
        (
            {"action": "stop", "ids": ["0" * 26] * 2 + [f"{n:026d}" for n in range(201)], "confirmed": "1"},
            "At most 200 executions at once, got 201",
        ),
    ):
        response = client.post("/executions/bulk/", data, headers=htmx())
        assert response.status_code == 400, data
        assert message in response.content.decode(), data
    assert Execution.objects.get().status == "RUNNING"
    assert not AuditEvent.objects.filter(action="stop").exists()


def test_an_unknown_execution_is_reported_as_refused(client, operator):
    running = sleepers(1)
    client.force_login(operator)

    response = client.post(
        "/executions/bulk/", {"action": "stop", "ids": [running[0].pk, "0" * 26], "confirmed": "1"}, headers=htmx()
    )

    content = response.content.decode()
    assert content.count("outcome--ok") == 1
    assert "execution 00000000000000000000000000 not found" in content


def test_the_list_offers_selection_and_bulk_buttons_to_operators_only(client, operator, viewer):
    sleepers(1)
    client.force_login(operator)
    as_operator = client.get("/executions/").content.decode()
    client.force_login(viewer)
    as_viewer = client.get("/executions/").content.decode()

    assert 'name="ids"' in as_operator
    assert 'name="action" value="stop"' in as_operator
    assert 'name="ids"' not in as_viewer
    assert 'name="action"' not in as_viewer
