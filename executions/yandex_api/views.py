"""The Yandex Workflows REST API `/workflows/v1/`: read the proto3 JSON request, call a service or selector,
answer with the message built by `executions.yandex_mapping`. No rules live here."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from executions import selectors, services
from executions.actors import Actor
from executions.api.base import ApiView
from executions.api.permissions import CanOperate, CanView, CanViewOrManageWorkflows, CanViewOrOperate
from executions.api.throttling import StartRateThrottle
from executions.models import Execution
from executions.yandex_api import messages, operations, pages
from executions.yandex_api.errors import exception_handler
from executions.yandex_api.requests import json_body, query, read
from executions.yandex_api.schema import (
    EXECUTION_ID,
    EXECUTION_TAG,
    WORKFLOW_ID,
    WORKFLOW_TAG,
    YandexAutoSchema,
    body,
    errors,
    filter_parameter,
    list_parameters,
    ref,
)
from executions.yandex_mapping import (
    Code,
    error_body,
    get_execution_response,
    get_history_response,
    get_workflow_response,
    list_executions_response,
    list_operations_response,
    list_workflows_response,
    workflow_operation_response,
)


class ProtoJSONRenderer(JSONRenderer):
    """UTF-8 JSON; a string holding a lone surrogate (stored through another interface: it is not valid
    Unicode) is sent as its \\u escape rather than failing the response."""

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        try:
            return super().render(data, accepted_media_type, renderer_context)
        except UnicodeEncodeError:
            return ASCIIJSONRenderer().render(data, accepted_media_type, renderer_context)


class ASCIIJSONRenderer(JSONRenderer):
    ensure_ascii = True


class JSONAlways(BaseContentNegotiation):
    """proto3 JSON whatever the client's Accept header says, as grpc-gateway does."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class YandexAPIView(ApiView):
    """The native API's authentication, permissions and request rates; errors as google.rpc.Status.

    `conflict_codes` says, per HTTP method, which gRPC code a Conflict from the service means here.
    """

    renderer_classes = [ProtoJSONRenderer]
    content_negotiation_class = JSONAlways
    schema = YandexAutoSchema()
    conflict_codes: dict[str, Code] = {}

    def get_exception_handler(self) -> Callable[..., Response]:
        return exception_handler

    @property
    def conflict_code(self) -> Code:
        return self.conflict_codes.get(self.request.method, Code.ALREADY_EXISTS)

    def actor(self) -> Actor:
        user = self.request.user
        return Actor.for_user(user, source="yandex-api", request=self.request, token=getattr(user, "api_token", None))

    def execution_url(self, workflow_id: str) -> str:
        return self.request.build_absolute_uri(reverse("yandex_api:start-by-link", args=[workflow_id]))


# --- ExecutionService -----------------------------------------------------------------------------------------


class ExecutionStartView(YandexAPIView):
    """Start: `{workflowId, input: {inputJson | inputValue}}` -> `{executionId}`."""

    # Reads need the viewer role (see get), starting the operator role.
    permission_classes = [CanViewOrOperate]
    extra_throttle_classes = (StartRateThrottle,)

    @extend_schema(exclude=True)
    def get(self, request: Request) -> Response:
        # grpc-gateway routes by method and path: GET /execution/start is Get of an execution whose id is
        # "start" (NOT_FOUND), not a wrong method on Start (UNIMPLEMENTED).
        return _get_execution("start")

    @extend_schema(
        operation_id="yandex_execution_start",
        tags=[EXECUTION_TAG],
        summary="Start",
        description="Start an execution of a workflow (by its id or name) with the given input (none: `{}`).",
        request=body("StartExecutionRequest"),
        responses={200: ref("StartExecutionResponse"), **errors(404, body=True)},
    )
    def post(self, request: Request) -> Response:
        data = read(json_body(request), messages.START_EXECUTION)
        workflow = selectors.workflow_get(workflow_id=data["workflowId"])
        execution_input = messages.execution_input(data.get("input"))
        execution = services.execution_start(actor=self.actor(), workflow=workflow, input=execution_input)
        return Response({"executionId": execution.pk})


class ExecutionStartByLinkView(YandexAPIView):
    """Start by link: the whole body is the input (any JSON; an empty body is `{}`)."""

    permission_classes = [CanOperate]
    extra_throttle_classes = (StartRateThrottle,)

    @extend_schema(
        operation_id="yandex_execution_start_by_link",
        tags=[EXECUTION_TAG],
        summary="Start by link",
        description="Start an execution of the workflow at its `executionUrl`: the whole body is the input.",
        request={"application/json": {"description": "Any JSON value; an empty body is `{}`"}},
        parameters=[WORKFLOW_ID],
        responses={200: ref("StartExecutionResponse"), **errors(404, body=True)},
    )
    def post(self, request: Request, workflow_id: str) -> Response:
        data = json_body(request)
        workflow = selectors.workflow_get(workflow_id=workflow_id)
        execution_input = {} if data is None else data
        execution = services.execution_start(actor=self.actor(), workflow=workflow, input=execution_input)
        return Response({"executionId": execution.pk})


