"""Bearer tokens on every endpoint; exercised here through GET /api/v1/executions/."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from executions import services
from executions.models import ApiToken
from tests.api.conftest import TEST_ACTOR, client_with, error_of, token_for

pytestmark = pytest.mark.django_db
URL = "/api/v1/executions/"


def test_it_answers_401_without_credentials():
    response = client_with(None).get(URL)

    assert response.status_code == 401
    assert error_of(response)["code"] == "not_authenticated"
    assert "Authorization: Bearer" in error_of(response)["message"]
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer a b",
        "Bearer not-a-token",
        "Bearer wfu_",
        "Bearer wfu_abc",
        "Bearer wfu__secret",
        "Bearer wfu_" + "a" * 40 + "_secret",
    ],
)
def test_it_answers_401_for_a_malformed_token(header):
    response = client_with(None).get(URL, HTTP_AUTHORIZATION=header)

    assert response.status_code == 401
    error = error_of(response)
    assert error["code"] == "authentication_failed"
    assert "Malformed" in error["message"]


def test_it_answers_401_for_a_token_with_bytes_that_are_not_ascii():
    response = client_with(None).get(URL, HTTP_AUTHORIZATION="Bearer wfu_abc_séc".encode().decode("latin-1"))

    assert response.status_code == 401


def test_it_answers_401_for_an_unknown_token():
    response = client_with("wfu_000000000000_no-such-secret").get(URL)

    assert response.status_code == 401
    error = error_of(response)
    assert error == {"code": "authentication_failed", "message": "Invalid API token.", "details": []}


def test_it_answers_401_for_a_known_prefix_with_the_wrong_secret(viewer):
    prefix = token_for(viewer, "read").split("_")[1]

    response = client_with(f"wfu_{prefix}_wrong-secret").get(URL)

    assert response.status_code == 401
    assert error_of(response)["message"] == "Invalid API token."


def test_it_answers_401_for_a_revoked_token(viewer):
    text = token_for(viewer, "read")
    services.api_token_revoke(actor=TEST_ACTOR, token=ApiToken.objects.get())

    response = client_with(text).get(URL)

    assert response.status_code == 401
    assert error_of(response)["message"] == "This API token has been revoked."


def test_it_answers_401_for_an_expired_token(viewer):
    text = token_for(viewer, "read", expires_at=timezone.now() + timedelta(days=1))
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    response = client_with(text).get(URL)

    assert response.status_code == 401
    assert "expired" in error_of(response)["message"]


def test_it_answers_401_for_the_token_of_an_inactive_user(viewer):
    text = token_for(viewer, "read")
    viewer.is_active = False
    viewer.save()

    response = client_with(text).get(URL)

    assert response.status_code == 401
    assert "inactive" in error_of(response)["message"]


def test_a_valid_token_authenticates_and_records_when_it_was_used(viewer):
    text = token_for(viewer, "read")

    response = client_with(text).get(URL)

    assert response.status_code == 200
    assert ApiToken.objects.get().last_used_at is not None


def test_it_records_use_at_most_once_a_minute(viewer):
    text = token_for(viewer, "read")
    recent = timezone.now() - timedelta(seconds=10)
    ApiToken.objects.update(last_used_at=recent)

    client_with(text).get(URL)

    assert ApiToken.objects.get().last_used_at == recent


def test_it_records_use_again_after_a_minute(viewer):
    text = token_for(viewer, "read")
    old = timezone.now() - timedelta(minutes=2)
    ApiToken.objects.update(last_used_at=old)

    client_with(text).get(URL)

    assert ApiToken.objects.get().last_used_at > old


def test_a_logged_in_browser_session_can_read_without_a_token(client, viewer):
    client.force_login(viewer)

    response = client.get(URL)

    assert response.status_code == 200


def test_a_token_cannot_act_beyond_its_owners_role(viewer):
    client = client_with(token_for(viewer, "admin"))

    response = client.post(URL, {"workflow_id": "greeter"}, format="json")

    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"


def test_a_browser_session_must_send_the_csrf_token_to_write(operator):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(operator)

    response = client.post(URL, {"workflow_id": "greeter"}, format="json")

    assert response.status_code == 403
    assert "CSRF" in error_of(response)["message"]
