from __future__ import annotations

from django.urls import path

from executions import views

app_name = "executions"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("workflows/", views.workflow_list, name="workflow_list"),
    path("workflows/<str:workflow_id>/", views.workflow_detail, name="workflow_detail"),
    path("workflows/<str:workflow_id>/start/", views.workflow_start, name="workflow_start"),
    path("executions/", views.execution_list, name="execution_list"),
    path("executions/<str:execution_id>/", views.execution_detail, name="execution_detail"),
    path("executions/<str:execution_id>/stop/", views.execution_stop, name="execution_stop"),
    path("executions/<str:execution_id>/terminate/", views.execution_terminate, name="execution_terminate"),
]
