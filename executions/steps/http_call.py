"""httpCall steps: one HTTP request through the SSRF guard; the response body is the raw result.

Decisions: redirects are followed hop by hop here rather than by httpx's own loop,
because httpx reads every redirect body into memory with no limit; each hop still goes through the guarded
transport. A JSON content-type is parsed as JSON, a response without a content-type is parsed if it is JSON,
any other declared type stays text, and an empty body is null.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx
from django.conf import settings

from executions.engine.errors import (
    STEP_DATA_LIMIT_EXCEEDED,
    STEP_INTERNAL,
    STEP_INVALID_ARGUMENT,
    STEP_PERMISSION_DENIED,
    STEP_TIMEOUT,
    http_call_code,
)
from executions.engine.protocol import RunStep
from executions.steps import CancelToken, StepFailure
from executions.steps.ssrf import AddressGuard, AddressRefused, GuardedTransport, literal_address

log = logging.getLogger(__name__)

STEP_CANCELLED = "STEP_CANCELLED"
# Decision: connect/DNS/reset failures get their own code, retryable and catchable (STEP_INTERNAL never is).
HTTP_CALL_CONNECTION_ERROR = "HTTP_CALL_CONNECTION_ERROR"
HTTP_CALL_TOO_MANY_REDIRECTS = "HTTP_CALL_TOO_MANY_REDIRECTS"

ERROR_BODY_CHARS = 500
_ERROR_BODY_BYTES = 4 * ERROR_BODY_CHARS  # enough bytes for 500 characters of any UTF-8 text
_SCHEMES = ("http", "https")
_FORM = "application/x-www-form-urlencoded"
_DEFAULT_HEADERS = {"User-Agent": "workflows-ui (httpCall step)"}


def run(command: RunStep, cancelled: threading.Event, *, network_backend: httpcore.NetworkBackend | None = None) -> Any:
    """Make the request `command.params` describe; `network_backend` replaces the socket layer in tests."""
    try:
        return _mapped(command, cancelled, network_backend)
    except StepFailure as failure:
        # Cancelling shuts the socket down under a blocked read; whatever error that caused, it was a cancel.
        if cancelled.is_set() and failure.code != STEP_CANCELLED:
            raise StepFailure(STEP_CANCELLED, "the step was cancelled") from None
        raise


def _mapped(command: RunStep, cancelled: threading.Event, network_backend: httpcore.NetworkBackend | None) -> Any:
    """Run the call, every failure mapped to a StepFailure with its YaWL code."""
    try:
        return _call(command, cancelled, network_backend)
    except StepFailure:
        raise
    except AddressRefused as exc:
        raise StepFailure(STEP_PERMISSION_DENIED, str(exc)) from None
    except httpx.TimeoutException as exc:
        raise StepFailure(STEP_TIMEOUT, _timeout_message(exc, command.timeout_seconds)) from None
    except (httpx.InvalidURL, httpx.UnsupportedProtocol, httpx.LocalProtocolError) as exc:
        raise StepFailure(STEP_INVALID_ARGUMENT, f"invalid request: {exc}") from None
    except (httpx.HTTPError, httpx.StreamError) as exc:
        raise StepFailure(HTTP_CALL_CONNECTION_ERROR, f"request to {_host_of(exc)} failed: {exc}") from None
    except Exception as exc:  # a handler only ever raises StepFailure
        log.warning("httpCall %s failed unexpectedly", command.path, exc_info=True)
        raise StepFailure(STEP_INTERNAL, f"unexpected error: {type(exc).__name__}") from None


def _call(command: RunStep, cancelled: threading.Event, network_backend: httpcore.NetworkBackend | None) -> Any:
    guard = AddressGuard(settings.WORKFLOWS_HTTP_ALLOW)
    url = _checked_url(command.params.get("url"), guard)
    timeout = command.timeout_seconds
    deadline = time.monotonic() + timeout
    transport = GuardedTransport(guard, inner=network_backend)
    if isinstance(cancelled, CancelToken):
        cancelled.on_cancel(transport.abort)
    client_timeout = httpx.Timeout(timeout, connect=min(settings.WORKFLOWS_HTTP_CONNECT_TIMEOUT, timeout))
    with httpx.Client(transport=transport, timeout=client_timeout, headers=_DEFAULT_HEADERS, trust_env=False) as client:
        request = _build_request(client, url, command.params)
        response = _send(client, request, cancelled)
        try:
            return _result(response, cancelled, deadline, timeout)
        finally:
            response.close()


def _checked_url(raw: Any, guard: AddressGuard) -> httpx.URL:
    if not isinstance(raw, str) or not raw.strip():
        raise StepFailure(STEP_INVALID_ARGUMENT, "the url is empty")
    try:
        parts = urlsplit(raw.strip())
        host = parts.hostname or ""
    except ValueError as exc:
        raise StepFailure(STEP_INVALID_ARGUMENT, f"invalid url: {exc}") from None
    if parts.scheme.lower() not in _SCHEMES:
        scheme = parts.scheme or "none"
        raise StepFailure(STEP_INVALID_ARGUMENT, f"the url must be http:// or https://, got {scheme!r}")
    # An early refusal for IP literals in any spelling, even ones httpx rejects as invalid (`0177.0.0.1`);
    # the authoritative check is the one made on connect.
    literal = literal_address(host)
    if literal is not None:
        guard.check(host, [literal])
    try:
        url = httpx.URL(raw.strip())
    except httpx.InvalidURL as exc:
        raise StepFailure(STEP_INVALID_ARGUMENT, f"invalid url: {exc}") from None
    if not url.host:
        raise StepFailure(STEP_INVALID_ARGUMENT, "the url has no host")
    return url


def _build_request(client: httpx.Client, url: httpx.URL, params: dict[str, Any]) -> httpx.Request:
    method = str(params.get("method") or "GET").upper()
    headers = _string_map(params.get("headers"), "headers")
    query = _string_map(params.get("query"), "query")
    content = _encode_body(params["body"], headers) if "body" in params else None
    # Merged by hand: httpx's `params=` replaces the url's own query string instead of adding to it.
    if query:
        url = url.copy_merge_params(query)
    try:
        return client.build_request(method, url, headers=headers, content=content)
    except (ValueError, TypeError) as exc:  # e.g. a header value that is not ASCII
        raise StepFailure(STEP_INVALID_ARGUMENT, f"invalid request: {exc}") from None


def _string_map(value: Any, field: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise StepFailure(STEP_INVALID_ARGUMENT, f"{field} must be an object")
    return {str(k): _text(v) for k, v in value.items() if v is not None}


def _encode_body(body: Any, headers: dict[str, str]) -> bytes:
    """A string is sent as text, anything else as JSON, unless a form content-type asks for a form."""
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), None)
    if isinstance(body, str):
        if content_type is None:
            headers["Content-Type"] = "text/plain; charset=utf-8"
        return body.encode()
    if isinstance(body, dict) and content_type is not None and _media_type(content_type) == _FORM:
        fields = httpx.QueryParams({str(k): _text(v) for k, v in body.items()})
        return str(fields).encode()
    if content_type is None:
        headers["Content-Type"] = "application/json"
    return _text(body).encode()


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        raise StepFailure(STEP_INVALID_ARGUMENT, "the request holds a value that is not JSON") from None


def _send(client: httpx.Client, request: httpx.Request, cancelled: threading.Event) -> httpx.Response:
    max_redirects = settings.WORKFLOWS_HTTP_MAX_REDIRECTS
    hops = 0
    while True:
        _raise_if_cancelled(cancelled)
        response = client.send(request, stream=True)
        if response.next_request is None:
            return response
        response.close()  # a redirect body is never read
        if hops == max_redirects:
            raise StepFailure(
                HTTP_CALL_TOO_MANY_REDIRECTS, f"{request.url.host} redirected more than {max_redirects} times"
            )
        request = response.next_request
        if request.url.scheme not in _SCHEMES:
            raise StepFailure(STEP_PERMISSION_DENIED, f"refused to follow a redirect to a {request.url.scheme!r} URL")
        hops += 1


def _result(response: httpx.Response, cancelled: threading.Event, deadline: float, timeout: float) -> Any:
    if response.status_code >= 400:
        body = _read(response, cancelled, deadline, timeout, limit=_ERROR_BODY_BYTES, truncate=True)
        snippet = _decode(body, response)[:ERROR_BODY_CHARS]
        raise StepFailure(
            http_call_code(response.status_code),
            f"HTTP {response.status_code} from {response.request.url.host}: {snippet}",
        )
    body = _read(response, cancelled, deadline, timeout, limit=settings.WORKFLOWS_HTTP_MAX_RESPONSE_BYTES)
    return _parse(body, response)


def _read(
    response: httpx.Response,
    cancelled: threading.Event,
    deadline: float,
    timeout: float,
    *,
    limit: int,
    truncate: bool = False,
) -> bytes:
    body = bytearray()
    for chunk in response.iter_bytes():
        _raise_if_cancelled(cancelled)
        body += chunk
        if len(body) > limit:
            if truncate:
                return bytes(body[:limit])
            raise StepFailure(STEP_DATA_LIMIT_EXCEEDED, f"the response body is larger than {limit} bytes")
        # httpx's read timeout bounds each wait; this bounds a body trickling in slower than the step allows.
        if time.monotonic() > deadline:
            raise StepFailure(STEP_TIMEOUT, f"the response took longer than {timeout:g}s")
    return bytes(body)


def _parse(body: bytes, response: httpx.Response) -> Any:
    if not body:
        return None
    media_type = _media_type(response.headers.get("content-type", ""))
    if not media_type or media_type.endswith(("/json", "+json")):
        try:
            return json.loads(body, parse_constant=_reject_constant)
        except (ValueError, RecursionError):
            pass
    return _decode(body, response)


def _decode(body: bytes, response: httpx.Response) -> str:
    try:
        return body.decode(response.charset_encoding or "utf-8", errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _raise_if_cancelled(cancelled: threading.Event) -> None:
    if cancelled.is_set():
        raise StepFailure(STEP_CANCELLED, "the step was cancelled")


def _timeout_message(exc: httpx.TimeoutException, timeout: float) -> str:
    host = _host_of(exc)
    if isinstance(exc, httpx.ConnectTimeout):
        return f"timed out connecting to {host}"
    return f"{host} did not answer within {timeout:g}s"


def _host_of(exc: Exception) -> str:
    try:
        return str(exc.request.url.host)  # type: ignore[attr-defined]
    except (AttributeError, RuntimeError):
        return "the server"
