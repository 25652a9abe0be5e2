from __future__ import annotations

from tests.conftest import FAILING_SPEC, FINISHING_SPEC, make_workflow
from tests.ui.helpers import ENGINE_DB, start_execution

pytestmark = ENGINE_DB


def test_it_counts_executions_by_status_and_lists_the_latest(client, viewer):
    greeter = make_workflow("greeter", FINISHING_SPEC)
    checker = make_workflow("checker", FAILING_SPEC)
    finished = [start_execution(greeter, {"name": "Ada"}) for _ in range(2)]
    failed = start_execution(checker, {"order_id": 7})
    client.force_login(viewer)

    response = client.get("/")

    assert response.status_code == 200
    counts = response.context["counts"]
    assert counts["FINISHED"] == 2
    assert counts["FAILED"] == 1
    assert counts["RUNNING"] == 0
    content = response.content.decode()
    assert 'href="/executions/?status=FINISHED"' in content
    for execution in [*finished, failed]:
        assert f'href="/executions/{execution.pk}/"' in content


def test_it_links_every_section_in_the_navigation(client, viewer):
    client.force_login(viewer)
    content = client.get("/").content.decode()
    assert 'href="/" aria-current="page">Overview' in content
    assert 'href="/executions/"' in content
    assert 'href="/workflows/"' in content
    assert "victor" in content


def test_it_serves_its_assets_locally(client, viewer):
    client.force_login(viewer)
    content = client.get("/").content.decode()
    assert "/static/django_htmx/htmx-2.min.js" in content
    assert "/static/css/app.css" in content
    assert "http://" not in content
    assert "https://" not in content
    assert client.get("/static/css/app.css").status_code == 200


def test_it_sends_the_csrf_token_with_htmx_requests(client, viewer):
    client.force_login(viewer)
    content = client.get("/").content.decode()
    assert 'hx-headers=\'{"X-CSRFToken": "' in content


def test_it_charts_the_last_day_and_lists_failures_and_busy_workflows(client, viewer):
    greeter = make_workflow("greeter", FINISHING_SPEC)
    checker = make_workflow("checker", FAILING_SPEC)
    for _ in range(3):
        start_execution(greeter, {"name": "Ada"})
    failed = start_execution(checker, {"order_id": "A-7"})
    client.force_login(viewer)

    response = client.get("/")

    content = response.content.decode()
    activity = response.context["activity"]
    assert (activity.total_started, activity.total_failed) == (4, 1)
    assert len(activity.hours) == 24
    assert "4 started" in content and "1 failed" in content
    assert 'class="chart__bar chart__bar--failed"' in content
    assert f'href="/executions/{failed.pk}/"' in content
    assert "STEP_FAIL" in content and "order A-7 is invalid" in content
    assert [(row["workflow__name"], row["total"], row["failed"]) for row in response.context["busiest"]] == [
        ("greeter", 3, 0),
        ("checker", 1, 1),
    ]


def test_it_listens_for_changes_and_gives_htmx_its_live_part(client, viewer):
    client.force_login(viewer)
    page = client.get("/").content.decode()
    fragment = client.get("/", headers={"HX-Request": "true"}).content.decode()
    assert 'ws-connect="/ws/overview/"' in page
    assert fragment.lstrip().startswith('<div id="overview-live"')
    assert "<html" not in fragment
