from __future__ import annotations

import pytest

from executions import services
from executions.models import ApiToken, AuditEvent
from tests.api.conftest import TEST_ACTOR, client_with, error_of, token_for

pytestmark = pytest.mark.django_db


def prefix_of(text: str) -> str:
    return text.split("_")[1]


def test_a_user_revokes_their_own_token_and_it_stops_working(operator, operator_api):
    victim = token_for(operator, "read")
    assert client_with(victim).get("/api/v1/executions/").status_code == 200

    response = operator_api.delete(f"/api/v1/tokens/{prefix_of(victim)}/")

    assert response.status_code == 204
    assert ApiToken.objects.get(prefix=prefix_of(victim)).revoked_at is not None
    assert AuditEvent.objects.get(action="token.revoke", target_id=prefix_of(victim)).source == "api"
    refused = client_with(victim).get("/api/v1/executions/")
    assert refused.status_code == 401
    assert error_of(refused)["message"] == "This API token has been revoked."


def test_a_token_may_revoke_itself(operator):
    text = token_for(operator, "read")

    assert client_with(text).delete(f"/api/v1/tokens/{prefix_of(text)}/").status_code == 204
    assert client_with(text).get("/api/v1/tokens/").status_code == 401


def test_revoking_twice_changes_nothing_more(operator, operator_api):
    token, _ = services.api_token_create(actor=TEST_ACTOR, owner=operator, name="old")
    operator_api.delete(f"/api/v1/tokens/{token.prefix}/")
    revoked_at = ApiToken.objects.get(pk=token.pk).revoked_at

    response = operator_api.delete(f"/api/v1/tokens/{token.prefix}/")

    assert response.status_code == 204
    assert ApiToken.objects.get(pk=token.pk).revoked_at == revoked_at
    assert AuditEvent.objects.filter(action="token.revoke").count() == 1


def test_another_users_token_is_not_found(viewer, operator_api):
    theirs = token_for(viewer, "read")

    response = operator_api.delete(f"/api/v1/tokens/{prefix_of(theirs)}/")

    assert response.status_code == 404
    assert ApiToken.objects.get(prefix=prefix_of(theirs)).revoked_at is None


def test_an_admin_revokes_anyones_token(viewer, admin_api):
    theirs = token_for(viewer, "read")

    assert admin_api.delete(f"/api/v1/tokens/{prefix_of(theirs)}/").status_code == 204
    assert client_with(theirs).get("/api/v1/executions/").status_code == 401


def test_a_token_may_not_revoke_a_broader_one(operator):
    broader = token_for(operator, "operate")
    narrow = client_with(token_for(operator, "read"))

    response = narrow.delete(f"/api/v1/tokens/{prefix_of(broader)}/")

    assert response.status_code == 403
    assert ApiToken.objects.get(prefix=prefix_of(broader)).revoked_at is None


def test_an_unknown_token_is_a_404(operator_api):
    assert operator_api.delete("/api/v1/tokens/000000000000/").status_code == 404