class ExecutionActionView(YandexAPIView):
    """Stop / Terminate -> `{executionId}`; FAILED_PRECONDITION when the status does not allow it."""

    permission_classes = [CanOperate]
    service: Callable[..., Execution]

    def post(self, request: Request, execution_id: str) -> Response:
        self.service(actor=self.actor(), execution_id=execution_id)
        return Response({"executionId": execution_id})


def _action_schema(action: str, description: str) -> Callable:
    schema = extend_schema(
        operation_id=f"yandex_execution_{action.lower()}",
        tags=[EXECUTION_TAG],
        summary=action,
        description=f"{description} FAILED_PRECONDITION when the execution's status does not allow it.",
        request=None,
        parameters=[EXECUTION_ID],
        responses={200: ref(f"{action}ExecutionResponse"), **errors(400, 404)},
    )
    return extend_schema_view(post=schema)


@_action_schema("Stop", "Stop an execution: no new step starts; running steps finish first.")
class ExecutionStopView(ExecutionActionView):
    service = staticmethod(services.execution_stop)


@_action_schema("Terminate", "Terminate an execution: running steps are interrupted and it stops at once.")
class ExecutionTerminateView(ExecutionActionView):
    service = staticmethod(services.execution_terminate)


class ExecutionDetailView(YandexAPIView):
    permission_classes = [CanView]

    @extend_schema(
        operation_id="yandex_execution_get",
        tags=[EXECUTION_TAG],
        summary="Get",
        description="An execution: its input, its result once FINISHED, its error, status and timing.",
        parameters=[EXECUTION_ID],
        responses={200: ref("GetExecutionResponse"), **errors(404)},
    )
    def get(self, request: Request, execution_id: str) -> Response:
        return _get_execution(execution_id)


def _get_execution(execution_id: str) -> Response:
    execution = selectors.execution_get(execution_id=execution_id)
    return Response(get_execution_response(execution, now=timezone.now()))


class ExecutionHistoryView(YandexAPIView):
    permission_classes = [CanView]

    @extend_schema(
        operation_id="yandex_execution_get_history",
        tags=[EXECUTION_TAG],
        summary="GetHistory",
        description="An execution's step runs, in the order they were scheduled.",
        parameters=[EXECUTION_ID],
        responses={200: ref("GetExecutionHistoryResponse"), **errors(404)},
    )
    def get(self, request: Request, execution_id: str) -> Response:
        execution = selectors.execution_get(execution_id=execution_id)
        entries = selectors.execution_history(execution=execution)
        return Response(get_history_response(execution, entries, now=timezone.now()))


class ExecutionListView(YandexAPIView):
    permission_classes = [CanView]

    @extend_schema(
        operation_id="yandex_executions_list",
        tags=[EXECUTION_TAG],
        summary="List",
        description="A workflow's executions, newest first, a page at a time.",
        parameters=[
            *list_parameters(required="workflowId"),
            filter_parameter(
                "One clause: `status=<status>`, or `started_at` / `finished_at` with `=`, `<` or `>` and an RFC "
                '3339 time, e.g. `status=RUNNING`, `started_at>"2026-01-01T00:00:00Z"`'
            ),
        ],
        responses={200: ref("ListExecutionsResponse"), **errors(400, 404)},
    )
    def get(self, request: Request) -> Response:
        params = query(request.query_params, messages.LIST_EXECUTIONS)
        page = pages.executions_page(
            workflow_id=params["workflowId"],
            size=pages.page_size(params.get("pageSize", 0)),
            page_token=params.get("pageToken", ""),
            filter_text=params.get("filter", ""),
        )
        return Response(list_executions_response(page.items, page.next_page_token, now=timezone.now()))


# --- WorkflowService ------------------------------------------------------------------------------------------


