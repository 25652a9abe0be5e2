"""API clients: each acts through a real bearer token of a user in one role."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from executions import services
from executions.actors import Actor

TEST_ACTOR = Actor(label="test", source="cli")

# For tests that need the engine to run: the inline executor works after a real commit.
with_engine = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    """Request counts live in the cache: every test starts with a full budget."""
    cache.clear()
    yield
    cache.clear()


def token_for(user, scope: str = "operate", **kwargs: Any) -> str:
    _, text = services.api_token_create(actor=TEST_ACTOR, owner=user, name="tests", scope=scope, **kwargs)
    return text


def client_with(token: str | None = None) -> APIClient:
    client = APIClient()
    if token is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def error_of(response) -> dict[str, Any]:
    """The error object of an API error response, after checking the shape every error has."""
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]


@pytest.fixture
def operator_api(operator) -> APIClient:
    return client_with(token_for(operator, "operate"))


@pytest.fixture
def viewer_api(viewer) -> APIClient:
    return client_with(token_for(viewer, "read"))


@pytest.fixture
def admin_api(admin_user) -> APIClient:
    return client_with(token_for(admin_user, "admin"))
