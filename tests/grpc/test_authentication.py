"""Bearer tokens in the `authorization` metadata, the same tokens, scopes and request rates as the REST APIs."""

from __future__ import annotations

from datetime import timedelta

import grpc
import pytest
from django.utils import timezone
from yandex.cloud.serverless.workflows.v1 import execution_service_pb2 as pb

from executions import services
from executions.models import ApiToken
from tests.api.conftest import TEST_ACTOR, client_with, token_for, with_engine
from tests.conftest import make_user, make_workflow
from tests.grpc.conftest import bearer, rpc_error, rpc_failure

pytestmark = with_engine


@pytest.fixture(autouse=True)
def _workflow():
    make_workflow("greeter")


def list_executions(stub, metadata):
    return stub.List(pb.ListExecutionsRequest(workflow_id="greeter"), metadata=metadata, timeout=10)


def test_a_call_without_a_token_is_unauthenticated(execution_stub):
    message = rpc_error(lambda: list_executions(execution_stub, ()), grpc.StatusCode.UNAUTHENTICATED)

    assert message.startswith("authentication credentials were not provided")
    assert "authorization: Bearer" in message


def test_another_scheme_is_unauthenticated(execution_stub):
    metadata = (("authorization", "Basic b2xnYTpwdw=="),)

    rpc_error(lambda: list_executions(execution_stub, metadata), grpc.StatusCode.UNAUTHENTICATED)


@pytest.mark.parametrize("value", ["Bearer", "Bearer a b", "Bearer not-a-token", "Bearer wfu_abc", "Bearer wfu__s"])
def test_a_malformed_token_is_unauthenticated(execution_stub, value):
    message = rpc_error(
        lambda: list_executions(execution_stub, (("authorization", value),)), grpc.StatusCode.UNAUTHENTICATED
    )

    assert message.startswith("Malformed API token")


def test_an_unknown_token_is_unauthenticated(execution_stub):
    message = rpc_error(
        lambda: list_executions(execution_stub, bearer("wfu_000000000000_no-such-secret")),
        grpc.StatusCode.UNAUTHENTICATED,
    )

    assert message == "Invalid API token."


def test_a_revoked_token_is_unauthenticated(execution_stub, viewer):
    text = token_for(viewer, "read")
    services.api_token_revoke(actor=TEST_ACTOR, token=ApiToken.objects.get())

    message = rpc_error(lambda: list_executions(execution_stub, bearer(text)), grpc.StatusCode.UNAUTHENTICATED)

    assert message == "This API token has been revoked."


def test_an_expired_token_is_unauthenticated(execution_stub, viewer):
    text = token_for(viewer, "read", expires_at=timezone.now() + timedelta(seconds=30))
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    message = rpc_error(lambda: list_executions(execution_stub, bearer(text)), grpc.StatusCode.UNAUTHENTICATED)

    assert message.startswith("This API token expired at")


def test_two_authorization_entries_are_unauthenticated(execution_stub, viewer):
    text = token_for(viewer, "read")
    metadata = (*bearer(text), *bearer(text))

    rpc_error(lambda: list_executions(execution_stub, metadata), grpc.StatusCode.UNAUTHENTICATED)


def test_a_valid_token_is_marked_used(execution_stub, viewer):
    text = token_for(viewer, "read")

    list_executions(execution_stub, bearer(text))

    assert ApiToken.objects.get().last_used_at is not None


def test_a_user_in_no_role_is_permission_denied(execution_stub):
    outsider = make_user("oscar")

    message = rpc_error(
        lambda: list_executions(execution_stub, bearer(token_for(outsider, "read"))), grpc.StatusCode.PERMISSION_DENIED
    )

    assert "viewer role" in message


def test_a_read_token_of_an_operator_may_not_stop(execution_stub, operator):
    request = pb.StopExecutionRequest(execution_id="whatever")
    metadata = bearer(token_for(operator, "read"))

    rpc_error(lambda: execution_stub.Stop(request, metadata=metadata), grpc.StatusCode.PERMISSION_DENIED)


def rate(settings, **rates: str) -> None:
    current = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {**current, **rates}}


def test_a_token_over_its_rate_is_resource_exhausted(execution_stub, as_viewer, settings):
    rate(settings, user="2/min")
    list_executions(execution_stub, as_viewer)
    list_executions(execution_stub, as_viewer)

    error = rpc_failure(lambda: list_executions(execution_stub, as_viewer), grpc.StatusCode.RESOURCE_EXHAUSTED)

    assert error.details().startswith("too many requests: try again in ")
    assert 1 <= int(dict(error.trailing_metadata())["retry-after"]) <= 60


def test_a_token_has_one_budget_across_rest_and_grpc(execution_stub, viewer, settings):
    rate(settings, user="1/min")
    text = token_for(viewer, "read")

    assert client_with(text).get("/workflows/v1/workflow?folderId=f").status_code == 200

    rpc_error(lambda: list_executions(execution_stub, bearer(text)), grpc.StatusCode.RESOURCE_EXHAUSTED)


def test_calls_with_bad_credentials_count_against_the_address(execution_stub, settings):
    rate(settings, anon="1/min")
    rpc_error(lambda: list_executions(execution_stub, ()), grpc.StatusCode.UNAUTHENTICATED)

    rpc_error(lambda: list_executions(execution_stub, bearer("wfu_0_x")), grpc.StatusCode.RESOURCE_EXHAUSTED)
