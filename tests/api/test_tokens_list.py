from __future__ import annotations

import pytest

from executions import services
from tests.api.conftest import TEST_ACTOR, client_with, error_of, token_for

pytestmark = pytest.mark.django_db
URL = "/api/v1/tokens/"


def test_a_user_lists_their_own_tokens_without_secrets(operator, viewer):
    text = token_for(operator, "operate")
    services.api_token_create(actor=TEST_ACTOR, owner=operator, name="ci", scope="read")
    token_for(viewer, "read")

    response = client_with(text).get(URL)

    assert response.status_code == 200
    results = response.json()["results"]
    assert [(item["name"], item["scope"], item["owner"]) for item in results] == [
        ("ci", "read", "olga"),
        ("tests", "operate", "olga"),
    ]
    assert set(results[0]) == {
        "prefix",
        "name",
        "scope",
        "owner",
        "state",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    }
    assert text.split("_")[1] == results[1]["prefix"]
    assert text.split("_", 2)[2] not in response.content.decode()
    assert results[1]["last_used_at"] is not None and results[1]["state"] == "active"


def test_revoked_tokens_are_listed_as_revoked(operator):
    token, _ = services.api_token_create(actor=TEST_ACTOR, owner=operator, name="old")
    services.api_token_revoke(actor=TEST_ACTOR, token=token)

    response = client_with(token_for(operator)).get(URL)

    states = {item["name"]: item["state"] for item in response.json()["results"]}
    assert states == {"old": "revoked", "tests": "active"}


def test_an_admin_lists_everyones_tokens_with_all(admin_api, operator):
    token_for(operator)

    mine = admin_api.get(URL).json()["results"]
    everyone = admin_api.get(URL, {"all": "1"}).json()["results"]

    assert {item["owner"] for item in mine} == {"ada"}
    assert {item["owner"] for item in everyone} == {"ada", "olga"}


def test_others_may_not_list_everyones_tokens(operator_api):
    response = operator_api.get(URL, {"all": "true"})

    assert response.status_code == 403
    assert "admins" in error_of(response)["message"]


def test_an_admins_operate_token_may_not_list_everyones_tokens(admin_user):
    response = client_with(token_for(admin_user, "operate")).get(URL, {"all": "1"})

    assert response.status_code == 403


def test_the_list_pages_with_a_cursor(operator):
    text = token_for(operator)
    for number in range(4):
        services.api_token_create(actor=TEST_ACTOR, owner=operator, name=f"t{number}")
    client = client_with(text)

    first = client.get(URL, {"page_size": 3}).json()
    second = client.get(URL, {"page_size": 3, "cursor": first["next_cursor"]}).json()

    names = [item["name"] for item in first["results"] + second["results"]]
    assert names == ["t3", "t2", "t1", "t0", "tests"]
    assert second["next_cursor"] is None


def test_a_bad_query_is_a_400(operator_api):
    assert operator_api.get(URL, {"all": "maybe"}).status_code == 400
    assert operator_api.get(URL, {"cursor": "!!"}).status_code == 400


def test_someone_without_a_role_may_not_list_tokens(outsider):
    assert client_with(token_for(outsider, "read")).get(URL).status_code == 403
