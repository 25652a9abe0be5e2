from __future__ import annotations

import json

from executions.models import HistoryEntry
from tests.conftest import FINISHING_SPEC, make_workflow
from tests.ui.helpers import ENGINE_DB, htmx, start_execution

pytestmark = ENGINE_DB


def test_it_serves_a_runs_payloads_as_a_fragment(client, viewer):
    execution = start_execution(make_workflow("greeter", FINISHING_SPEC), {"name": "Ada"})
    client.force_login(viewer)

    response = client.get(f"/executions/{execution.pk}/runs/1/", headers=htmx())

    content = response.content.decode()
    assert response.status_code == 200
    assert content.lstrip().startswith('<div class="run-data">')
    assert "&quot;greeting&quot;: &quot;Hello, Ada&quot;" in content
    assert f'href="/executions/{execution.pk}/runs/1/output.json"' in content


def test_it_serves_a_run_as_a_page_without_htmx(client, viewer):
    execution = start_execution(make_workflow("greeter", FINISHING_SPEC), {"name": "Ada"})
    client.force_login(viewer)
    content = client.get(f"/executions/{execution.pk}/runs/1/").content.decode()
    assert "<html" in content
    assert "Step run #1" in content


def test_it_downloads_a_runs_full_input_and_output(client, viewer):
    execution = start_execution(make_workflow("greeter", FINISHING_SPEC), {"name": "Ada"})
    client.force_login(viewer)

    output = client.get(f"/executions/{execution.pk}/runs/1/output.json")
    given = client.get(f"/executions/{execution.pk}/runs/1/input.json")

    assert output["Content-Type"] == "application/json"
    assert output["Content-Disposition"] == f'attachment; filename="{execution.pk}-run-1-output.json"'
    assert json.loads(output.content) == {"greeting": "Hello, Ada"}
    assert json.loads(given.content)["name"] == "Ada"


def test_it_downloads_the_executions_input_and_result(client, viewer):
    execution = start_execution(make_workflow("greeter", FINISHING_SPEC), {"name": "Ada"})
    client.force_login(viewer)
    assert json.loads(client.get(f"/executions/{execution.pk}/input.json").content) == {"name": "Ada"}
    assert json.loads(client.get(f"/executions/{execution.pk}/result.json").content) == {"greeting": "Hello, Ada"}


def test_it_cuts_a_large_payload_and_links_to_the_whole_document(client, viewer):
    big = {"blob": "x" * 60_000}
    execution = start_execution(make_workflow("greeter", FINISHING_SPEC), {"name": "Ada", **big})
    client.force_login(viewer)

    run = client.get(f"/executions/{execution.pk}/runs/1/", headers=htmx()).content.decode()
    page = client.get(f"/executions/{execution.pk}/").content.decode()

    assert "Cut for display: the whole input is 117.2\xa0KB." in run  # the state holds the input twice
    assert len(run) < 40_000
    assert "Cut for display: the whole input is" in page
    assert f'href="/executions/{execution.pk}/input.json"' in page
    assert len(json.loads(client.get(f"/executions/{execution.pk}/input.json").content)["blob"]) == 60_000


def test_it_answers_an_unknown_run_with_a_404(client, viewer):
    execution = start_execution(make_workflow("greeter", FINISHING_SPEC), {"name": "Ada"})
    client.force_login(viewer)
    assert client.get(f"/executions/{execution.pk}/runs/99/").status_code == 404
    assert client.get(f"/executions/{execution.pk}/runs/99/input.json").status_code == 404
    assert client.get("/executions/01jzzzzzzzzzzzzzzzzzzzzzzz/runs/1/").status_code == 404


def test_it_refuses_payloads_to_a_user_without_a_role(client, outsider):
    execution = start_execution(make_workflow("greeter", FINISHING_SPEC), {"name": "Ada"})
    client.force_login(outsider)
    for url in (f"/executions/{execution.pk}/runs/1/", f"/executions/{execution.pk}/runs/1/input.json"):
        assert client.get(url).status_code == 403, url


def test_history_rows_link_to_their_payloads_without_carrying_them(client, viewer):
    execution = start_execution(make_workflow("greeter", FINISHING_SPEC), {"name": "Ada", "secret_sauce": "x" * 500})
    client.force_login(viewer)
    content = client.get(f"/executions/{execution.pk}/").content.decode()
    history = content[content.index('<div id="history"') : content.index('id="tab-input"')]
    assert f'data-payload-url="/executions/{execution.pk}/runs/1/"' in history
    assert 'id="run-1"' in history
    assert "xxxxxxxxxx" not in history
    assert HistoryEntry.objects.get(execution=execution, run_id=1).input["secret_sauce"]
