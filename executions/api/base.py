"""What every native API view shares: the base view, and parsing, acting and paging helpers."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request
from rest_framework.views import APIView

from executions import selectors
from executions.actors import Actor


class ApiView(APIView):
    # Throttles are checked right after authentication, before permissions, so requests without valid
    # credentials count against their IP too (DRF's order would answer them 401 before counting them).
    # `extra_throttle_classes` come on top of the default ones. (Comments, not a docstring: a view's
    # docstring becomes its operations' description in the OpenAPI schema.)

    extra_throttle_classes: tuple[type, ...] = ()

    def get_throttles(self) -> list[Any]:
        return [*super().get_throttles(), *(throttle() for throttle in self.extra_throttle_classes)]

    def perform_authentication(self, request: Request) -> None:
        try:
            request.user  # noqa: B018 - authenticates
        except AuthenticationFailed:
            super().check_throttles(request)
            raise
        super().check_throttles(request)

    def check_throttles(self, request: Request) -> None:
        """Done in perform_authentication."""


def valid(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def actor(request: Request) -> Actor:
    token = getattr(request.user, "api_token", None)
    return Actor.for_user(request.user, source="api", request=request, token=token)


def page_body(
    page: selectors.Page, serializer_class: type[serializers.Serializer], context: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "results": serializer_class(page.items, many=True, context=context or {}).data,
        "next_cursor": page.next_cursor,
    }
