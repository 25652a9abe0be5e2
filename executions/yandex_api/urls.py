"""The Yandex Workflows REST API, mounted at /workflows/v1/: the HTTP bindings of the official protos.

Ids in paths: a workflow's id or name; an execution's id. No trailing slashes, as in Yandex's API.
"""

from __future__ import annotations

from django.urls import path, re_path

from executions.yandex_api import views

app_name = "yandex_api"
urlpatterns = [
    # ExecutionService
    path("execution/start", views.ExecutionStartView.as_view(), name="start"),
    path("execution", views.ExecutionListView.as_view(), name="executions"),
    path("execution/<str:workflow_id>/start", views.ExecutionStartByLinkView.as_view(), name="start-by-link"),
    path("execution/<str:execution_id>/stop", views.ExecutionStopView.as_view(), name="stop"),
    path("execution/<str:execution_id>/terminate", views.ExecutionTerminateView.as_view(), name="terminate"),
    path("execution/<str:execution_id>/history", views.ExecutionHistoryView.as_view(), name="history"),
    path("execution/<str:execution_id>", views.ExecutionDetailView.as_view(), name="execution"),
    # WorkflowService
    path("workflow", views.WorkflowListView.as_view(), name="workflows"),
    re_path(
        r"^workflow/(?P<workflow_id>[^/:]+):(?P<method>listAccessBindings|setAccessBindings|updateAccessBindings)$",
        views.access_bindings,
        name="access-bindings",
    ),
    path("workflow/<str:workflow_id>/operations", views.WorkflowOperationsView.as_view(), name="operations"),
    path("workflow/<str:workflow_id>", views.WorkflowDetailView.as_view(), name="workflow"),
    # Anything else under /workflows/v1/ is NOT_FOUND in the API's error shape, not an HTML page.
    re_path(r"^(?P<path>[\s\S]*)$", views.endpoint_not_found, name="not-found"),
]
