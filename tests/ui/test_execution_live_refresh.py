from __future__ import annotations

from tests.conftest import WAITING_SPEC, make_workflow
from tests.ui.helpers import ENGINE_DB, htmx, start_execution

pytestmark = ENGINE_DB


def test_a_resync_of_an_unchanged_execution_is_a_204(client, viewer):
    execution = start_execution(make_workflow("sleeper", WAITING_SPEC))
    client.force_login(viewer)

    response = client.get(f"/executions/{execution.pk}/", {"since": execution.updated_at.isoformat()}, headers=htmx())

    assert response.status_code == 204
    assert response.content == b""


def test_a_resync_after_a_change_gets_the_fragment(client, viewer, operator):
    execution = start_execution(make_workflow("sleeper", WAITING_SPEC))
    client.force_login(operator)
    client.post(f"/executions/{execution.pk}/stop/")
    client.force_login(viewer)

    response = client.get(f"/executions/{execution.pk}/", {"since": execution.updated_at.isoformat()}, headers=htmx())

    assert response.status_code == 200
    assert 'badge--stopped">STOPPED' in response.content.decode()


def test_a_page_load_ignores_since(client, viewer):
    execution = start_execution(make_workflow("sleeper", WAITING_SPEC))
    client.force_login(viewer)
    response = client.get(f"/executions/{execution.pk}/", {"since": execution.updated_at.isoformat()})
    assert response.status_code == 200


def test_pages_carry_a_strict_content_security_policy_and_no_inline_script(client, viewer):
    execution = start_execution(make_workflow("sleeper", WAITING_SPEC))
    client.force_login(viewer)

    for url in ("/", "/executions/", f"/executions/{execution.pk}/", "/workflows/", "/login/"):
        response = client.get(url)
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy, url
        assert "style-src 'self'" in policy, url
        content = response.content.decode()
        assert content.count("<script") == content.count('<script src="/static/'), url
        assert " style=" not in content, url
        assert " onclick=" not in content and " onload=" not in content, url


def test_the_admin_keeps_its_own_policy(admin_client):
    assert "Content-Security-Policy" not in admin_client.get("/admin/")
