"""The execution page stays bounded with thousands of step runs: history paged, timeline capped."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from executions.dashboard.contexts import HISTORY_PAGE_SIZE, TIMELINE_LIMIT
from executions.models import HistoryEntry
from tests.conftest import FINISHING_SPEC, make_workflow
from tests.ui.helpers import ENGINE_DB, htmx, start_execution

pytestmark = ENGINE_DB
RUNS = 5000


@pytest.fixture
def big():
    """A finished execution given a Foreach run with 5,000 iterations (rows written directly: test data)."""
    execution = start_execution(make_workflow("greeter", FINISHING_SPEC), {"name": "Ada"})
    now = timezone.now()
    loop = HistoryEntry.objects.create(
        execution=execution, run_id=3, step_id="loop", path="loop", type="Foreach", status="STARTED",
        started_at=now, scheduled_at=now,
    )  # fmt: skip
    HistoryEntry.objects.bulk_create(
        HistoryEntry(
            execution=execution,
            parent=loop,
            run_id=4 + i,
            step_id="send",
            path=f"loop[{i}]/send",
            type="FunctionCall",
            status="FAILED" if i == 4321 else "COMPLETED",
            error_code="BOOM" if i == 4321 else "",
            input={"i": i},
            output={"sent": i},
            scheduled_at=now + timedelta(milliseconds=i),
            started_at=now + timedelta(milliseconds=i),
            finished_at=now + timedelta(milliseconds=i + 1),
        )
        for i in range(RUNS)
    )
    return execution


def rows_of(content: str) -> int:
    return content.count('class="hrow"')


def test_it_shows_one_page_of_history_and_a_bounded_timeline(client, viewer, big, django_assert_max_num_queries):
    client.force_login(viewer)

    with django_assert_max_num_queries(25):
        response = client.get(f"/executions/{big.pk}/")

    content = response.content.decode()
    assert response.status_code == 200
    assert rows_of(content) == HISTORY_PAGE_SIZE
    assert f"{HISTORY_PAGE_SIZE} of {RUNS + 3} runs" in content
    timeline = response.context["timeline"]
    assert timeline.shown == TIMELINE_LIMIT
    assert timeline.total == RUNS + 3
    assert content.count('class="tl-bar ') == TIMELINE_LIMIT
    assert "showing 250 of 5003 step runs" in content
    # The failed iteration (and the loop holding it) are on the timeline although they come late.
    assert any(bar.run_id == 4 + 4321 for bar in timeline.bars)
    assert any(bar.run_id == 3 for bar in timeline.bars)
    assert len(content) < 600_000


def test_it_pages_the_history_with_a_cursor(client, viewer, big):
    client.force_login(viewer)
    first = client.get(f"/executions/{big.pk}/")
    cursor = first.context["history_next"]

    second = client.get(f"/executions/{big.pk}/?after={cursor}")

    first_runs = [e.run_id for e in first.context["history"]]
    second_runs = [e.run_id for e in second.context["history"]]
    assert len(second_runs) == HISTORY_PAGE_SIZE
    assert not set(first_runs) & set(second_runs)
    assert second_runs[0] == cursor + 1
    assert f"?after={second.context['history_next']}#tab-history" in second.content.decode()


def test_a_deep_link_to_a_run_opens_the_page_holding_it(client, viewer, big):
    client.force_login(viewer)
    response = client.get(f"/executions/{big.pk}/?run=4500")
    runs = [e.run_id for e in response.context["history"]]
    assert 4500 in runs
    assert 'id="run-4500"' in response.content.decode()


def test_a_graph_node_shows_the_runs_of_its_step(client, viewer, big):
    client.force_login(viewer)
    response = client.get(f"/executions/{big.pk}/?step=loop/send")
    content = response.content.decode()
    assert response.context["history_total"] == RUNS
    assert {e.step_id for e in response.context["history"]} == {"send"}
    assert "Runs of step <code>loop/send</code> (5000)" in content


def test_it_explains_a_bad_history_cursor_with_a_400(client, viewer, big):
    client.force_login(viewer)
    response = client.get(f"/executions/{big.pk}/?after=nope")
    assert response.status_code == 400
    assert "Enter a whole number" in response.content.decode()


def test_a_live_fragment_keeps_the_history_page_it_was_asked_for(client, viewer, big):
    client.force_login(viewer)
    response = client.get(f"/executions/{big.pk}/?after=1000", headers=htmx())
    content = response.content.decode()
    assert content.lstrip().startswith('<section id="status-panel"')
    assert "after=1000" in content[: content.index(">")]  # the panel refreshes the same slice
    assert 'id="run-1001"' in content
