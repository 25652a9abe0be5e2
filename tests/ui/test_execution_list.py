from __future__ import annotations

import re

import pytest

from executions.views import PAGE_SIZE
from tests.conftest import FAILING_SPEC, FINISHING_SPEC, WAITING_SPEC, make_workflow
from tests.ui.helpers import ENGINE_DB, htmx, start_execution

pytestmark = ENGINE_DB


@pytest.fixture
def executions():
    greeter = make_workflow("greeter", FINISHING_SPEC)
    checker = make_workflow("checker", FAILING_SPEC)
    sleeper = make_workflow("sleeper", WAITING_SPEC)
    return {
        "finished": start_execution(greeter, {"name": "Ada"}),
        "failed": start_execution(checker, {"order_id": 1}),
        "running": start_execution(sleeper),
    }


def listed(response) -> list[str]:
    return [execution.pk for execution in response.context["page"].items]


def test_it_lists_executions_newest_first_with_workflow_status_and_duration(client, viewer, executions):
    client.force_login(viewer)

    response = client.get("/executions/")

    assert response.status_code == 200
    assert listed(response) == [executions[k].pk for k in ("running", "failed", "finished")]
    content = response.content.decode()
    assert 'badge--failed">FAILED' in content
    assert ">checker</a>" in content
    assert " ms</td>" in content or " s</td>" in content


def test_it_filters_by_status(client, viewer, executions):
    client.force_login(viewer)
    response = client.get("/executions/?status=FAILED")
    assert listed(response) == [executions["failed"].pk]


def test_it_filters_by_several_statuses(client, viewer, executions):
    client.force_login(viewer)
    response = client.get("/executions/?status=finished&status=RUNNING")
    assert set(listed(response)) == {executions["finished"].pk, executions["running"].pk}
    ticked = re.findall(r'value="(\w+)"[^>]*checked', response.content.decode())
    assert sorted(ticked) == ["FINISHED", "RUNNING"]


def test_it_filters_by_workflow(client, viewer, executions):
    client.force_login(viewer)
    response = client.get(f"/executions/?workflow={executions['finished'].workflow_id}")
    assert listed(response) == [executions["finished"].pk]


def test_it_finds_an_execution_by_id_prefix(client, viewer, executions):
    client.force_login(viewer)
    wanted = executions["failed"].pk
    response = client.get(f"/executions/?q={wanted[:24]}")
    assert listed(response) == [wanted]


def test_it_explains_an_unknown_status_with_a_400(client, viewer, executions):
    client.force_login(viewer)
    response = client.get("/executions/?status=SLEEPING")
    assert response.status_code == 400
    assert "SLEEPING is not one of the available choices" in response.content.decode()


def test_it_explains_a_broken_cursor_with_a_400(client, viewer, executions):
    client.force_login(viewer)
    response = client.get("/executions/?cursor=garbage")
    assert response.status_code == 400
    assert "invalid page cursor" in response.content.decode()


def test_it_pages_with_a_cursor_that_keeps_the_filters(client, viewer):
    workflow = make_workflow("greeter", FINISHING_SPEC)
    started = [start_execution(workflow, {"name": str(n)}) for n in range(PAGE_SIZE + 2)]
    newest_first = [e.pk for e in reversed(started)]
    client.force_login(viewer)

    first = client.get("/executions/?status=FINISHED")
    cursor = first.context["page"].next_cursor
    second = client.get(f"/executions/?status=FINISHED&cursor={cursor}")

    assert listed(first) == newest_first[:PAGE_SIZE]
    assert listed(second) == newest_first[PAGE_SIZE:]
    assert f"?status=FINISHED&amp;cursor={cursor}" in first.content.decode()
    assert second.context["page"].next_cursor is None


def test_it_gives_htmx_only_the_results(client, viewer, executions):
    client.force_login(viewer)

    response = client.get("/executions/?status=RUNNING", headers=htmx())

    content = response.content.decode()
    assert content.lstrip().startswith('<section id="results"')
    assert "<html" not in content
    assert "<nav" in content  # the pager lives inside the results
    assert executions["running"].pk in content
    assert executions["failed"].pk not in content


def test_it_gives_a_history_restore_the_whole_page(client, viewer, executions):
    client.force_login(viewer)
    response = client.get("/executions/", headers=htmx(**{"HX-History-Restore-Request": "true"}))
    assert "<html" in response.content.decode()


def test_it_filters_by_queue(client, viewer, operator):
    workflow = make_workflow("sleeper", WAITING_SPEC)
    client.force_login(operator)
    client.post(f"/workflows/{workflow.pk}/start/", {"input": "{}", "queue_name": "urgent"})
    client.post(f"/workflows/{workflow.pk}/start/", {"input": "{}"})
    client.force_login(viewer)

    response = client.get("/executions/?queue=urgent")

    assert [e.queue_name for e in response.context["page"].items] == ["urgent"]


def test_it_filters_by_time_range(client, viewer, executions):
    client.force_login(viewer)
    assert len(listed(client.get("/executions/?range=1h"))) == 3
    assert listed(client.get("/executions/?after=2000-01-01T00:00&before=2000-01-02T00:00")) == []
    assert len(listed(client.get("/executions/?after=2000-01-01T00:00"))) == 3


def test_it_explains_a_backwards_time_range_with_a_400(client, viewer, executions):
    client.force_login(viewer)
    response = client.get("/executions/?after=2030-01-02T00:00&before=2030-01-01T00:00")
    assert response.status_code == 400
    assert "must come after its start" in response.content.decode()


def test_it_keeps_every_filter_in_the_url_of_its_live_socket(client, viewer, executions):
    client.force_login(viewer)
    content = client.get("/executions/?status=RUNNING&queue=default&range=24h").content.decode()
    assert 'ws-connect="/ws/executions/?status=RUNNING&amp;queue=default&amp;range=24h"' in content
    assert 'data-live-query="status=RUNNING&amp;queue=default&amp;range=24h"' in content
    assert 'id="execution-rows" data-live-insert' in content


def test_later_pages_never_take_live_insertions(client, viewer):
    workflow = make_workflow("greeter", FINISHING_SPEC)
    for n in range(PAGE_SIZE + 1):
        start_execution(workflow, {"name": str(n)})
    client.force_login(viewer)
    cursor = client.get("/executions/").context["page"].next_cursor
    content = client.get(f"/executions/?cursor={cursor}").content.decode()
    assert 'id="execution-rows">' in content
