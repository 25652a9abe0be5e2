from __future__ import annotations

from django.urls import path

from executions import consumers

websocket_urlpatterns = [
    path("ws/overview/", consumers.OverviewConsumer.as_asgi()),
    path("ws/executions/", consumers.ExecutionListConsumer.as_asgi()),
    path("ws/executions/<str:execution_id>/", consumers.ExecutionDetailConsumer.as_asgi()),
]
