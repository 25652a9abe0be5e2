from __future__ import annotations

from executions.models import AuditEvent, Execution
from tests.conftest import FAILING_SPEC, FINISHING_SPEC, WAITING_SPEC, make_workflow
from tests.ui.helpers import ENGINE_DB, htmx, start_execution

pytestmark = ENGINE_DB


def test_it_pauses_a_running_execution_and_offers_resume(client, operator):
    execution = start_execution(make_workflow("sleeper", WAITING_SPEC))
    client.force_login(operator)

    response = client.post(f"/executions/{execution.pk}/pause/", headers=htmx())

    content = response.content.decode()
    assert response.status_code == 200
    assert 'badge--paused">PAUSED' in content
    assert f'action="/executions/{execution.pk}/resume/"' in content
    assert f'action="/executions/{execution.pk}/pause/"' not in content
    assert Execution.objects.get().status == "PAUSED"
    assert AuditEvent.objects.get(action="pause").actor == "user:olga"


def test_it_resumes_a_paused_execution(client, operator):
    execution = start_execution(make_workflow("sleeper", WAITING_SPEC))
    client.force_login(operator)
    client.post(f"/executions/{execution.pk}/pause/")

    response = client.post(f"/executions/{execution.pk}/resume/", follow=True)

    assert response.redirect_chain == [(f"/executions/{execution.pk}/", 302)]
    assert "Execution resumed." in response.content.decode()
    assert Execution.objects.get().status == "RUNNING"


def test_it_refuses_to_resume_a_running_execution_with_an_inline_409(client, operator):
    execution = start_execution(make_workflow("sleeper", WAITING_SPEC))
    client.force_login(operator)

    response = client.post(f"/executions/{execution.pk}/resume/", headers=htmx())

    assert response.status_code == 409
    assert "Cannot resume an execution that is RUNNING" in response.content.decode()
    assert not AuditEvent.objects.filter(action="resume").exists()


def test_it_retries_a_failed_execution(client, operator):
    execution = start_execution(make_workflow("checker", FAILING_SPEC), {"order_id": "A-1"})
    client.force_login(operator)

    response = client.post(f"/executions/{execution.pk}/retry/", headers=htmx())

    assert response.status_code == 200
    execution.refresh_from_db()
    assert execution.retry_count == 1
    assert execution.status == "FAILED"  # the spec fails again, and says so for the same order
    assert execution.error_message == "order A-1 is invalid"
    assert AuditEvent.objects.filter(action="retry").count() == 1


def test_it_retries_with_a_replacement_input(client, operator):
    execution = start_execution(make_workflow("checker", FAILING_SPEC), {"order_id": "A-1"})
    client.force_login(operator)

    client.post(f"/executions/{execution.pk}/retry/", {"replace_input": "on", "input": '{"order_id": "B-2"}'})

    execution.refresh_from_db()
    assert execution.retry_count == 1
    assert execution.error_message == "order B-2 is invalid"


def test_it_refuses_a_replacement_input_that_is_not_json_and_retries_nothing(client, operator):
    execution = start_execution(make_workflow("checker", FAILING_SPEC), {"order_id": "A-1"})
    client.force_login(operator)

    response = client.post(
        f"/executions/{execution.pk}/retry/", {"replace_input": "on", "input": "{nope"}, headers=htmx()
    )

    content = response.content.decode()
    assert response.status_code == 400
    assert "This is not valid JSON" in content
    assert '<details class="popover" open>' in content  # the retry form stays open, showing the error
    execution.refresh_from_db()
    assert execution.retry_count == 0
    assert not AuditEvent.objects.filter(action="retry").exists()


def test_it_refuses_to_retry_a_finished_execution_with_a_409(client, operator):
    execution = start_execution(make_workflow("greeter", FINISHING_SPEC), {"name": "Ada"})
    client.force_login(operator)

    response = client.post(f"/executions/{execution.pk}/retry/")

    assert response.status_code == 409
    assert "Cannot retry an execution that is FINISHED" in response.content.decode()
    assert Execution.objects.get().retry_count == 0


def test_it_refuses_every_action_to_a_viewer_and_changes_nothing(client, viewer):
    running = start_execution(make_workflow("sleeper", WAITING_SPEC))
    failed = start_execution(make_workflow("checker", FAILING_SPEC), {"order_id": 1})
    client.force_login(viewer)

    for url in (
        f"/executions/{running.pk}/pause/",
        f"/executions/{running.pk}/resume/",
        f"/executions/{failed.pk}/retry/",
    ):
        response = client.post(url)
        assert response.status_code == 403, url
        assert "may view executions but not" in response.content.decode()
    assert Execution.objects.get(pk=running.pk).status == "RUNNING"
    assert Execution.objects.get(pk=failed.pk).retry_count == 0
    assert not AuditEvent.objects.filter(action__in=["pause", "resume", "retry"]).exists()


def test_it_shows_only_the_legal_buttons(client, operator):
    running = start_execution(make_workflow("sleeper", WAITING_SPEC))
    failed = start_execution(make_workflow("checker", FAILING_SPEC), {"order_id": 1})
    client.force_login(operator)

    running_page = client.get(f"/executions/{running.pk}/").content.decode()
    failed_page = client.get(f"/executions/{failed.pk}/").content.decode()

    for action in ("pause", "stop", "terminate"):
        assert f"/executions/{running.pk}/{action}/" in running_page
    for action in ("resume", "retry"):
        assert f"/executions/{running.pk}/{action}/" not in running_page
    assert f"/executions/{failed.pk}/retry/" in failed_page
    for action in ("pause", "resume", "stop", "terminate"):
        assert f"/executions/{failed.pk}/{action}/" not in failed_page


def test_every_action_form_is_confirmed_and_carries_a_csrf_token(client, operator):
    running = start_execution(make_workflow("sleeper", WAITING_SPEC))
    client.force_login(operator)
    content = client.get(f"/executions/{running.pk}/").content.decode()
    panel = content[content.index('<section id="status-panel"') : content.index("</section>")]
    assert panel.count("<form") == 3
    assert panel.count("hx-confirm=") == 3
    assert panel.count('name="csrfmiddlewaretoken"') == 3
