"""The native API's OpenAPI schema and its documentation pages, mounted at /api/schema/.

Swagger UI and ReDoc are served from drf-spectacular-sidecar's static files: no CDN, so they work offline.
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from executions.api import schema  # noqa: F401 - registers the OpenAPI security scheme for the bearer tokens

app_name = "api-schema"
urlpatterns = [
    path("", SpectacularAPIView.as_view(), name="schema"),
    path("swagger/", SpectacularSwaggerView.as_view(url_name="api-schema:schema"), name="swagger"),
    path(
        "redoc/",
        # Our template drops the stock page's Google Fonts links.
        SpectacularRedocView.as_view(url_name="api-schema:schema", template_name="api/redoc.html"),
        name="redoc",
    ),
]
