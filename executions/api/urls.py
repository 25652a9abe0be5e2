"""The native API, mounted at /api/v1/. Ids in paths: a workflow's id or name; an execution's id."""

from __future__ import annotations

from django.urls import path, re_path

from executions.api import views

app_name = "api"
urlpatterns = [
    path("workflows/", views.WorkflowListView.as_view(), name="workflows"),
    path("workflows/<slug:workflow_id>/", views.WorkflowDetailView.as_view(), name="workflow"),
    path("executions/", views.ExecutionListView.as_view(), name="executions"),
    path("executions/<slug:execution_id>/", views.ExecutionDetailView.as_view(), name="execution"),
    path(
        "executions/<slug:execution_id>/history/",
        views.ExecutionHistoryView.as_view(),
        name="execution-history",
    ),
    path("executions/<slug:execution_id>/stop/", views.ExecutionStopView.as_view(), name="execution-stop"),
    path(
        "executions/<slug:execution_id>/terminate/",
        views.ExecutionTerminateView.as_view(),
        name="execution-terminate",
    ),
    # Anything else under /api/v1/ is a 404 in the API's error shape (and a hint about a missing slash).
    re_path(r"^(?P<path>.*)$", views.endpoint_not_found, name="not-found"),
]
