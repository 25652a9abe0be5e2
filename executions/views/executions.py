"""Execution pages: the list (filters, bulk actions), the detail (header, timeline, graph, history), actions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms import Form
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from executions import selectors, services
from executions.dashboard import contexts
from executions.errors import InvalidInput
from executions.forms import BulkForm, ExecutionFilterForm, HistoryQueryForm, RetryForm
from executions.models import Execution
from executions.views.common import (
    INLINE_ERRORS,
    PAGE_SIZE,
    HtmxHttpRequest,
    actor_for,
    domain_errors,
    error_message,
    error_status,
    require_operator,
    role_context,
    template_for,
    viewer_required,
    wants_fragment,
)


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
    context = {"form": form, "page": page, "page_size": PAGE_SIZE, **role_context(request)}
    return render(request, template_for(request, "executions/list.html", "results"), context, status=status)


@require_GET
@login_required
@viewer_required
@domain_errors
def execution_detail(request: HtmxHttpRequest, execution_id: str) -> HttpResponse:
    execution = selectors.execution_get(execution_id=execution_id)
    if wants_fragment(request) and request.GET.get("since") == execution.updated_at.isoformat():
        return HttpResponse(status=204)  # the page already shows this version: nothing to swap
    return execution_page(request, execution, query=history_query(request))


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


@require_POST
@login_required
@viewer_required
@domain_errors
def execution_pause(request: HtmxHttpRequest, execution_id: str) -> HttpResponse:
    return operate(request, execution_id, services.execution_pause, done="Pause requested.")


@require_POST
@login_required
@viewer_required
@domain_errors
def execution_resume(request: HtmxHttpRequest, execution_id: str) -> HttpResponse:
    return operate(request, execution_id, services.execution_resume, done="Execution resumed.")


@require_POST
@login_required
@viewer_required
@domain_errors
def execution_retry(request: HtmxHttpRequest, execution_id: str) -> HttpResponse:
    form = RetryForm(request.POST)
    return operate(request, execution_id, services.execution_retry, done="Retry started.", form=form)


@require_GET
@login_required
@viewer_required
@domain_errors
def execution_run(request: HtmxHttpRequest, execution_id: str, run_id: int) -> HttpResponse:
    execution = selectors.execution_get(execution_id=execution_id)
    entry = selectors.execution_run_get(execution=execution, run_id=run_id)
    context = {
        "execution": execution,
        "entry": entry,
        "input_preview": contexts.preview(entry.input),
        "output_preview": contexts.preview(entry.output) if entry.output is not None else None,
    }
    return render(request, template_for(request, "executions/run.html", "run-data"), context)


@require_GET
@login_required
@viewer_required
@domain_errors
def execution_run_data(request: HtmxHttpRequest, execution_id: str, run_id: int, part: str) -> HttpResponse:
    execution = selectors.execution_get(execution_id=execution_id)
    entry = selectors.execution_run_get(execution=execution, run_id=run_id)
    return json_download(getattr(entry, part), f"{execution.pk}-run-{run_id}-{part}.json")


@require_GET
@login_required
@viewer_required
@domain_errors
def execution_data(request: HtmxHttpRequest, execution_id: str, part: str) -> HttpResponse:
    execution = selectors.execution_get(execution_id=execution_id)
    return json_download(getattr(execution, part), f"{execution.pk}-{part}.json")


@require_POST
@login_required
@viewer_required
def execution_bulk(request: HtmxHttpRequest) -> HttpResponse:
    form = BulkForm(request.POST)
    try:
        require_operator(request)
        action, ids = services.check_bulk_request(**bulk_request(form))
        if not form.cleaned_data["confirmed"]:
            preview = selectors.execution_bulk_preview(execution_ids=ids, action=action)
            return bulk_page(request, "bulk-confirm", {"action": action, "preview": preview, "ids": ids})
        outcomes = services.execution_bulk(actor=actor_for(request), action=action, execution_ids=ids)
        return bulk_page(request, "bulk-result", {"action": action, "outcomes": outcomes, **bulk_rows(request, ids)})
    except INLINE_ERRORS as exc:
        return bulk_page(request, "bulk-error", {"message": error_message(exc)}, status=error_status(exc))


# --- shared by the views above ------------------------------------------------------------------------------


def history_query(request: HtmxHttpRequest) -> contexts.HistoryQuery:
    form = HistoryQueryForm(request.GET)
    if not form.is_valid():
        raise InvalidInput(first_error(form))
    data = form.cleaned_data
    return contexts.HistoryQuery(after=data["after"], step=data["step"], run=data["run"])


def operate(
    request: HtmxHttpRequest,
    execution_id: str,
    action: Callable[..., Execution],
    *,
    done: str,
    form: RetryForm | None = None,
) -> HttpResponse:
    """Ask a service to act on an execution; a refusal is shown inline on the execution's page."""
    try:
        require_operator(request)
        action(actor=actor_for(request), execution_id=execution_id, **valid_kwargs(form))
    except INLINE_ERRORS as exc:
        execution = selectors.execution_get(execution_id=execution_id)
        return execution_page(request, execution, message=error_message(exc), status=error_status(exc), form=form)
    if wants_fragment(request):
        return execution_page(request, selectors.execution_get(execution_id=execution_id), notice=done)
    messages.success(request, done)
    return redirect("executions:execution_detail", execution_id)


def valid_kwargs(form: RetryForm | None) -> dict[str, Any]:
    if form is None:
        return {}
    if not form.is_valid():
        raise InvalidInput(first_error(form))
    return form.service_kwargs()


def first_error(form: Form) -> str:
    field, errors = next(iter(form.errors.items()))
    label = form.fields[field].label if field in form.fields else ""
    return f"{label}: {errors[0]}" if label else str(errors[0])


def execution_page(
    request: HtmxHttpRequest,
    execution: Execution,
    *,
    query: contexts.HistoryQuery | None = None,
    message: str = "",
    notice: str = "",
    status: int = 200,
    form: RetryForm | None = None,
) -> HttpResponse:
    context = contexts.execution_context(execution=execution, user=request.user, query=query or contexts.HistoryQuery())
    context.update(
        message=message,
        notice=notice,
        # A fragment response also carries the timeline, graph, history and audit, swapped out of band.
        fragment=wants_fragment(request),
    )
    if form is not None:
        context.update(retry_form=form, retry_open=form.is_bound and bool(form.errors))
    return render(request, template_for(request, "executions/detail.html", "status-panel"), context, status=status)


def bulk_request(form: BulkForm) -> dict[str, Any]:
    if not form.is_valid():
        raise InvalidInput(first_error(form))
    return {"action": form.cleaned_data["action"], "execution_ids": form.cleaned_data["ids"]}


def bulk_rows(request: HtmxHttpRequest, ids: list[str]) -> dict[str, Any]:
    """The touched executions' list rows, swapped out of band so the table shows the outcome at once."""
    return {"rows": [(e, False) for e in selectors.execution_list().filter(pk__in=ids)], **role_context(request)}


def bulk_page(request: HtmxHttpRequest, fragment: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    context = {"fragment_name": fragment, **context}
    return render(request, template_for(request, "executions/bulk.html", fragment), context, status=status)


def json_download(value: Any, filename: str) -> HttpResponse:
    response = JsonResponse(value, safe=False, json_dumps_params={"indent": 2, "ensure_ascii": False})
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
