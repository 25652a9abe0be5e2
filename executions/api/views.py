"""The native API `/api/v1/`: workflows and executions. Parse, call a service or selector, render: no rules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.urls import Resolver404, resolve
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response

from executions import selectors, services
from executions.api.base import ApiView, actor, page_body, valid
from executions.api.errors import ApiError
from executions.api.parsers import YAML_PARSERS
from executions.api.permissions import CanOperate, CanView, CanViewOrManageWorkflows, CanViewOrOperate
from executions.api.schema import errors
from executions.api.serializers import (
    BatchOutputSerializer,
    ExecutionActionInputSerializer,
    ExecutionBatchInputSerializer,
    ExecutionHistoryOutputSerializer,
    ExecutionListQuerySerializer,
    ExecutionOutputSerializer,
    ExecutionPageSerializer,
    ExecutionRetryInputSerializer,
    ExecutionStartInputSerializer,
    HistoryEntryOutputSerializer,
    PageQuerySerializer,
    SpecIssueOutputSerializer,
    WorkflowCreateInputSerializer,
    WorkflowOutputSerializer,
    WorkflowPageSerializer,
    WorkflowRevisionDetailOutputSerializer,
    WorkflowRevisionOutputSerializer,
    WorkflowRevisionPageSerializer,
    WorkflowUpdateInputSerializer,
    WorkflowValidateInputSerializer,
    WorkflowValidationOutputSerializer,
    execution_filters,
)
from executions.api.throttling import StartRateThrottle
from executions.models import Execution
from executions.selectors import ExecutionFilters
from executions.services.executions import execution_start_batch, execution_start_or_get


def _execution(execution_id: str) -> dict[str, Any]:
    # Read back after the service committed: the inline executor may already have moved it on.
    return ExecutionOutputSerializer(selectors.execution_get(execution_id=execution_id)).data


# --- workflows ----------------------------------------------------------------------------------------------


class WorkflowListView(ApiView):
    permission_classes = [CanViewOrManageWorkflows]

    @extend_schema(
        operation_id="workflows_list",
        tags=["workflows"],
        parameters=[PageQuerySerializer],
        responses={200: WorkflowPageSerializer, **errors(400)},
    )
    def get(self, request: Request) -> Response:
        query = valid(PageQuerySerializer, request.query_params)
        page = selectors.workflow_page(
            queryset=selectors.workflow_list(), cursor=query["cursor"], size=query["page_size"]
        )
        return Response(page_body(page, WorkflowOutputSerializer))

    @extend_schema(
        operation_id="workflow_create",
        tags=["workflows"],
        request=WorkflowCreateInputSerializer,
        responses={201: WorkflowOutputSerializer, **errors(409, body=True)},
    )
    def post(self, request: Request) -> Response:
        data = valid(WorkflowCreateInputSerializer, request.data)
        workflow = services.workflow_create(
            actor=actor(request),
            name=data["name"],
            yaml_text=data["specification"],
            description=data["description"],
            labels=data["labels"],
        )
        return Response(WorkflowOutputSerializer(workflow).data, status=status.HTTP_201_CREATED)


class WorkflowDetailView(ApiView):
    permission_classes = [CanViewOrManageWorkflows]

    @extend_schema(
        operation_id="workflow_get", tags=["workflows"], responses={200: WorkflowOutputSerializer, **errors(404)}
    )
    def get(self, request: Request, workflow_id: str) -> Response:
        return Response(WorkflowOutputSerializer(selectors.workflow_get(workflow_id=workflow_id)).data)

    @extend_schema(
        operation_id="workflow_update",
        tags=["workflows"],
        description="Change any of name, description, labels, specification; a new specification makes a new "
        "revision (running executions keep the one they started with).",
        request=WorkflowUpdateInputSerializer,
        responses={200: WorkflowOutputSerializer, **errors(404, 409, body=True)},
    )
    def patch(self, request: Request, workflow_id: str) -> Response:
        workflow = selectors.workflow_get(workflow_id=workflow_id)
        data = valid(WorkflowUpdateInputSerializer, request.data)
        workflow = services.workflow_update(
            actor=actor(request),
            workflow=workflow,
            yaml_text=data.get("specification"),
            name=data.get("name"),
            description=data.get("description"),
            labels=data.get("labels"),
        )
        return Response(WorkflowOutputSerializer(selectors.workflow_get(workflow_id=workflow.pk)).data)

    @extend_schema(
        operation_id="workflow_delete",
        tags=["workflows"],
        description="Only a workflow without executions can be deleted (409 otherwise: history is never lost).",
        responses={204: None, **errors(404, 409)},
    )
    def delete(self, request: Request, workflow_id: str) -> Response:
        workflow = selectors.workflow_get(workflow_id=workflow_id)
        services.workflow_delete(actor=actor(request), workflow=workflow)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WorkflowValidateView(ApiView):
    permission_classes = [CanView]
    parser_classes = [JSONParser, *YAML_PARSERS]

    @extend_schema(
        operation_id="workflow_validate",
        tags=["workflows"],
        description='Validate a specification without saving it. Send `{"specification": "..."}` as JSON, '
        "or the YAML text itself as `application/yaml` (also `application/x-yaml`, `text/yaml`, `text/plain`). "
        "An invalid one is a 400 whose details give each problem's path, line and column.",
        request={"application/json": WorkflowValidateInputSerializer, "application/yaml": {"type": "string"}},
        responses={200: WorkflowValidationOutputSerializer, **errors(body=True)},
    )
    def post(self, request: Request) -> Response:
        if isinstance(request.data, str):
            yaml_text = request.data
        else:
            yaml_text = valid(WorkflowValidateInputSerializer, request.data)["specification"]
        definition = services.workflow_validate(yaml_text=yaml_text)
        warnings = SpecIssueOutputSerializer(definition.warnings, many=True).data
        return Response({"valid": True, "warnings": warnings})


class WorkflowRevisionListView(ApiView):
    permission_classes = [CanView]

    @extend_schema(
        operation_id="workflow_revisions_list",
        tags=["workflows"],
        description="Newest first, without the specification text (get one revision for it).",
        parameters=[PageQuerySerializer],
        responses={200: WorkflowRevisionPageSerializer, **errors(400, 404)},
    )
    def get(self, request: Request, workflow_id: str) -> Response:
        workflow = selectors.workflow_get(workflow_id=workflow_id)
        query = valid(PageQuerySerializer, request.query_params)
        queryset = selectors.workflow_revisions(workflow=workflow)
        page = selectors.revision_page(queryset=queryset, cursor=query["cursor"], size=query["page_size"])
        return Response(page_body(page, WorkflowRevisionOutputSerializer))


class WorkflowRevisionDetailView(ApiView):
    permission_classes = [CanView]

    @extend_schema(
        operation_id="workflow_revision_get",
        tags=["workflows"],
        responses={200: WorkflowRevisionDetailOutputSerializer, **errors(404)},
    )
    def get(self, request: Request, workflow_id: str, number: int) -> Response:
        workflow = selectors.workflow_get(workflow_id=workflow_id)
        revision = selectors.workflow_revision_get(workflow=workflow, number=number)
        return Response(WorkflowRevisionDetailOutputSerializer(revision).data)


# --- executions ---------------------------------------------------------------------------------------------


class ExecutionListView(ApiView):
    permission_classes = [CanViewOrOperate]
    extra_throttle_classes = (StartRateThrottle,)

    @extend_schema(
        operation_id="executions_list",
        tags=["executions"],
        parameters=[ExecutionListQuerySerializer],
        responses={200: ExecutionPageSerializer, **errors(400)},
    )
    def get(self, request: Request) -> Response:
        query = valid(ExecutionListQuerySerializer, request.query_params)
        queryset = selectors.execution_list(filters=execution_filters(query))
        page = selectors.execution_page(queryset=queryset, cursor=query["cursor"], size=query["page_size"])
        return Response(page_body(page, ExecutionOutputSerializer))

    @extend_schema(
        operation_id="execution_start",
        tags=["executions"],
        description="Queue an execution of the workflow's current revision. A repeated `idempotency_key` with "
        "the same input returns the existing execution (200); with another input it is a 409.",
        request=ExecutionStartInputSerializer,
        responses={
            201: ExecutionOutputSerializer,
            200: OpenApiResponse(ExecutionOutputSerializer, description="an existing execution (idempotency key)"),
            **errors(404, 409, body=True),
        },
    )
    def post(self, request: Request) -> Response:
        data = valid(ExecutionStartInputSerializer, request.data)
        workflow = selectors.workflow_get(workflow_id=data.pop("workflow_id"))
        execution, created = execution_start_or_get(actor=actor(request), workflow=workflow, **data)
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(_execution(execution.pk), status=code)


class ExecutionBatchView(ApiView):
    permission_classes = [CanOperate]
    extra_throttle_classes = (StartRateThrottle,)

    @extend_schema(
        operation_id="executions_start_batch",
        tags=["executions"],
        description="Queue one execution per input under one new `batch_id`: all of them, or none when any "
        "input is refused.",
        request=ExecutionBatchInputSerializer,
        responses={201: BatchOutputSerializer, **errors(404, body=True)},
    )
    def post(self, request: Request) -> Response:
        data = valid(ExecutionBatchInputSerializer, request.data)
        workflow = selectors.workflow_get(workflow_id=data.pop("workflow_id"))
        batch_id, started = execution_start_batch(actor=actor(request), workflow=workflow, **data)
        # Read back after commit, in input order.
        rows = {row.pk: row for row in selectors.execution_list(filters=ExecutionFilters(batch_id=batch_id))}
        executions = [rows[execution.pk] for execution in started]
        body = {"batch_id": batch_id, "executions": ExecutionOutputSerializer(executions, many=True).data}
        return Response(body, status=status.HTTP_201_CREATED)


class ExecutionDetailView(ApiView):
    permission_classes = [CanView]

    @extend_schema(
        operation_id="execution_get", tags=["executions"], responses={200: ExecutionOutputSerializer, **errors(404)}
    )
    def get(self, request: Request, execution_id: str) -> Response:
        return Response(_execution(execution_id))


class ExecutionHistoryView(ApiView):
    permission_classes = [CanView]

    @extend_schema(
        operation_id="execution_history",
        tags=["executions"],
        description="One entry per step run, in run order; nested runs point at their parent run.",
        responses={200: ExecutionHistoryOutputSerializer, **errors(404)},
    )
    def get(self, request: Request, execution_id: str) -> Response:
        execution = selectors.execution_get(execution_id=execution_id)
        entries = list(selectors.execution_history(execution=execution))
        context = {"run_ids": {entry.pk: entry.run_id for entry in entries}}
        return Response(
            {
                "execution_id": execution.pk,
                "entries": HistoryEntryOutputSerializer(entries, many=True, context=context).data,
            }
        )


class ExecutionActionView(ApiView):
    # POST `{"reason"?}` -> the execution; 409 when its status does not allow the action.
    permission_classes = [CanOperate]
    service: Callable[..., Execution]
    input_serializer = ExecutionActionInputSerializer

    def post(self, request: Request, execution_id: str) -> Response:
        data = valid(self.input_serializer, request.data)
        self.service(actor=actor(request), execution_id=execution_id, **data)
        return Response(_execution(execution_id))


def _action_schema(action: str, description: str, request: type = ExecutionActionInputSerializer) -> Any:
    return extend_schema_view(
        post=extend_schema(
            operation_id=f"execution_{action}",
            tags=["executions"],
            description=description + " A 409 names the status that does not allow it.",
            request=request,
            responses={200: ExecutionOutputSerializer, **errors(404, 409, body=True)},
        )
    )


@_action_schema("stop", "Stop: no new step starts, running steps finish, then the execution is cancelled.")
class ExecutionStopView(ExecutionActionView):
    service = staticmethod(services.execution_stop)


@_action_schema("terminate", "Terminate: running steps are interrupted and the execution is cancelled at once.")
class ExecutionTerminateView(ExecutionActionView):
    service = staticmethod(services.execution_terminate)


@_action_schema("pause", "Pause a running execution: no new step starts until it is resumed.")
class ExecutionPauseView(ExecutionActionView):
    service = staticmethod(services.execution_pause)


@_action_schema("resume", "Resume a paused execution from exactly where it was.")
class ExecutionResumeView(ExecutionActionView):
    service = staticmethod(services.execution_resume)


@_action_schema(
    "retry",
    "Retry (redrive) a failed or cancelled execution from the steps that did not complete, keeping the results "
    "of those that did. With `input`, the re-run steps get it instead of their own input.",
    request=ExecutionRetryInputSerializer,
)
class ExecutionRetryView(ExecutionActionView):
    service = staticmethod(services.execution_retry)
    input_serializer = ExecutionRetryInputSerializer


@csrf_exempt  # it changes nothing, and a POST to a wrong URL should learn that, not fail a CSRF check
def endpoint_not_found(request: HttpRequest, path: str = "") -> JsonResponse:
    """Unknown URLs under /api/v1/ answer in the API's error shape, not with an HTML page."""
    message = f"there is no API endpoint at {request.path}"
    if not request.path.endswith("/"):
        try:
            match = resolve(request.path_info + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not endpoint_not_found:
            message += f"; did you mean {request.path}/ (API URLs end with a slash)"
    error = ApiError(404, "not_found", message)
    return JsonResponse(error.body(), status=error.status)
