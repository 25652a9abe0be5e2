from __future__ import annotations

from django.urls import path

from executions import views

app_name = "executions"
execution = "executions/<str:execution_id>"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("workflows/", views.workflow_list, name="workflow_list"),
    path("workflows/new/", views.workflow_create, name="workflow_create"),
    path("workflows/<str:workflow_id>/", views.workflow_detail, name="workflow_detail"),
    path("workflows/<str:workflow_id>/edit/", views.workflow_edit, name="workflow_edit"),
    path("workflows/<str:workflow_id>/diff/", views.workflow_diff, name="workflow_diff"),
    path("workflows/<str:workflow_id>/start/", views.workflow_start, name="workflow_start"),
    path("executions/", views.execution_list, name="execution_list"),
    path("executions/bulk/", views.execution_bulk, name="execution_bulk"),
    path(f"{execution}/", views.execution_detail, name="execution_detail"),
    path(f"{execution}/stop/", views.execution_stop, name="execution_stop"),
    path(f"{execution}/terminate/", views.execution_terminate, name="execution_terminate"),
    path(f"{execution}/pause/", views.execution_pause, name="execution_pause"),
    path(f"{execution}/resume/", views.execution_resume, name="execution_resume"),
    path(f"{execution}/retry/", views.execution_retry, name="execution_retry"),
    path(f"{execution}/input.json", views.execution_data, {"part": "input"}, name="execution_input"),
    path(f"{execution}/result.json", views.execution_data, {"part": "result"}, name="execution_result"),
    path(f"{execution}/runs/<int:run_id>/", views.execution_run, name="execution_run"),
    path(
        f"{execution}/runs/<int:run_id>/input.json",
        views.execution_run_data,
        {"part": "input"},
        name="execution_run_input",
    ),
    path(
        f"{execution}/runs/<int:run_id>/output.json",
        views.execution_run_data,
        {"part": "output"},
        name="execution_run_output",
    ),
    path("tokens/", views.token_list, name="token_list"),
    path("tokens/new/", views.token_create, name="token_create"),
    path("tokens/<str:prefix>/revoke/", views.token_revoke, name="token_revoke"),
]
