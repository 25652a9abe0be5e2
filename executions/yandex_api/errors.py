"""The Yandex API's exception handler: every failure is a google.rpc.Status `{code, message, details}`.

The gRPC code comes from `executions.yandex_mapping` (shared with the gRPC servicers), the HTTP status from
the grpc-gateway table there, with one exception: a request body over the size cap is RESOURCE_EXHAUSTED (what
a gRPC server answers for an oversize message) sent as HTTP 413, not 429, because 429 tells a client to retry
later and a retry of the same body can never succeed.

| failure | code | HTTP |
|---|---|---|
| bad JSON, wrong type, unknown field, bad filter or page token, invalid spec | 3 INVALID_ARGUMENT | 400 |
| unknown workflow, execution or URL | 5 NOT_FOUND | 404 |
| a workflow name that is taken | 6 ALREADY_EXISTS | 409 |
| the caller's role or token scope does not allow it (or a failed CSRF check) | 7 PERMISSION_DENIED | 403 |
| throttled | 8 RESOURCE_EXHAUSTED | 429 (with Retry-After) |
| body over WORKFLOWS_MAX_REQUEST_BYTES | 8 RESOURCE_EXHAUSTED | 413 |
| illegal transition (stop a finished run), delete a workflow that has executions | 9 FAILED_PRECONDITION | 400 |
| a method the route does not have, access bindings | 12 UNIMPLEMENTED | 501 |
| anything unexpected (a bug; logged) | 13 INTERNAL | 500 |
| no, malformed, wrong, revoked or expired token | 16 UNAUTHENTICATED | 401 |
"""

from __future__ import annotations

import logging
import math
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404
from rest_framework import exceptions as drf
from rest_framework.response import Response
from rest_framework.views import set_rollback

from executions.engine.states import IllegalTransition
from executions.errors import DomainError
from executions.yandex_mapping import HTTP_STATUS, Code, domain_error_code, error_body

logger = logging.getLogger(__name__)

NOT_AUTHENTICATED = "authentication credentials were not provided: send 'Authorization: Bearer <API token>'"


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    view = context.get("view")
    code, message, status = describe(exc, conflict=getattr(view, "conflict_code", Code.ALREADY_EXISTS))
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(math.ceil(exc.wait))
    if code == Code.INTERNAL:
        logger.error("unexpected error in the Yandex API", exc_info=exc)
    set_rollback()
    return Response(error_body(code, message), status=status, headers=headers)


def describe(exc: Exception, *, conflict: Code = Code.ALREADY_EXISTS) -> tuple[Code, str, int]:
    """(gRPC code, message, HTTP status) for an exception raised while serving a Yandex API call."""
    if isinstance(exc, IllegalTransition):
        return _with_status(Code.FAILED_PRECONDITION, str(exc))
    if isinstance(exc, DomainError):
        return _with_status(domain_error_code(exc, conflict=conflict), exc.message)
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return Code.RESOURCE_EXHAUSTED, f"the request body is over the limit of {limit} bytes", 413
    if isinstance(exc, SuspiciousOperation):
        return _with_status(Code.INVALID_ARGUMENT, str(exc) or "the request is malformed")
    if isinstance(exc, Http404):
        return _with_status(Code.NOT_FOUND, str(exc) or "not found")
    if isinstance(exc, DjangoPermissionDenied):
        return _with_status(Code.PERMISSION_DENIED, str(exc) or "you do not have permission to do this")
    if isinstance(exc, drf.APIException):
        return _with_status(*_drf(exc))
    return _with_status(Code.INTERNAL, "internal error")


def _drf(exc: drf.APIException) -> tuple[Code, str]:
    if isinstance(exc, drf.NotAuthenticated):
        return Code.UNAUTHENTICATED, NOT_AUTHENTICATED
    if isinstance(exc, drf.AuthenticationFailed):
        return Code.UNAUTHENTICATED, str(exc.detail)
    if isinstance(exc, drf.PermissionDenied):
        return Code.PERMISSION_DENIED, str(exc.detail)
    if isinstance(exc, drf.Throttled):
        return Code.RESOURCE_EXHAUSTED, str(exc.detail)
    if isinstance(exc, drf.MethodNotAllowed):
        return Code.UNIMPLEMENTED, str(exc.detail)
    if isinstance(exc, drf.NotFound):
        return Code.NOT_FOUND, str(exc.detail)
    return Code.INVALID_ARGUMENT, str(exc.detail)


def _with_status(code: Code, message: str) -> tuple[Code, str, int]:
    return code, message, HTTP_STATUS[code]
