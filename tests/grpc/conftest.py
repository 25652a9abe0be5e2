"""The gRPC server in this process on a free loopback port, driven through the official SDK stubs.

The server's worker threads make real commits (and run the engine inline after them), so every test here uses
a transactional database: `pytestmark = with_engine`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import grpc
import pytest
from django.core.cache import cache
from yandex.cloud.serverless.workflows.v1 import (
    execution_service_pb2_grpc,
    workflow_service_pb2_grpc,
)

from executions.grpc.server import GrpcServer, build_server
from tests.api.conftest import token_for

T = TypeVar("T")
Metadata = tuple[tuple[str, str], ...]
CALL_TIMEOUT = 10.0


@pytest.fixture(autouse=True)
def _fresh_request_counts():
    """Request rates are counted in the cache: every test starts with a full budget."""
    cache.clear()
    yield
    cache.clear()


def start_server(**options: Any) -> GrpcServer:
    server = build_server("127.0.0.1:0", max_workers=4, **options)
    server.start()
    return server


@pytest.fixture
def grpc_server() -> Iterator[GrpcServer]:
    server = start_server()
    yield server
    server.stop(None)


@pytest.fixture
def channel(grpc_server: GrpcServer) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(f"127.0.0.1:{grpc_server.port}") as channel:
        yield channel


@pytest.fixture
def execution_stub(channel) -> execution_service_pb2_grpc.ExecutionServiceStub:
    return execution_service_pb2_grpc.ExecutionServiceStub(channel)


@pytest.fixture
def workflow_stub(channel) -> workflow_service_pb2_grpc.WorkflowServiceStub:
    return workflow_service_pb2_grpc.WorkflowServiceStub(channel)


def bearer(token: str) -> Metadata:
    return (("authorization", f"Bearer {token}"),)


@pytest.fixture
def as_operator(operator) -> Metadata:
    return bearer(token_for(operator, "operate"))


@pytest.fixture
def as_viewer(viewer) -> Metadata:
    return bearer(token_for(viewer, "read"))


@pytest.fixture
def as_admin(admin_user) -> Metadata:
    return bearer(token_for(admin_user, "admin"))


def rpc_failure(call: Callable[[], Any], code: grpc.StatusCode) -> grpc.RpcError:
    """Make the call and check it fails with `code` and a message."""
    with pytest.raises(grpc.RpcError) as caught:
        call()
    error = caught.value
    assert error.code() == code, (error.code(), error.details())
    assert error.details()
    return error


def rpc_error(call: Callable[[], Any], code: grpc.StatusCode) -> str:
    """The status message of a call that must fail with `code`."""
    return rpc_failure(call, code).details()


def wait_for(check: Callable[[], T], what: str, timeout: float = 10.0) -> T:
    """Poll `check` until it returns something true, failing after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.02)
