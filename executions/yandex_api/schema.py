"""The Yandex API in the OpenAPI schema: the AutoSchema of its views, and their parameters and errors.

The views' `extend_schema` name their messages with `ref()` / `body()`; the AutoSchema registers those
components (executions.yandex_api.openapi_messages) and everything they refer to.
"""

from __future__ import annotations

import copy
from typing import Any

from drf_spectacular.plumbing import ComponentIdentity, ResolvedComponent
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from executions.api.schema import ApiAutoSchema
from executions.yandex_api.openapi_messages import COMPONENT_PREFIX, COMPONENTS, REF_PREFIX, Schema, ref
from executions.yandex_api.pages import INT32_MAX, MAX_PAGE_SIZE
from executions.yandex_mapping import Code

EXECUTION_TAG = "Yandex ExecutionService"
WORKFLOW_TAG = "Yandex WorkflowService"


def body(message: str) -> dict[str, Schema]:
    """A JSON request body holding `message` (required: every request message is a JSON object)."""
    return {"application/json": ref(message)}


# --- operations' parameters and errors ------------------------------------------------------------------------


def path_parameter(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, str, OpenApiParameter.PATH, description=description)


EXECUTION_ID = path_parameter("execution_id", "The execution's id")
WORKFLOW_ID = path_parameter("workflow_id", "The workflow's id or name")


def list_parameters(*, required: str = "", page_size_max: int = INT32_MAX) -> list[OpenApiParameter]:
    """The query of a List call: `required` (workflowId, folderId), pageSize, pageToken, filter."""
    page_size = {"type": "integer", "format": "int64", "minimum": 0, "maximum": page_size_max}
    parameters = [
        OpenApiParameter(
            "pageSize",
            page_size,
            description=f"0 (or none) means 100; at most {MAX_PAGE_SIZE} are returned",
        ),
        OpenApiParameter("pageToken", str, description="nextPageToken of the previous page, with the same query"),
    ]
    if required:
        parameters.insert(0, OpenApiParameter(required, {"type": "string", "minLength": 1}, required=True))
    return parameters


def filter_parameter(description: str) -> OpenApiParameter:
    return OpenApiParameter("filter", str, description=description)


ERRORS: dict[int, tuple[tuple[Code, ...], str]] = {
    400: (
        (Code.INVALID_ARGUMENT, Code.FAILED_PRECONDITION),
        "INVALID_ARGUMENT: bad JSON, a wrong type, an unknown field, a bad filter or page token, an invalid "
        "specification; FAILED_PRECONDITION: the state forbids it (stop a finished execution, delete a workflow "
        "that has executions)",
    ),
    401: ((Code.UNAUTHENTICATED,), "UNAUTHENTICATED: no, malformed, wrong, revoked or expired API token"),
    403: ((Code.PERMISSION_DENIED,), "PERMISSION_DENIED: the role or the token's scope does not allow this"),
    404: ((Code.NOT_FOUND,), "NOT_FOUND: no such workflow or execution"),
    409: ((Code.ALREADY_EXISTS,), "ALREADY_EXISTS: the workflow name is taken"),
    413: ((Code.RESOURCE_EXHAUSTED,), "RESOURCE_EXHAUSTED: the request body is over the configured limit"),
    429: ((Code.RESOURCE_EXHAUSTED,), "RESOURCE_EXHAUSTED: throttled; retry after Retry-After seconds"),
}


def errors(*statuses: int, body: bool = False) -> dict[int, OpenApiResponse]:
    """Error responses of an operation: the given statuses, plus 401, 403 and 429, which every one may give.

    `body` adds what a request body may provoke: 400 and 413.
    """
    codes = set(statuses) | {401, 403, 429} | ({400, 413} if body else set())
    return {status: _error_response(status) for status in sorted(codes)}


def _error_response(status: int) -> OpenApiResponse:
    codes, description = ERRORS[status]
    schema = {"allOf": [ref("Status")], "properties": {"code": {"type": "integer", "enum": [int(c) for c in codes]}}}
    return OpenApiResponse(schema, description=description)


# --- the AutoSchema -------------------------------------------------------------------------------------------


class YandexAutoSchema(ApiAutoSchema):
    """Registers the components that the views' raw schemas refer to (`ref()`); a request body that is a
    message is required."""

    def _get_parameters(self) -> list[Schema]:
        parameters = super()._get_parameters()
        for parameter in parameters:
            if parameter["in"] == "query" and not parameter.get("required"):
                parameter["allowEmptyValue"] = True  # `?pageSize=` is unset, as requests.query reads it
        return parameters

    def _get_request_for_media_type(self, serializer: Any, direction: str = "request") -> tuple[Any, bool]:
        schema, required = super()._get_request_for_media_type(serializer, direction)
        if isinstance(serializer, dict):
            self._register(serializer)
            # Every request message is a JSON object: an empty body is refused ("must be a JSON object").
            required = _component_name(serializer) is not None
        return schema, required

    def _get_response_for_code(self, serializer: Any, status_code: str, *args: Any, **kwargs: Any) -> Schema:
        self._register(serializer.response if isinstance(serializer, OpenApiResponse) else serializer)
        return super()._get_response_for_code(serializer, status_code, *args, **kwargs)

    def _register(self, schema: Any) -> None:
        """Register every component `schema` refers to, directly or through other components."""
        if isinstance(schema, list):
            for item in schema:
                self._register(item)
        elif isinstance(schema, dict):
            name = _component_name(schema)
            if name is not None:
                component = ResolvedComponent(
                    COMPONENT_PREFIX + name,
                    ResolvedComponent.SCHEMA,
                    schema=copy.deepcopy(COMPONENTS[name]),
                    object=ComponentIdentity(name),
                )
                if component not in self.registry:
                    self.registry.register(component)
                    self._register(component.schema)
            for value in schema.values():
                self._register(value)


def _component_name(schema: Schema) -> str | None:
    target = schema.get("$ref")
    if not isinstance(target, str) or not target.startswith(REF_PREFIX + COMPONENT_PREFIX):
        return None
    return target.removeprefix(REF_PREFIX + COMPONENT_PREFIX)
