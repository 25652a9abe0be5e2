"""What every dashboard view shares: error mapping, access decorators, fragment negotiation."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_htmx.middleware import HtmxDetails

from executions import permissions
from executions.actors import Actor
from executions.errors import Conflict, Forbidden, IllegalTransition, InvalidInput, NotFound

PAGE_SIZE = 50

# The one map from domain errors to HTTP statuses, for inline messages and error pages alike.
ERROR_STATUS: tuple[tuple[type[Exception], int], ...] = (
    (NotFound, 404),
    (InvalidInput, 400),
    (Forbidden, 403),
    (Conflict, 409),
    (IllegalTransition, 409),
)
# Errors a page shows inline, next to what caused them; NotFound gets the error page instead.
INLINE_ERRORS = (InvalidInput, Forbidden, Conflict, IllegalTransition)


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


View = Callable[..., HttpResponse]


def error_status(exc: Exception) -> int:
    return next(status for kind, status in ERROR_STATUS if isinstance(exc, kind))


def error_message(exc: Exception) -> str:
    return getattr(exc, "message", None) or str(exc)


def wants_fragment(request: HtmxHttpRequest) -> bool:
    """An HTMX request for a piece of the page (not a boosted navigation, not a history restore)."""
    return bool(request.htmx) and not request.htmx.boosted and not request.htmx.history_restore_request


def template_for(request: HtmxHttpRequest, template: str, fragment: str) -> str:
    return f"{template}#{fragment}" if wants_fragment(request) else template


def error_page(request: HtmxHttpRequest, exc: Exception) -> HttpResponse:
    status = error_status(exc)
    context = {"status": status, "message": error_message(exc)}
    return render(request, template_for(request, "executions/error.html", "error-message"), context, status=status)


def viewer_required(view: View) -> View:
    """A logged-in user without a role sees a 403 page, never the data."""

    @wraps(view)
    def wrapper(request: HtmxHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not permissions.can_view(request.user):
            return error_page(request, Forbidden("Your account has no role on this dashboard: ask an administrator."))
        return view(request, *args, **kwargs)

    return wrapper


def domain_errors(view: View) -> View:
    """A domain error the view did not show inline becomes an error page with its status."""

    @wraps(view)
    def wrapper(request: HtmxHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except (NotFound, *INLINE_ERRORS) as exc:
            return error_page(request, exc)

    return wrapper


def require_operator(request: HtmxHttpRequest) -> None:
    if not permissions.can_operate(request.user):
        raise Forbidden("Your role may view executions but not start, stop or terminate them.")


def require_manager(request: HtmxHttpRequest) -> None:
    if not permissions.can_manage_workflows(request.user):
        raise Forbidden("Only administrators may create or edit workflows.")


def actor_for(request: HtmxHttpRequest) -> Actor:
    return Actor.for_user(request.user, source="ui", request=request)


def role_context(request: HtmxHttpRequest) -> dict[str, bool]:
    return {
        "can_operate": permissions.can_operate(request.user),
        "can_manage": permissions.can_manage_workflows(request.user),
    }
