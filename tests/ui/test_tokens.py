"""The API tokens page: list, create (the secret shown once), revoke; the same rules as the native API."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from executions import services
from executions.models import ApiToken, AuditEvent
from tests.api.conftest import TEST_ACTOR, client_with
from tests.conftest import make_user
from tests.ui.helpers import htmx

pytestmark = pytest.mark.django_db

SECRET = re.compile(r"wfu_[0-9a-f]{12}_[A-Za-z0-9_-]{20,}")


def make_token(owner, name: str = "ci", scope: str = "read", **kwargs) -> tuple[ApiToken, str]:
    return services.api_token_create(actor=TEST_ACTOR, owner=owner, name=name, scope=scope, **kwargs)


def create(client, **data) -> str:
    response = client.post("/tokens/new/", {"name": "ci", "scope": "read", "expires_in_days": "", **data})
    assert response.status_code == 201, response.content.decode()
    return response.content.decode()


def test_it_sends_anonymous_visitors_to_the_login_page(client):
    response = client.get("/tokens/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_it_refuses_a_user_without_a_role(client, outsider):
    client.force_login(outsider)

    assert client.get("/tokens/").status_code == 403
    assert client.post("/tokens/new/", {"name": "x", "scope": "read"}).status_code == 403
    assert not ApiToken.objects.exists()


def test_the_user_menu_links_to_the_tokens_page(client, viewer):
    client.force_login(viewer)

    assert 'href="/tokens/"' in client.get("/").content.decode()


def test_it_lists_only_your_own_tokens_with_their_details(client, viewer, operator):
    mine, _ = make_token(viewer, "grafana", expires_at=timezone.now() + timedelta(days=30))
    revoked, _ = make_token(viewer, "old-ci")
    services.api_token_revoke(actor=TEST_ACTOR, token=revoked)
    theirs, _ = make_token(operator, "someone-elses")
    client.force_login(viewer)

    content = client.get("/tokens/").content.decode()

    assert "grafana" in content and mine.prefix in content
    assert "old-ci" in content and "Revoked" in content and "Active" in content
    assert "someone-elses" not in content and theirs.prefix not in content
    assert "All users" not in content


def test_an_admin_may_see_every_users_tokens(client, admin_user, operator):
    theirs, _ = make_token(operator, "someone-elses")
    client.force_login(admin_user)

    assert "someone-elses" not in client.get("/tokens/").content.decode()
    content = client.get("/tokens/?all=1").content.decode()

    assert "someone-elses" in content and theirs.prefix in content
    assert "olga" in content  # the owner column


def test_a_non_admin_may_not_see_every_users_tokens(client, operator):
    client.force_login(operator)

    response = client.get("/tokens/?all=1")

    assert response.status_code == 403
    assert "Only administrators" in response.content.decode()


def test_it_shows_the_new_secret_once_and_never_again(client, viewer):
    client.force_login(viewer)

    content = create(client, name="grafana")

    secret = SECRET.search(content).group()
    token = ApiToken.objects.get(name="grafana")
    assert token.owner == viewer and token.scope == "read" and token.expires_at is None
    assert secret.startswith(f"wfu_{token.prefix}_")
    assert secret.split("_", 2)[2] not in token.secret_hash
    assert "shown only this once" in content
    reloaded = client.get("/tokens/").content.decode()
    assert secret not in reloaded and not SECRET.search(reloaded)
    assert token.prefix in reloaded


def test_the_page_with_the_secret_is_never_cached(client, viewer):
    client.force_login(viewer)

    response = client.post("/tokens/new/", {"name": "ci", "scope": "read"})

    assert "no-store" in response["Cache-Control"]


def test_the_new_token_works_against_the_api(client, operator):
    client.force_login(operator)
    secret = SECRET.search(create(client, scope="operate")).group()

    response = client_with(secret).get("/api/v1/executions/")

    assert response.status_code == 200


def test_it_sets_an_expiry_in_days(client, viewer):
    client.force_login(viewer)

    create(client, expires_in_days="7")

    expires_at = ApiToken.objects.get().expires_at
    assert timezone.now() + timedelta(days=6, hours=23) < expires_at <= timezone.now() + timedelta(days=7)


def test_a_viewer_may_create_a_read_token_but_not_an_operate_one(client, viewer):
    client.force_login(viewer)
    form = client.get("/tokens/").content.decode()
    assert '<option value="read"' in form and '<option value="operate"' not in form

    response = client.post("/tokens/new/", {"name": "ci", "scope": "operate"})

    assert response.status_code == 400
    assert "cannot give a token the operate scope" in response.content.decode()
    assert not SECRET.search(response.content.decode())
    assert not ApiToken.objects.exists()


def test_an_operator_is_offered_read_and_operate_and_an_admin_every_scope(client, operator, admin_user):
    client.force_login(operator)
    form = client.get("/tokens/").content.decode()
    assert '<option value="operate"' in form and '<option value="admin"' not in form

    client.force_login(admin_user)

    assert '<option value="admin"' in client.get("/tokens/").content.decode()


def test_it_shows_a_bad_form_inline_for_htmx(client, viewer):
    client.force_login(viewer)

    response = client.post("/tokens/new/", {"name": "", "scope": "read"}, headers=htmx())

    content = response.content.decode()
    assert response.status_code == 400
    assert content.lstrip().startswith('<div id="token-form">')
    assert "This field is required." in content
    assert 'id="token-table"' not in content


def test_htmx_gets_the_fresh_form_the_secret_and_the_table_out_of_band(client, viewer):
    client.force_login(viewer)

    response = client.post("/tokens/new/", {"name": "grafana", "scope": "read"}, headers=htmx())

    content = response.content.decode()
    assert response.status_code == 201
    assert content.lstrip().startswith('<div id="token-form">')
    assert '<div id="token-secret" hx-swap-oob="true">' in content and SECRET.search(content)
    assert '<div id="token-table" hx-swap-oob="true">' in content and "grafana" in content


def test_it_revokes_a_token_and_the_api_then_refuses_it(client, operator):
    token, secret = make_token(operator, scope="operate")
    assert client_with(secret).get("/api/v1/executions/").status_code == 200
    client.force_login(operator)

    response = client.post(f"/tokens/{token.prefix}/revoke/", follow=True)

    assert response.redirect_chain == [("/tokens/", 302)]
    assert f"Token ci ({token.prefix}) revoked." in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEvent.objects.get(action="token.revoke").source == "ui"
    assert client_with(secret).get("/api/v1/executions/").status_code == 401


def test_htmx_gets_the_revoked_row(client, viewer):
    token, _ = make_token(viewer)
    client.force_login(viewer)

    response = client.post(f"/tokens/{token.prefix}/revoke/", headers=htmx())

    content = response.content.decode()
    assert response.status_code == 200
    assert content.lstrip().startswith(f'<tr id="token-{token.prefix}"')
    assert "Revoked" in content and "<form" not in content


def test_a_non_admin_cannot_revoke_another_users_token(client, viewer, operator):
    theirs, secret = make_token(operator)
    client.force_login(viewer)

    response = client.post(f"/tokens/{theirs.prefix}/revoke/")

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    assert client_with(secret).get("/api/v1/executions/").status_code == 200


def test_an_admin_may_revoke_another_users_token(client, admin_user, operator):
    theirs, _ = make_token(operator)
    client.force_login(admin_user)

    response = client.post(f"/tokens/{theirs.prefix}/revoke/", {"all": "1"})

    assert response.status_code == 302 and response["Location"] == "/tokens/?all=1"
    theirs.refresh_from_db()
    assert theirs.revoked_at is not None


def test_revoking_is_confirmed_in_the_dialog_and_every_form_carries_a_csrf_token(client, viewer):
    make_token(viewer)
    client.force_login(viewer)

    content = client.get("/tokens/").content.decode()

    assert 'hx-confirm="Revoke the token ci' in content
    assert 'id="confirm-dialog"' in content
    assert content.count('name="csrfmiddlewaretoken"') == 3  # create, revoke, log out


def test_it_refuses_a_post_without_the_csrf_token(viewer):
    token, _ = make_token(viewer)
    client = Client(enforce_csrf_checks=True)
    client.force_login(viewer)

    assert client.post("/tokens/new/", {"name": "ci", "scope": "read"}).status_code == 403
    assert client.post(f"/tokens/{token.prefix}/revoke/").status_code == 403
    assert ApiToken.objects.count() == 1
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_audit_trail_says_the_token_was_made_in_the_dashboard(client, viewer):
    client.force_login(viewer)

    create(client)

    event = AuditEvent.objects.get(action="token.create")
    assert (event.actor, event.source) == ("user:victor", "ui")


def test_tokens_of_a_user_made_here_belong_to_that_user_only(client, viewer):
    other = make_user("vera", "viewer")
    client.force_login(other)

    create(client, name="veras")

    assert ApiToken.objects.get(name="veras").owner == other
    client.force_login(viewer)
    assert "veras" not in client.get("/tokens/").content.decode()
