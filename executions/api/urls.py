"""The native API, mounted at /api/v1/. Ids in paths: a workflow's id or name; an execution's id.

`workflows/validate/` comes before `workflows/<id>/`: a workflow named "validate" is reached by its id.
"""

from __future__ import annotations

from django.urls import path, re_path

from executions.api import (
    audit_views,
    schema,  # noqa: F401 - registers the OpenAPI security scheme for the bearer tokens
    token_views,
    views,
)

app_name = "api"
urlpatterns = [
    path("workflows/", views.WorkflowListView.as_view(), name="workflows"),
    path("workflows/validate/", views.WorkflowValidateView.as_view(), name="workflow-validate"),
    path("workflows/<slug:workflow_id>/", views.WorkflowDetailView.as_view(), name="workflow"),
    path(
        "workflows/<slug:workflow_id>/revisions/",
        views.WorkflowRevisionListView.as_view(),
        name="workflow-revisions",
    ),
    path(
        "workflows/<slug:workflow_id>/revisions/<int:number>/",
        views.WorkflowRevisionDetailView.as_view(),
        name="workflow-revision",
    ),
    path("executions/", views.ExecutionListView.as_view(), name="executions"),
    path("executions/batch/", views.ExecutionBatchView.as_view(), name="executions-batch"),
    path("executions/<slug:execution_id>/", views.ExecutionDetailView.as_view(), name="execution"),
    path(
        "executions/<slug:execution_id>/history/",
        views.ExecutionHistoryView.as_view(),
        name="execution-history",
    ),
    path("executions/<slug:execution_id>/audit/", audit_views.ExecutionAuditView.as_view(), name="execution-audit"),
    path("executions/<slug:execution_id>/stop/", views.ExecutionStopView.as_view(), name="execution-stop"),
    path(
        "executions/<slug:execution_id>/terminate/",
        views.ExecutionTerminateView.as_view(),
        name="execution-terminate",
    ),
    path("executions/<slug:execution_id>/pause/", views.ExecutionPauseView.as_view(), name="execution-pause"),
    path("executions/<slug:execution_id>/resume/", views.ExecutionResumeView.as_view(), name="execution-resume"),
    path("executions/<slug:execution_id>/retry/", views.ExecutionRetryView.as_view(), name="execution-retry"),
    path("audit-events/", audit_views.AuditEventListView.as_view(), name="audit-events"),
    path("tokens/", token_views.TokenListView.as_view(), name="tokens"),
    path("tokens/<slug:prefix>/", token_views.TokenDetailView.as_view(), name="token"),
    # Anything else under /api/v1/ is a 404 in the API's error shape (and a hint about a missing slash);
    # `[\s\S]`, not `.`: a path with an encoded newline is caught here too, not by the HTML pages.
    re_path(r"^(?P<path>[\s\S]*)$", views.endpoint_not_found, name="not-found"),
]
