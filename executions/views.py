"""The operator dashboard: server-rendered pages; each view also serves an HTMX fragment of its template.

Views parse the request, call one service or selector, and render. The rules (what may happen, when) live in
the services and in `engine.states`; permissions in `executions.permissions`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails

from executions import permissions, selectors, services
from executions.actors import Actor
from executions.engine.states import Action, ExecutionStatus, can
from executions.errors import Conflict, Forbidden, IllegalTransition, InvalidInput, NotFound
from executions.forms import ExecutionFilterForm, StartForm
from executions.models import Execution, HistoryEntry, Workflow

RECENT = 10
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


def actor_for(request: HtmxHttpRequest) -> Actor:
    return Actor.for_user(request.user, source="ui", request=request)


# --- pages ------------------------------------------------------------------------------------------------


@require_GET
@login_required
@viewer_required
def overview(request: HtmxHttpRequest) -> HttpResponse:
    context = {
        "counts": selectors.execution_status_counts(),
        "latest": selectors.execution_list()[:RECENT],
        "workflow_count": selectors.workflow_list().count(),
    }
    return render(request, "executions/overview.html", context)


@require_GET
@login_required
@viewer_required
def workflow_list(request: HtmxHttpRequest) -> HttpResponse:
    return render(request, "executions/workflow_list.html", {"workflows": selectors.workflow_list()})


@require_GET
@login_required
@viewer_required
@domain_errors
def workflow_detail(request: HtmxHttpRequest, workflow_id: str) -> HttpResponse:
    workflow = selectors.workflow_get(workflow_id=workflow_id)
    return workflow_page(request, workflow, form=StartForm())


@require_POST
@login_required
@viewer_required
@domain_errors
def workflow_start(request: HtmxHttpRequest, workflow_id: str) -> HttpResponse:
    workflow = selectors.workflow_get(workflow_id=workflow_id)
    form = StartForm(request.POST)
    try:
        require_operator(request)
        if form.is_valid():
            execution = services.execution_start(actor=actor_for(request), workflow=workflow, **form.cleaned_data)
            return redirect_to_execution(request, execution)
        status = 400
    except INLINE_ERRORS as exc:
        form.add_domain_error(exc)
        status = error_status(exc)
    return workflow_page(request, workflow, form=form, status=status, fragment="start-form")


@require_GET
@login_required
@viewer_required
def execution_list(request: HtmxHttpRequest) -> HttpResponse:
    form = ExecutionFilterForm(request.GET, workflows=selectors.workflow_list())
    page, status = None, 400
    if form.is_valid():
        queryset = selectors.execution_list(filters=form.filters())
        try:
            page = selectors.execution_page(queryset=queryset, cursor=form.cleaned_data["cursor"], size=PAGE_SIZE)
            status = 200
        except InvalidInput as exc:
            form.add_error(None, exc.message)
    template = template_for(request, "executions/list.html", "results")
    return render(request, template, {"form": form, "page": page}, status=status)


@require_GET
@login_required
@viewer_required
@domain_errors
def execution_detail(request: HtmxHttpRequest, execution_id: str) -> HttpResponse:
    return execution_page(request, selectors.execution_get(execution_id=execution_id))


@require_POST
@login_required
@viewer_required
@domain_errors
def execution_stop(request: HtmxHttpRequest, execution_id: str) -> HttpResponse:
    return operate(request, execution_id, services.execution_stop, done="Stop requested.")


@require_POST
@login_required
@viewer_required
@domain_errors
def execution_terminate(request: HtmxHttpRequest, execution_id: str) -> HttpResponse:
    return operate(request, execution_id, services.execution_terminate, done="Execution terminated.")


# --- shared by the pages above ------------------------------------------------------------------------------


def operate(
    request: HtmxHttpRequest, execution_id: str, action: Callable[..., Execution], *, done: str
) -> HttpResponse:
    """Ask a service to act on an execution; a refusal is shown inline on the execution's page."""
    try:
        require_operator(request)
        action(actor=actor_for(request), execution_id=execution_id)
    except INLINE_ERRORS as exc:
        execution = selectors.execution_get(execution_id=execution_id)
        return execution_page(request, execution, message=error_message(exc), status=error_status(exc))
    if wants_fragment(request):
        return execution_page(request, selectors.execution_get(execution_id=execution_id), notice=done)
    messages.success(request, done)
    return redirect("executions:execution_detail", execution_id)


def redirect_to_execution(request: HtmxHttpRequest, execution: Execution) -> HttpResponse:
    url = reverse("executions:execution_detail", args=[execution.pk])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def workflow_page(
    request: HtmxHttpRequest, workflow: Workflow, *, form: StartForm, status: int = 200, fragment: str = ""
) -> HttpResponse:
    template = "executions/workflow_detail.html"
    context = {
        "workflow": workflow,
        "form": form,
        "recent": selectors.execution_list(filters=selectors.ExecutionFilters(workflow_id=workflow.pk))[:RECENT],
        "can_operate": permissions.can_operate(request.user),
    }
    return render(request, template_for(request, template, fragment) if fragment else template, context, status=status)


def execution_page(
    request: HtmxHttpRequest, execution: Execution, *, message: str = "", notice: str = "", status: int = 200
) -> HttpResponse:
    can_operate = permissions.can_operate(request.user)
    context = {
        "execution": execution,
        "history": nested(selectors.execution_history(execution=execution)),
        "audit": selectors.execution_audit(execution=execution),
        "live": not ExecutionStatus(execution.status).is_terminal,
        "can_stop": can_operate and can(execution.status, Action.STOP),
        "can_terminate": can_operate and can(execution.status, Action.TERMINATE),
        "message": message,
        "notice": notice,
        # A fragment response also carries the timeline, swapped out of band, so history keeps up with status.
        "fragment": wants_fragment(request),
    }
    template = template_for(request, "executions/detail.html", "status-panel")
    return render(request, template, context, status=status)


def nested(entries: Iterable[HistoryEntry]) -> list[HistoryEntry]:
    """Runs in tree order (each followed by the runs nested in it), each with a `depth` to indent by."""
    children: dict[int | None, list[HistoryEntry]] = defaultdict(list)
    for entry in entries:
        children[entry.parent_id].append(entry)
    ordered: list[HistoryEntry] = []
    stack = [(entry, 0) for entry in reversed(children[None])]
    while stack:
        entry, depth = stack.pop()
        entry.depth = depth
        ordered.append(entry)
        stack.extend((child, depth + 1) for child in reversed(children[entry.pk]))
    return ordered
