"""The native API `/api/v1/`: parse the request, call a service or selector, render. No rules live here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from executions import selectors, services
from executions.actors import Actor
from executions.api.errors import ApiError
from executions.api.permissions import CanOperate, CanView, CanViewOrManageWorkflows, CanViewOrOperate
from executions.api.serializers import (
    ExecutionActionInputSerializer,
    ExecutionListQuerySerializer,
    ExecutionOutputSerializer,
    ExecutionStartInputSerializer,
    HistoryEntryOutputSerializer,
    PageQuerySerializer,
    WorkflowCreateInputSerializer,
    WorkflowOutputSerializer,
    execution_filters,
)
from executions.models import Execution


def _valid(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _actor(request: Request) -> Actor:
    token = getattr(request.user, "api_token", None)
    return Actor.for_user(request.user, source="api", request=request, token=token)


def _page(page: selectors.Page, serializer_class: type[serializers.Serializer]) -> dict[str, Any]:
    return {"results": serializer_class(page.items, many=True).data, "next_cursor": page.next_cursor}


def _execution(execution_id: str) -> dict[str, Any]:
    # Read back after the service committed: the inline executor may already have moved it on.
    return ExecutionOutputSerializer(selectors.execution_get(execution_id=execution_id)).data


class WorkflowListView(APIView):
    permission_classes = [CanViewOrManageWorkflows]

    def get(self, request: Request) -> Response:
        query = _valid(PageQuerySerializer, request.query_params)
        page = selectors.workflow_page(
            queryset=selectors.workflow_list(), cursor=query["cursor"], size=query["page_size"]
        )
        return Response(_page(page, WorkflowOutputSerializer))

    def post(self, request: Request) -> Response:
        data = _valid(WorkflowCreateInputSerializer, request.data)
        workflow = services.workflow_create(
            actor=_actor(request),
            name=data["name"],
            yaml_text=data["specification"],
            description=data["description"],
            labels=data["labels"],
        )
        return Response(WorkflowOutputSerializer(workflow).data, status=status.HTTP_201_CREATED)


class WorkflowDetailView(APIView):
    permission_classes = [CanView]

    def get(self, request: Request, workflow_id: str) -> Response:
        return Response(WorkflowOutputSerializer(selectors.workflow_get(workflow_id=workflow_id)).data)


class ExecutionListView(APIView):
    permission_classes = [CanViewOrOperate]

    def get(self, request: Request) -> Response:
        query = _valid(ExecutionListQuerySerializer, request.query_params)
        queryset = selectors.execution_list(filters=execution_filters(query))
        page = selectors.execution_page(queryset=queryset, cursor=query["cursor"], size=query["page_size"])
        return Response(_page(page, ExecutionOutputSerializer))

    def post(self, request: Request) -> Response:
        data = _valid(ExecutionStartInputSerializer, request.data)
        workflow = selectors.workflow_get(workflow_id=data.pop("workflow_id"))
        asked_at = timezone.now()
        execution = services.execution_start(actor=_actor(request), workflow=workflow, **data)
        # An idempotent repeat returns a row created before this request: 200, not 201.
        code = status.HTTP_201_CREATED if execution.created_at >= asked_at else status.HTTP_200_OK
        return Response(_execution(execution.pk), status=code)


class ExecutionDetailView(APIView):
    permission_classes = [CanView]

    def get(self, request: Request, execution_id: str) -> Response:
        return Response(_execution(execution_id))


class ExecutionHistoryView(APIView):
    permission_classes = [CanView]

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


class ExecutionActionView(APIView):
    """POST `{"reason"?}` -> the execution; 409 when its status does not allow the action."""

    permission_classes = [CanOperate]
    service: Callable[..., Execution]

    def post(self, request: Request, execution_id: str) -> Response:
        data = _valid(ExecutionActionInputSerializer, request.data)
        self.service(actor=_actor(request), execution_id=execution_id, reason=data["reason"])
        return Response(_execution(execution_id))


class ExecutionStopView(ExecutionActionView):
    service = staticmethod(services.execution_stop)


class ExecutionTerminateView(ExecutionActionView):
    service = staticmethod(services.execution_terminate)


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
