from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from executions import services
from executions.actors import Actor
from executions.models import ApiToken, AuditEvent

pytestmark = pytest.mark.django_db


def test_the_list_shows_prefix_owner_and_scope_never_the_hash(client, staff_admin):
    token, _ = services.api_token_create(actor=Actor(label="test", source="cli"), owner=staff_admin, name="ci")
    client.force_login(staff_admin)

    listing = client.get("/admin/executions/apitoken/").content.decode()
    detail = client.get(f"/admin/executions/apitoken/{token.pk}/change/").content.decode()

    assert token.prefix in listing
    assert "ci" in listing
    assert token.secret_hash not in listing
    assert token.secret_hash not in detail


def test_adding_a_token_shows_its_secret_once(client, staff_admin):
    client.force_login(staff_admin)

    response = client.post(
        "/admin/executions/apitoken/add/",
        {
            "owner": staff_admin.pk,
            "name": "deploy",
            "scope": "operate",
            "expires_at_0": "",
            "expires_at_1": "",
        },
        follow=True,
    )

    token = ApiToken.objects.get()
    content = response.content.decode()
    assert (token.name, token.scope, token.owner) == ("deploy", "operate", staff_admin)
    assert f"wfu_{token.prefix}_" in content
    assert AuditEvent.objects.get(action="token.create").source == "admin"
    assert f"wfu_{token.prefix}_" not in client.get(f"/admin/executions/apitoken/{token.pk}/change/").content.decode()


def test_a_token_expiring_in_the_past_is_refused(client, staff_admin):
    client.force_login(staff_admin)
    past = timezone.now() - timedelta(days=1)
    response = client.post(
        "/admin/executions/apitoken/add/",
        {
            "owner": staff_admin.pk,
            "name": "old",
            "scope": "read",
            "expires_at_0": past.strftime("%Y-%m-%d"),
            "expires_at_1": past.strftime("%H:%M:%S"),
        },
    )
    assert "must be in the future" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_the_revoke_action_revokes(client, staff_admin):
    token, _ = services.api_token_create(actor=Actor(label="test", source="cli"), owner=staff_admin, name="ci")
    client.force_login(staff_admin)

    client.post("/admin/executions/apitoken/", {"action": "revoke_tokens", "_selected_action": [token.pk]})

    token.refresh_from_db()
    assert token.revoked_at is not None
