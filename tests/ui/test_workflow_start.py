from __future__ import annotations

from executions.models import AuditEvent, Execution
from tests.conftest import FINISHING_SPEC, make_workflow
from tests.ui.helpers import ENGINE_DB, htmx, start_execution

pytestmark = ENGINE_DB


def test_it_starts_an_execution_and_shows_it_finished(client, operator):
    workflow = make_workflow("greeter", FINISHING_SPEC)
    client.force_login(operator)

    response = client.post(f"/workflows/{workflow.pk}/start/", {"input": '{"name": "Ada"}'})

    execution = Execution.objects.get()
    assert response.status_code == 302
    assert response.url == f"/executions/{execution.pk}/"
    page = client.get(response.url).content.decode()
    assert 'badge--finished">FINISHED' in page
    assert "Hello, Ada" in page
    assert "hello" in page and "NoOp" in page
    assert "done" in page and "Success" in page
    assert execution.started_by == "user:olga"
    assert AuditEvent.objects.get(action="start").source == "ui"


def test_it_shows_invalid_json_next_to_the_field_and_starts_nothing(client, operator):
    workflow = make_workflow("greeter", FINISHING_SPEC)
    client.force_login(operator)

    response = client.post(f"/workflows/{workflow.pk}/start/", {"input": '{"name": '})

    assert response.status_code == 400
    content = response.content.decode()
    assert 'class="field field--invalid"' in content
    assert "This is not valid JSON" in content
    assert "\n{&quot;name&quot;: </textarea>" in content
    assert Execution.objects.count() == 0


def test_it_rerenders_only_the_form_for_htmx(client, operator):
    workflow = make_workflow("greeter", FINISHING_SPEC)
    client.force_login(operator)

    response = client.post(f"/workflows/{workflow.pk}/start/", {"input": "nope"}, headers=htmx())

    content = response.content.decode()
    assert response.status_code == 400
    assert content.lstrip().startswith('<div id="start-form">')
    assert "This is not valid JSON" in content
    assert "<html" not in content
    assert Execution.objects.count() == 0


def test_it_redirects_htmx_with_a_client_redirect(client, operator):
    workflow = make_workflow("greeter", FINISHING_SPEC)
    client.force_login(operator)

    response = client.post(f"/workflows/{workflow.pk}/start/", {"input": "{}"}, headers=htmx())

    execution = Execution.objects.get()
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"/executions/{execution.pk}/"


def test_it_shows_an_input_the_service_refuses_next_to_the_field(client, operator, settings):
    settings.WORKFLOWS_MAX_DATA_BYTES = 1024
    workflow = make_workflow("greeter", FINISHING_SPEC)
    client.force_login(operator)

    response = client.post(f"/workflows/{workflow.pk}/start/", {"input": '"' + "x" * 2000 + '"'})

    assert response.status_code == 400
    assert "over the limit of 1024 bytes" in response.content.decode()
    assert Execution.objects.count() == 0


def test_it_returns_the_same_execution_for_a_repeated_idempotency_key(client, operator):
    workflow = make_workflow("greeter", FINISHING_SPEC)
    client.force_login(operator)
    first = client.post(f"/workflows/{workflow.pk}/start/", {"input": "{}", "idempotency_key": "k-1"})
    again = client.post(f"/workflows/{workflow.pk}/start/", {"input": "{}", "idempotency_key": "k-1"})
    assert first.url == again.url
    assert Execution.objects.count() == 1


def test_it_shows_a_reused_idempotency_key_with_other_input_as_a_conflict(client, operator):
    workflow = make_workflow("greeter", FINISHING_SPEC)
    existing = start_execution(workflow, {"name": "Ada"}, idempotency_key="k-1")
    client.force_login(operator)

    response = client.post(f"/workflows/{workflow.pk}/start/", {"input": '{"name": "Bob"}', "idempotency_key": "k-1"})

    assert response.status_code == 409
    assert "was already used for execution" in response.content.decode()
    assert list(Execution.objects.all()) == [existing]


def test_it_refuses_a_viewer_and_starts_nothing(client, viewer):
    workflow = make_workflow("greeter", FINISHING_SPEC)
    client.force_login(viewer)

    response = client.post(f"/workflows/{workflow.pk}/start/", {"input": "{}"})

    assert response.status_code == 403
    assert "may view executions but not start" in response.content.decode()
    assert Execution.objects.count() == 0


def test_it_answers_get_with_method_not_allowed(client, operator):
    workflow = make_workflow("greeter", FINISHING_SPEC)
    client.force_login(operator)
    assert client.get(f"/workflows/{workflow.pk}/start/").status_code == 405


def test_it_starts_on_the_queue_and_with_the_timeout_given(client, operator):
    workflow = make_workflow("greeter", FINISHING_SPEC)
    client.force_login(operator)

    client.post(
        f"/workflows/{workflow.pk}/start/", {"input": "{}", "queue_name": "urgent", "run_timeout_seconds": "60"}
    )

    execution = Execution.objects.get()
    assert (execution.queue_name, execution.run_timeout_seconds) == ("urgent", 60)


def test_it_refuses_a_timeout_that_is_not_positive_and_starts_nothing(client, operator):
    workflow = make_workflow("greeter", FINISHING_SPEC)
    client.force_login(operator)
    response = client.post(f"/workflows/{workflow.pk}/start/", {"input": "{}", "run_timeout_seconds": "0"})
    assert response.status_code == 400
    assert "greater than or equal to 1" in response.content.decode()
    assert Execution.objects.count() == 0