class WorkflowListView(YandexAPIView):
    """List (GET) and Create (POST) -> an Operation, done, whose response is the new Workflow."""

    permission_classes = [CanViewOrManageWorkflows]

    @extend_schema(
        operation_id="yandex_workflows_list",
        tags=[WORKFLOW_TAG],
        summary="List",
        description="Workflows, a page at a time. One installation is one folder: every workflow is listed.",
        parameters=[*list_parameters(required="folderId"), filter_parameter("`name=<name>` or nothing")],
        responses={200: ref("ListWorkflowsResponse"), **errors(400)},
    )
    def get(self, request: Request) -> Response:
        params = query(request.query_params, messages.LIST_WORKFLOWS)
        page = pages.workflows_page(
            folder_id=params["folderId"],
            size=pages.page_size(params.get("pageSize", 0)),
            page_token=params.get("pageToken", ""),
            filter_text=params.get("filter", ""),
        )
        return Response(list_workflows_response(page.items, page.next_page_token, execution_url=self.execution_url))

    @extend_schema(
        operation_id="yandex_workflow_create",
        tags=[WORKFLOW_TAG],
        summary="Create",
        description="Create a workflow. The Operation is done at once; its response is the new Workflow.",
        request=body("CreateWorkflowRequest"),
        responses={200: ref("Operation"), **errors(409, body=True)},
    )
    def post(self, request: Request) -> Response:
        data = read(json_body(request), messages.CREATE_WORKFLOW)
        event, workflow = operations.workflow_create_operation(actor=self.actor(), data=data)
        return Response(workflow_operation_response(event, workflow, execution_url=self.execution_url))


class WorkflowDetailView(YandexAPIView):
    """Get, Update (PATCH with an updateMask) and Delete."""

    permission_classes = [CanViewOrManageWorkflows]
    # A workflow that has executions cannot be deleted: a state that forbids the call, not a taken name.
    conflict_codes = {"DELETE": Code.FAILED_PRECONDITION}

    @extend_schema(
        operation_id="yandex_workflow_get",
        tags=[WORKFLOW_TAG],
        summary="Get",
        description="A workflow, with its current specification.",
        parameters=[WORKFLOW_ID],
        responses={200: ref("GetWorkflowResponse"), **errors(404)},
    )
    def get(self, request: Request, workflow_id: str) -> Response:
        workflow = selectors.workflow_get(workflow_id=workflow_id)
        return Response(get_workflow_response(workflow, execution_url=self.execution_url))

    @extend_schema(
        operation_id="yandex_workflow_update",
        tags=[WORKFLOW_TAG],
        summary="Update",
        description="Change the fields the update mask names. The Operation's response is the Workflow now.",
        parameters=[WORKFLOW_ID],
        request=body("UpdateWorkflowRequest"),
        responses={200: ref("Operation"), **errors(404, 409, body=True)},
    )
    def patch(self, request: Request, workflow_id: str) -> Response:
        data = read(json_body(request), messages.UPDATE_WORKFLOW)
        event, workflow = operations.workflow_update_operation(actor=self.actor(), workflow_id=workflow_id, data=data)
        return Response(workflow_operation_response(event, workflow, execution_url=self.execution_url))

    @extend_schema(
        operation_id="yandex_workflow_delete",
        tags=[WORKFLOW_TAG],
        summary="Delete",
        description="Delete a workflow; FAILED_PRECONDITION while it has executions. The Operation's response "
        "is Empty.",
        parameters=[WORKFLOW_ID],
        responses={200: ref("Operation"), **errors(400, 404)},
    )
    def delete(self, request: Request, workflow_id: str) -> Response:
        event = operations.workflow_delete_operation(actor=self.actor(), workflow_id=workflow_id)
        return Response(workflow_operation_response(event, None))


class WorkflowOperationsView(YandexAPIView):
    permission_classes = [CanView]

    @extend_schema(
        operation_id="yandex_workflow_list_operations",
        tags=[WORKFLOW_TAG],
        summary="ListOperations",
        description="A workflow's changes (create, update, delete), newest first; a deleted workflow's too.",
        parameters=[
            WORKFLOW_ID,
            *list_parameters(page_size_max=pages.MAX_PAGE_SIZE),
            filter_parameter("Not supported: leave it out or empty"),
        ],
        responses={200: ref("ListOperationsResponse"), **errors(400, 404)},
    )
    def get(self, request: Request, workflow_id: str) -> Response:
        params = query(request.query_params, messages.LIST_OPERATIONS)
        page = pages.operations_page(
            workflow_id=workflow_id,
            size=pages.page_size(params.get("pageSize", 0), limit=pages.MAX_PAGE_SIZE),
            page_token=params.get("pageToken", ""),
            filter_text=params.get("filter", ""),
        )
        return Response(list_operations_response(page.items, page.next_page_token))


# --- everything else ------------------------------------------------------------------------------------------


def _error_response(code: Code, message: str, status: int) -> JsonResponse:
    return JsonResponse(error_body(code, message), status=status)


@csrf_exempt  # it changes nothing, and a POST to a wrong URL should learn that, not fail a CSRF check
def access_bindings(request: HttpRequest, workflow_id: str, method: str) -> JsonResponse:
    message = f"{method} is not supported here: access comes from roles (viewer, operator, admin) and API tokens"
    return _error_response(Code.UNIMPLEMENTED, message, 501)


@csrf_exempt
def endpoint_not_found(request: HttpRequest, path: str = "") -> JsonResponse:
    return _error_response(Code.NOT_FOUND, f"there is no Yandex Workflows API method at {request.path}", 404)
