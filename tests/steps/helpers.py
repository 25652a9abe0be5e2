"""Helpers for step handler tests: a socket layer that records every connect, commands, calls."""

from __future__ import annotations

import threading
from typing import Any

import httpcore
import pytest

from executions.engine.protocol import RunStep
from executions.engine.states import StepType
from executions.steps import StepFailure
from executions.steps.http_call import run

_NO_BODY = object()


class RecordingBackend(httpcore.NetworkBackend):
    """The socket layer under the SSRF guard: records each connect, and only ever connects to 127.0.0.1.

    An empty `connects` after a refusal proves the guard refused before any connection was attempted.
    """

    def __init__(self) -> None:
        self.connects: list[tuple[str, int]] = []
        self._real = httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, **kwargs: Any) -> httpcore.NetworkStream:
        self.connects.append((host, port))
        if host != "127.0.0.1":
            raise AssertionError(f"a test tried to connect to {host}")
        return self._real.connect_tcp(host, port, **kwargs)


def http_command(
    url: str,
    *,
    method: str = "GET",
    headers: dict[str, Any] | None = None,
    query: dict[str, Any] | None = None,
    body: Any = _NO_BODY,
    timeout: float = 10.0,
) -> RunStep:
    params: dict[str, Any] = {"url": url, "method": method, "headers": headers or {}, "query": query or {}}
    if body is not _NO_BODY:
        params["body"] = body
    return RunStep(
        run_id=1,
        attempt=1,
        step_type=StepType.HTTP_CALL,
        path="call",
        input={},
        params=params,
        timeout_seconds=timeout,
    )


def call(command: RunStep, backend: RecordingBackend, cancelled: threading.Event | None = None) -> Any:
    return run(command, cancelled or threading.Event(), network_backend=backend)


def failure(command: RunStep, backend: RecordingBackend, cancelled: threading.Event | None = None) -> StepFailure:
    with pytest.raises(StepFailure) as info:
        call(command, backend, cancelled)
    return info.value
