"""Failures every route shares: authentication, throttling, size, unknown routes and methods."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework.throttling import BaseThrottle

from executions.errors import InvalidInput
from executions.models import ApiToken, Execution
from executions.yandex_api.requests import json_body
from executions.yandex_api.views import YandexAPIView
from tests.api.conftest import client_with, token_for
from tests.conftest import make_workflow
from tests.yandex_api.conftest import rpc_error

pytestmark = pytest.mark.django_db


class AlwaysThrottled(BaseThrottle):
    def allow_request(self, request, view) -> bool:
        return False

    def wait(self) -> float:
        return 2.5


def test_a_throttled_call_is_resource_exhausted_with_retry_after(viewer_api, monkeypatch):
    monkeypatch.setattr(YandexAPIView, "throttle_classes", [AlwaysThrottled])

    response = viewer_api.get("/workflows/v1/workflow/greeter")

    assert "throttled" in rpc_error(response, 8, 429).lower()
    assert response.headers["Retry-After"] == "3"


def test_a_body_over_the_request_cap_is_resource_exhausted_413_and_starts_nothing(operator_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2048
    make_workflow("greeter")

    response = operator_api.post(
        "/workflows/v1/execution/start",
        {"workflowId": "greeter", "input": {"inputJson": "1" * 4000}},
        format="json",
    )

    assert rpc_error(response, 8, 413) == "the request body is over the limit of 2048 bytes"
    assert Execution.objects.count() == 0


def test_a_revoked_token_is_unauthenticated(operator):
    text = token_for(operator)
    ApiToken.objects.update(revoked_at=timezone.now())

    response = client_with(text).get("/workflows/v1/execution?workflowId=greeter")

    assert rpc_error(response, 16, 401) == "This API token has been revoked."


def test_an_expired_token_is_unauthenticated(operator):
    text = token_for(operator)
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(minutes=1))

    response = client_with(text).get("/workflows/v1/execution?workflowId=greeter")

    assert "expired" in rpc_error(response, 16, 401)


def test_a_malformed_authorization_header_is_unauthenticated(db):
    response = APIClient().get("/workflows/v1/workflow/greeter", HTTP_AUTHORIZATION="Bearer a b")

    assert "Malformed API token" in rpc_error(response, 16, 401)


def test_a_session_post_without_a_csrf_token_is_permission_denied(operator):
    make_workflow("greeter")
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(operator)

    response = client.post("/workflows/v1/execution/start", {"workflowId": "greeter"}, format="json")

    assert "CSRF" in rpc_error(response, 7, 403)
    assert Execution.objects.count() == 0


def test_an_unknown_route_is_not_found(viewer_api):
    response = viewer_api.get("/workflows/v1/executions")

    assert rpc_error(response, 5, 404) == "there is no Yandex Workflows API method at /workflows/v1/executions"


def test_an_unknown_route_with_a_newline_is_not_found_in_the_same_shape(viewer_api):
    response = viewer_api.get("/workflows/v1/execution%0Abad")

    rpc_error(response, 5, 404)


def test_starting_too_often_is_resource_exhausted(operator_api, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK}
    settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]}
    settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["start"] = "2/min"
    make_workflow("greeter")

    responses = [operator_api.post("/workflows/v1/execution/greeter/start") for _ in range(3)]

    assert [r.status_code for r in responses[:2]] == [200, 200]
    rpc_error(responses[2], 8, 429)
    assert Execution.objects.count() == 2


def test_a_method_a_route_does_not_have_is_unimplemented(viewer_api):
    response = viewer_api.delete("/workflows/v1/execution/01hzzzzzzzzzzzzzzzzzzzzzzz")

    assert rpc_error(response, 12, 501) == 'Method "DELETE" not allowed.'
    assert "GET" in response.headers["Allow"]


def test_getting_an_execution_named_start_is_not_found_not_a_wrong_method_on_start(viewer_api):
    """grpc-gateway routes by method and path: GET /execution/start is Get with the id "start"."""
    response = viewer_api.get("/workflows/v1/execution/start")

    assert "start" in rpc_error(response, 5, 404)


@pytest.mark.parametrize("method", ["listAccessBindings", "setAccessBindings", "updateAccessBindings"])
def test_access_bindings_are_unimplemented(admin_api, method):
    make_workflow("greeter")

    response = admin_api.post(f"/workflows/v1/workflow/greeter:{method}", {}, format="json")

    assert "access comes from roles" in rpc_error(response, 12, 501)


def test_form_data_already_read_by_a_csrf_check_is_invalid_argument_not_a_crash():
    request = RequestFactory().post("/workflows/v1/execution/start", {"workflowId": "greeter"})
    request.POST  # noqa: B018 - what CsrfViewMiddleware does for a session's POST

    with pytest.raises(InvalidInput, match="must be JSON, not form data"):
        json_body(request)


def test_the_native_api_keeps_its_own_error_shape(viewer_api):
    response = viewer_api.get("/api/v1/workflows/nosuchworkflow/")

    assert response.status_code == 404 and set(response.json()) == {"error"}
