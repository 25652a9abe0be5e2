"""Workflow pages: the list, the detail (spec, graph, revisions, start form), create/edit, revision diffs."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from executions import selectors, services
from executions.dashboard import contexts, diff
from executions.dashboard.highlight import highlight
from executions.errors import Conflict, InvalidInput
from executions.forms import RevisionDiffForm, StartForm, WorkflowForm
from executions.models import Execution, Workflow
from executions.views.common import (
    INLINE_ERRORS,
    HtmxHttpRequest,
    actor_for,
    domain_errors,
    error_status,
    require_manager,
    require_operator,
    role_context,
    template_for,
    viewer_required,
)

RECENT = 10
REVISIONS_SHOWN = 20


@require_GET
@login_required
@viewer_required
def workflow_list(request: HtmxHttpRequest) -> HttpResponse:
    since = timezone.now() - timedelta(days=1)
    activity = {row["workflow_id"]: row for row in selectors.workflow_busiest(since=since, limit=1000)}
    context = {"workflows": selectors.workflow_list(), "activity": activity, **role_context(request)}
    return render(request, "executions/workflow_list.html", context)


@require_GET
@login_required
@viewer_required
@domain_errors
def workflow_detail(request: HtmxHttpRequest, workflow_id: str) -> HttpResponse:
    workflow = selectors.workflow_get(workflow_id=workflow_id)
    return workflow_page(request, workflow, form=StartForm(workflow=workflow))


@require_POST
@login_required
@viewer_required
@domain_errors
def workflow_start(request: HtmxHttpRequest, workflow_id: str) -> HttpResponse:
    workflow = selectors.workflow_get(workflow_id=workflow_id)
    form = StartForm(request.POST, workflow=workflow)
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


@require_http_methods(["GET", "POST"])
@login_required
@viewer_required
@domain_errors
def workflow_create(request: HtmxHttpRequest) -> HttpResponse:
    require_manager(request)
    form = WorkflowForm(request.POST or None)
    status = 400 if form.is_bound else 200
    if form.is_bound and form.is_valid():
        try:
            workflow = services.workflow_create(actor=actor_for(request), **form.cleaned_data)
            messages.success(request, f"Workflow {workflow.name} created.")
            return redirect("executions:workflow_detail", workflow.pk)
        except (InvalidInput, Conflict) as exc:
            form.add_domain_error(exc)
            status = error_status(exc)
    return workflow_form_page(request, form, workflow=None, status=status)


@require_http_methods(["GET", "POST"])
@login_required
@viewer_required
@domain_errors
def workflow_edit(request: HtmxHttpRequest, workflow_id: str) -> HttpResponse:
    workflow = selectors.workflow_get(workflow_id=workflow_id)
    require_manager(request)
    form = WorkflowForm(request.POST or None, editing=True, initial=initial_of(workflow))
    status = 400 if form.is_bound else 200
    if form.is_bound and form.is_valid():
        try:
            services.workflow_update(actor=actor_for(request), workflow=workflow, **form.cleaned_data)
            messages.success(request, f"Workflow {workflow.name} saved.")
            return redirect("executions:workflow_detail", workflow.pk)
        except (InvalidInput, Conflict) as exc:
            form.add_domain_error(exc)
            status = error_status(exc)
    return workflow_form_page(request, form, workflow=workflow, status=status)


@require_GET
@login_required
@viewer_required
@domain_errors
def workflow_diff(request: HtmxHttpRequest, workflow_id: str) -> HttpResponse:
    workflow = selectors.workflow_get(workflow_id=workflow_id)
    form = RevisionDiffForm(request.GET)
    if not form.is_valid():
        raise InvalidInput("choose two revisions to compare: ?old=<number>&new=<number>")
    old = selectors.workflow_revision_get(workflow=workflow, number=form.cleaned_data["old"])
    new = selectors.workflow_revision_get(workflow=workflow, number=form.cleaned_data["new"])
    rows = diff.line_diff(old.yaml_text, new.yaml_text)
    context = {"workflow": workflow, "old": old, "new": new, "rows": rows, "counts": diff.counts(rows)}
    return render(request, "executions/workflow_diff.html", context)


# --- shared by the views above ------------------------------------------------------------------------------


def redirect_to_execution(request: HtmxHttpRequest, execution: Execution) -> HttpResponse:
    url = reverse("executions:execution_detail", args=[execution.pk])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def workflow_page(
    request: HtmxHttpRequest, workflow: Workflow, *, form: StartForm, status: int = 200, fragment: str = ""
) -> HttpResponse:
    template = "executions/workflow_detail.html"
    revision = workflow.current_revision
    context = {
        "workflow": workflow,
        "form": form,
        "recent": selectors.execution_list(filters=selectors.ExecutionFilters(workflow_id=workflow.pk))[:RECENT],
        "revisions": selectors.workflow_revisions(workflow=workflow)[:REVISIONS_SHOWN],
        "yaml_lines": highlight(revision.yaml_text) if revision else [],
        "graph": contexts.revision_graph(revision) if revision else None,
        **role_context(request),
    }
    return render(request, template_for(request, template, fragment) if fragment else template, context, status=status)


def workflow_form_page(
    request: HtmxHttpRequest, form: WorkflowForm, *, workflow: Workflow | None, status: int
) -> HttpResponse:
    text = form.data.get("yaml_text", "") if form.is_bound else ""
    context = {
        "form": form,
        "workflow": workflow,
        "yaml_lines": highlight(text, problems=form.yaml_problems) if form.yaml_problems else [],
    }
    return render(request, "executions/workflow_form.html", context, status=status)


def initial_of(workflow: Workflow) -> dict[str, str]:
    revision = workflow.current_revision
    return {
        "description": workflow.description,
        "labels": WorkflowForm.labels_text(workflow.labels),
        "yaml_text": revision.yaml_text if revision else "",
    }
