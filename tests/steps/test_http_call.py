"""httpCall steps against a real local server: results, the request as sent, error codes, limits, cancel."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from executions.steps import CancelToken, StepFailure, run_handler
from tests.steps.helpers import call, failure, http_command
from tests.steps.server import HUGE_BYTES

pytestmark = pytest.mark.usefixtures("allow_loopback")


# --- Results ----------------------------------------------------------------------------------------------


def test_it_returns_a_json_body_parsed(server, backend):
    assert call(http_command(server.url("/json")), backend) == {"hello": "world", "n": 1}


def test_it_parses_json_subtypes_like_problem_json(server, backend):
    assert call(http_command(server.url("/problem")), backend) == {"type": "about:blank"}


def test_it_returns_a_text_body_as_text(server, backend):
    assert call(http_command(server.url("/text")), backend) == "just text"


def test_it_keeps_a_declared_text_body_as_text_even_if_it_looks_like_json(server, backend):
    assert call(http_command(server.url("/text-that-looks-like-json")), backend) == '{"a": 1}'


def test_it_parses_an_untyped_body_that_is_json(server, backend):
    assert call(http_command(server.url("/untyped-json")), backend) == {"a": [1, 2]}


def test_it_returns_an_untyped_body_that_is_not_json_as_text(server, backend):
    assert call(http_command(server.url("/untyped-text")), backend) == "hello there"


def test_it_returns_a_json_typed_body_that_does_not_parse_as_text(server, backend):
    assert call(http_command(server.url("/broken-json")), backend) == "{not json"


def test_it_does_not_accept_nan_as_json(server, backend):
    assert call(http_command(server.url("/nan-json")), backend) == "[NaN]"


def test_it_decodes_text_with_the_declared_charset(server, backend):
    assert call(http_command(server.url("/latin1")), backend) == "café"


def test_it_returns_null_for_an_empty_body(server, backend):
    assert call(http_command(server.url("/empty")), backend) is None


def test_it_returns_null_for_a_head_request(server, backend):
    assert call(http_command(server.url("/json"), method="HEAD"), backend) is None


def test_it_is_registered_as_the_handler_of_http_call_steps(server):
    assert run_handler(http_command(server.url("/json")), cancelled=threading.Event())["hello"] == "world"


# --- The request as sent ----------------------------------------------------------------------------------


def test_method_headers_query_and_a_json_body_reach_the_server_as_sent(server, backend):
    command = http_command(
        server.url("/echo?keep=yes"),
        method="POST",
        headers={"X-Trace": "abc-123", "Authorization": "Bearer t0ken"},
        query={"q": "two words", "lang": "ru"},
        body={"order": 42, "items": ["a", "b"]},
    )
    seen = call(command, backend)
    assert seen["method"] == "POST"
    assert seen["path"] == "/echo"
    assert seen["query"] == {"keep": ["yes"], "q": ["two words"], "lang": ["ru"]}
    assert seen["headers"]["x-trace"] == "abc-123"
    assert seen["headers"]["authorization"] == "Bearer t0ken"
    assert seen["headers"]["content-type"] == "application/json"
    assert seen["body"] == '{"order":42,"items":["a","b"]}'


def test_it_sends_get_when_no_method_is_given(server, backend):
    command = http_command(server.url("/echo"))
    del command.params["method"]
    assert call(command, backend)["method"] == "GET"


def test_a_string_body_is_sent_as_text(server, backend):
    seen = call(http_command(server.url("/echo"), method="PUT", body="plain words"), backend)
    assert seen["body"] == "plain words"
    assert seen["headers"]["content-type"] == "text/plain; charset=utf-8"


def test_a_json_body_keeps_the_content_type_the_step_sets(server, backend):
    command = http_command(
        server.url("/echo"),
        method="POST",
        headers={"Content-Type": "application/vnd.api+json"},
        body={"data": None},
    )
    seen = call(command, backend)
    assert seen["headers"]["content-type"] == "application/vnd.api+json"
    assert seen["body"] == '{"data":null}'


def test_an_object_body_is_form_encoded_when_the_content_type_says_so(server, backend):
    command = http_command(
        server.url("/echo"),
        method="POST",
        headers={"content-type": "application/x-www-form-urlencoded"},
        body={"grant_type": "client_credentials", "scope": "read write", "n": 3},
    )
    assert call(command, backend)["body"] == "grant_type=client_credentials&scope=read+write&n=3"


# --- Failures ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [404, 500])
def test_an_error_status_fails_with_http_call_and_the_status(server, backend, status):
    error = failure(http_command(server.url(f"/status/{status}")), backend)
    assert error.code == f"HTTP_CALL_{status}"
    assert f"HTTP {status}" in error.message
    assert "boom! details" in error.message
    assert len(error.message) < 600  # the body is cut to its first 500 characters


def test_a_server_slower_than_the_step_timeout_fails_with_step_timeout(server, backend):
    error = failure(http_command(server.url("/slow"), timeout=0.2), backend)
    assert error.code == "STEP_TIMEOUT"
    assert "127.0.0.1" in error.message


@pytest.mark.parametrize("path", ["/huge", "/huge-unsized"])
def test_a_body_over_the_size_cap_fails_with_data_limit_exceeded(server, backend, settings, path):
    settings.WORKFLOWS_HTTP_MAX_RESPONSE_BYTES = 64 * 1024
    error = failure(http_command(server.url(path)), backend)
    assert error.code == "STEP_DATA_LIMIT_EXCEEDED"
    assert "65536 bytes" in error.message


def test_a_body_under_the_size_cap_is_returned_whole(server, backend, settings):
    settings.WORKFLOWS_HTTP_MAX_RESPONSE_BYTES = HUGE_BYTES
    assert len(call(http_command(server.url("/huge")), backend)) == HUGE_BYTES


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A port on 127.0.0.1 that is bound but not listening, so connecting to it is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def test_a_refused_connection_fails_with_a_connection_error(backend, closed_port):
    error = failure(http_command(f"http://127.0.0.1:{closed_port}/"), backend)
    assert error.code == "HTTP_CALL_CONNECTION_ERROR"
    assert "127.0.0.1" in error.message


def test_a_host_that_does_not_resolve_fails_with_a_connection_error(backend, monkeypatch):
    def no_such_host(host, *args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)
    error = failure(http_command("http://no-such-host.test/"), backend)
    assert error.code == "HTTP_CALL_CONNECTION_ERROR"
    assert "no-such-host.test" in error.message
    assert backend.connects == []


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://127.0.0.1/pub",
        "gopher://127.0.0.1/",
        "example.com/no-scheme",
        "http://",
        "",
        "http://[::1/",
    ],
)
def test_an_invalid_url_or_scheme_fails_with_invalid_argument(backend, url):
    error = failure(http_command(url), backend)
    assert error.code == "STEP_INVALID_ARGUMENT"
    assert backend.connects == []


@pytest.mark.parametrize("headers", [{"X-Bad": "line\r\nInjected: yes"}, {"X-Name": "café"}])
def test_a_header_that_http_cannot_carry_fails_with_invalid_argument(server, backend, headers):
    error = failure(http_command(server.url("/echo"), headers=headers), backend)
    assert error.code == "STEP_INVALID_ARGUMENT"
    assert all("injected" not in seen["headers"] for seen in server.requests)


# --- Redirects --------------------------------------------------------------------------------------------


def test_it_follows_a_redirect_to_the_same_server(server, backend):
    assert call(http_command(server.url("/redirect?to=/json")), backend) == {"hello": "world", "n": 1}
    assert [seen["path"] for seen in server.requests] == ["/redirect", "/json"]


def test_it_gives_up_after_the_redirect_limit(server, backend, settings):
    settings.WORKFLOWS_HTTP_MAX_REDIRECTS = 3
    error = failure(http_command(server.url("/loop")), backend)
    assert error.code == "HTTP_CALL_TOO_MANY_REDIRECTS"
    assert len(server.requests) == 4  # the first request and three redirects


def test_it_refuses_to_follow_a_redirect_to_a_file_url(server, backend):
    error = failure(http_command(server.url("/redirect?to=file:///etc/passwd")), backend)
    assert error.code == "STEP_PERMISSION_DENIED"
    assert "'file'" in error.message


# --- Cancellation -----------------------------------------------------------------------------------------


def test_a_step_cancelled_before_it_starts_sends_nothing(server, backend):
    cancelled = threading.Event()
    cancelled.set()
    error = failure(http_command(server.url("/json")), backend, cancelled)
    assert error.code == "STEP_CANCELLED"
    assert backend.connects == []
    assert server.requests == []


def test_a_step_cancelled_while_the_body_arrives_stops_reading(server, backend):
    cancelled = threading.Event()
    server.midway = cancelled
    error = failure(http_command(server.url("/cancel-midway")), backend, cancelled)
    assert error.code == "STEP_CANCELLED"


def test_cancelling_interrupts_a_request_blocked_on_a_silent_server_at_once(server, backend):
    """Terminate must not wait for the read timeout: the socket is shut down under the blocked read."""
    token = CancelToken()
    outcome: dict[str, Any] = {}

    def attempt() -> None:
        try:
            call(http_command(server.url("/slow"), timeout=60), backend, token)
        except StepFailure as failure:
            outcome["error"] = failure

    worker = threading.Thread(target=attempt)
    worker.start()
    deadline = time.monotonic() + 10
    while not server.requests and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.requests, "the request never reached the server"
    token.set()
    worker.join(timeout=10)  # far below the 60 s read timeout
    assert not worker.is_alive()
    assert outcome["error"].code == "STEP_CANCELLED"
