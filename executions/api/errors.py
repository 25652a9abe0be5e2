"""The native API's one exception handler: every error is `{"error": {"code", "message", "details"}}`.

Domain errors (executions.errors) and DRF's own errors map to the HTTP statuses below; anything else is a bug
and is left to become a 500.

| status | code |
|---|---|
| 400 | `invalid` (a field, a query parameter, a spec: details say which), `parse_error` (malformed JSON) |
| 401 | `not_authenticated` (no credentials), `authentication_failed` (a bad, revoked or expired token) |
| 403 | `permission_denied` |
| 404 | `not_found` |
| 405 / 406 / 415 | `method_not_allowed` / `not_acceptable` / `unsupported_media_type` |
| 409 | `conflict` (a taken name, a reused idempotency key), `illegal_transition` (stopping a finished run) |
| 413 | `request_too_large` |
| 429 | `throttled` (with Retry-After) |
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404
from rest_framework import exceptions as drf
from rest_framework.response import Response
from rest_framework.views import set_rollback

from executions.api.mapping import api_status
from executions.errors import Conflict, DomainError, Forbidden, IllegalTransition, InvalidInput, NotFound

DOMAIN_ERRORS: list[tuple[type[DomainError], int, str]] = [
    (NotFound, 404, "not_found"),
    (InvalidInput, 400, "invalid"),
    (Conflict, 409, "conflict"),
    (Forbidden, 403, "permission_denied"),
]
MAX_FIELDS_IN_MESSAGE = 3


@dataclass
class ApiError:
    status: int
    code: str
    message: str
    details: list[dict[str, Any]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    error = describe(exc)
    if error is None:
        return None
    set_rollback()
    return Response(error.body(), status=error.status, headers=error.headers)


def describe(exc: Exception) -> ApiError | None:
    if isinstance(exc, IllegalTransition):
        message = f"cannot {exc.action} an execution that is {api_status(exc.status)}"
        return ApiError(409, "illegal_transition", message)
    if isinstance(exc, DomainError):
        for cls, status, code in DOMAIN_ERRORS:
            if isinstance(exc, cls):
                return ApiError(status, code, exc.message, list(exc.details))
        return ApiError(400, exc.code, exc.message, list(exc.details))
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return ApiError(413, "request_too_large", f"the request body is over the limit of {limit} bytes")
    if isinstance(exc, SuspiciousOperation):
        return ApiError(400, "bad_request", str(exc) or "the request is malformed")
    if isinstance(exc, Http404):
        return ApiError(404, "not_found", str(exc) or "not found")
    if isinstance(exc, DjangoPermissionDenied):
        return ApiError(403, "permission_denied", str(exc) or "you do not have permission to do this")
    if isinstance(exc, drf.ValidationError):
        return _validation_error(exc)
    if isinstance(exc, drf.APIException):
        return _api_exception(exc)
    return None


def _api_exception(exc: drf.APIException) -> ApiError:
    message = str(exc.detail)
    if isinstance(exc, drf.ParseError) and message.startswith("JSON parse error - "):
        message = "the request body is not valid JSON: " + message.removeprefix("JSON parse error - ")
    if isinstance(exc, drf.NotAuthenticated):
        message = "authentication credentials were not provided: send 'Authorization: Bearer <API token>'"
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if isinstance(exc, drf.Throttled):
        # DRF gives no wait when the history is odd (a rate lowered meanwhile): one second is still an answer.
        wait = max(1, math.ceil(exc.wait or 0))
        headers["Retry-After"] = str(wait)
        message = f"too many requests: try again in {wait} second{'s' if wait != 1 else ''}"
    return ApiError(exc.status_code, exc.default_code, message, headers=headers)


def _validation_error(exc: drf.ValidationError) -> ApiError:
    details = _flatten(exc.detail)
    shown = "; ".join(
        f"{item['field']}: {item['message']}" if item["field"] else item["message"]
        for item in details[:MAX_FIELDS_IN_MESSAGE]
    )
    if len(details) > MAX_FIELDS_IN_MESSAGE:
        shown += f" (and {len(details) - MAX_FIELDS_IN_MESSAGE} more)"
    return ApiError(400, "invalid", f"invalid request: {shown}" if shown else "invalid request", details)


def _flatten(detail: Any, where: str = "") -> list[dict[str, Any]]:
    """DRF's nested error detail -> [{"field": "labels.team", "message": "..."}]; field null for the body."""
    if isinstance(detail, dict):
        items = []
        for key, value in detail.items():
            if key == "non_field_errors":
                name = where
            elif isinstance(key, int):
                name = f"{where}[{key}]"
            else:
                name = f"{where}.{key}" if where else str(key)
            items.extend(_flatten(value, name))
        return items
    if isinstance(detail, list):
        return [item for value in detail for item in _flatten(value, where)]
    return [{"field": where or None, "message": str(detail)}]
