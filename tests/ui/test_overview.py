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
