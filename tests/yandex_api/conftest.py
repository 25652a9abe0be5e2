"""Helpers for the Yandex API tests: clients acting through real bearer tokens, and checks of each body
against the official messages of the `yandexcloud` package."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from google.protobuf import empty_pb2, json_format
from google.protobuf.message import Message
from google.rpc import status_pb2
from rest_framework.test import APIClient
from yandex.cloud.serverless.workflows.v1 import workflow_service_pb2

from tests.api.conftest import client_with, token_for

# Imported so that the messages an Operation's Any fields hold (Workflow, *WorkflowMetadata, Empty) can be parsed.
PACKABLE = (empty_pb2.Empty, workflow_service_pb2.CreateWorkflowMetadata)

YANDEX_TIME = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3}|\.\d{6})?Z$"
YANDEX_DURATION = r"^\d+(\.\d{3}|\.\d{6})?s$"


def assert_message(body: dict[str, Any], message_class: type[Message]) -> Message:
    """`body` is the canonical proto3 JSON of `message_class`: the official parser takes it (it refuses unknown
    names, wrong types and bad enum names), and printing the parsed message gives back exactly `body`
    (so defaults are omitted, int64 are strings, times and durations are in protobuf's own form)."""
    message = json_format.ParseDict(body, message_class())
    assert json_format.MessageToDict(message) == body
    return message


def rpc_error(response, code: int, http_status: int) -> str:
    """The message of an error response, after checking it is a google.rpc.Status with this code."""
    assert response.status_code == http_status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "details"}
    assert body["code"] == code and body["details"] == []
    assert isinstance(body["message"], str) and body["message"]
    json_format.ParseDict(body, status_pb2.Status())
    return body["message"]


@pytest.fixture(autouse=True)
def _fresh_request_counts():
    """Request rates are counted in the cache: every test starts with a full budget."""
    cache.clear()
    yield
    cache.clear()


def yandex_client(user, scope: str) -> APIClient:
    return client_with(token_for(user, scope))


@pytest.fixture
def operator_api(operator) -> APIClient:
    return yandex_client(operator, "operate")


@pytest.fixture
def viewer_api(viewer) -> APIClient:
    return yandex_client(viewer, "read")


@pytest.fixture
def admin_api(admin_user) -> APIClient:
    return yandex_client(admin_user, "admin")
