from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from executions.views import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/v1/", include("executions.api.urls")),
    path("api/schema/", include("executions.api.schema_urls")),
    # Before the pages: `/workflows/v1/...` must not match the workflow page of an id "v1".
    path("workflows/v1/", include("executions.yandex_api.urls")),
    path("", include("executions.urls")),
]
