from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from executions.models import ApiToken, AuditEvent
from tests.api.conftest import client_with, error_of, token_for

pytestmark = pytest.mark.django_db
URL = "/api/v1/tokens/"


def test_the_new_token_is_shown_once_and_works(operator_api):
    response = operator_api.post(URL, {"name": "ci", "scope": "operate"}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["token"].startswith(f"wfu_{body['prefix']}_")
    assert (body["name"], body["scope"], body["owner"], body["state"]) == ("ci", "operate", "olga", "active")
    assert client_with(body["token"]).get("/api/v1/executions/").status_code == 200
    listed = client_with(body["token"]).get(URL)
    assert body["token"] not in listed.content.decode()
    assert "token" not in listed.json()["results"][0]
    assert AuditEvent.objects.get(action="token.create", target_id=body["prefix"]).source == "api"


def test_only_a_hash_of_the_secret_is_stored(operator_api):
    body = operator_api.post(URL, {"name": "ci"}, format="json").json()

    token = ApiToken.objects.get(prefix=body["prefix"])
    secret = body["token"].split("_", 2)[2]
    assert secret not in token.secret_hash
    assert token.scope == "read"


def test_a_token_may_expire(operator_api):
    expires = (timezone.now() + timedelta(days=30)).isoformat()

    response = operator_api.post(URL, {"name": "ci", "expires_at": expires}, format="json")

    assert response.status_code == 201
    assert response.json()["expires_at"] is not None


def test_an_expiry_in_the_past_is_a_400_that_creates_nothing(operator_api):
    before = ApiToken.objects.count()
    expired = (timezone.now() - timedelta(days=1)).isoformat()

    response = operator_api.post(URL, {"name": "ci", "expires_at": expired}, format="json")

    assert response.status_code == 400
    assert "expires_at" in error_of(response)["message"]
    assert ApiToken.objects.count() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"scope": "read"}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "ci", "scope": "root"}, "scope"),
        ({"name": "ci", "secret": "mine"}, "secret"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(operator_api, body, field):
    before = ApiToken.objects.count()

    response = operator_api.post(URL, body, format="json")

    assert response.status_code == 400
    assert error_of(response)["details"][0]["field"] == field
    assert ApiToken.objects.count() == before


def test_a_token_may_not_mint_a_broader_one(operator):
    client = client_with(token_for(operator, "read"))
    before = ApiToken.objects.count()

    response = client.post(URL, {"name": "escalate", "scope": "operate"}, format="json")

    assert response.status_code == 403
    assert "'read'-scope token" in error_of(response)["message"]
    assert ApiToken.objects.count() == before


def test_a_token_may_mint_one_as_narrow_or_narrower(operator):
    client = client_with(token_for(operator, "operate"))

    assert client.post(URL, {"name": "same", "scope": "operate"}, format="json").status_code == 201
    assert client.post(URL, {"name": "narrower", "scope": "read"}, format="json").status_code == 201


def test_someone_without_a_role_may_not_create_tokens(outsider):
    client = client_with(token_for(outsider, "read"))

    assert client.post(URL, {"name": "ci"}, format="json").status_code == 403
