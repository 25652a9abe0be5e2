"""Fixtures for step handler tests: a local HTTP server, a recording socket layer, the allow-list."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from executions.steps.ssrf import literal_address
from tests.steps.helpers import RecordingBackend
from tests.steps.server import StubServer


@pytest.fixture
def server():
    stub = StubServer().start()
    yield stub
    stub.stop()


@pytest.fixture
def backend() -> RecordingBackend:
    return RecordingBackend()


@pytest.fixture
def allow_loopback(settings):
    settings.WORKFLOWS_HTTP_ALLOW = ["127.0.0.1"]


@pytest.fixture(autouse=True)
def _nothing_allowed_by_default(settings):
    settings.WORKFLOWS_HTTP_ALLOW = []


@pytest.fixture(autouse=True)
def _no_real_dns(monkeypatch):
    """Fails any test that would send a DNS query: only IP literals and localhost may reach the resolver."""
    real = socket.getaddrinfo
    queried: list[str] = []

    def local_only(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name.lower() != "localhost" and literal_address(name) is None:
            queried.append(name)
            raise socket.gaierror(socket.EAI_NONAME, f"the tests may not look up {name!r}")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", local_only)
    yield
    assert queried == [], f"a test tried to resolve {queried}"
