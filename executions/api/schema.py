"""The OpenAPI 3 schema (drf-spectacular) of the native API (bearer tokens, strict bodies, one error shape) and
of the Yandex-compatible API (its proto3 JSON messages: executions.yandex_api.schema)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from executions.api.serializers import StrictSerializer

NATIVE_API_PREFIX = "/api/v1/"
YANDEX_API_PREFIX = "/workflows/v1/"

ERROR_DESCRIPTIONS = {
    400: "Bad input (code `invalid` or `parse_error`); `details` name each field, or a spec's line and column",
    401: "No credentials, or a bad, revoked or expired token",
    403: "The role or the token's scope does not allow this",
    404: "No such workflow, execution, revision or token",
    409: "Conflicts with the current state: an illegal transition, a taken name, a reused idempotency key",
    413: "The request body is over the configured limit",
    415: "The body is not JSON",
    429: "Throttled: retry after the number of seconds in the Retry-After header",
}


class ApiAutoSchema(AutoSchema):
    def _map_basic_serializer(self, serializer: Any, direction: str) -> dict[str, Any]:
        schema = super()._map_basic_serializer(serializer, direction)
        if not type(serializer).__dict__.get("__doc__"):
            schema.pop("description", None)  # not a base class's docstring, written for developers
        if isinstance(serializer, StrictSerializer) and direction == "request":
            # The API refuses unknown fields (a typo is an error, not ignored): say so in the schema.
            schema["additionalProperties"] = False
        return schema


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "executions.api.auth.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "wfu_<prefix>_<secret>",
            "description": "An API token: `Authorization: Bearer wfu_<prefix>_<secret>`",
        }


def api_endpoints_only(endpoints: list[tuple[str, str, str, Any]]) -> list[tuple[str, str, str, Any]]:
    """A preprocessing hook: the schema covers the two APIs, /api/v1/ and /workflows/v1/, not the pages."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith((NATIVE_API_PREFIX, YANDEX_API_PREFIX))]


class ErrorDetailSerializer(serializers.Serializer):
    """Field errors carry `field`; specification errors carry `path`, `line` and `column`."""

    message = serializers.CharField()
    field = serializers.CharField(required=False, allow_null=True)
    path = serializers.CharField(required=False, allow_blank=True)
    line = serializers.IntegerField(required=False, allow_null=True)
    column = serializers.IntegerField(required=False, allow_null=True)


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField(help_text="invalid, parse_error, not_authenticated, not_found, conflict, ...")
    message = serializers.CharField()
    details = ErrorDetailSerializer(many=True)


class ErrorSerializer(serializers.Serializer):
    error = ErrorBodySerializer()


def errors(*statuses: int, body: bool = False) -> dict[int, OpenApiResponse]:
    """Error responses of an operation: the given statuses, plus 401, 403 and 429, which every one may give.

    `body` adds what a request body may provoke: 400, 413 and 415.
    """
    codes = set(statuses) | {401, 403, 429} | ({400, 413, 415} if body else set())
    return {code: OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[code]) for code in sorted(codes)}
