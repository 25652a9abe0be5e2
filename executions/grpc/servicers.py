"""ExecutionService and WorkflowService over gRPC: the same readers, services, selectors, pages and response
mapping as the Yandex REST views (`executions.yandex_api.views`), call for call. No rules live here.

Each method reads `call.data` (the request as the proto3 JSON dict the REST adapter validates) with the REST
adapter's message readers, so a bad field gets the same INVALID_ARGUMENT message naming it, and returns the
dict that `executions.yandex_mapping` builds for REST, which `calls.rpc` turns into the official message.
What REST takes from the URL (an execution's or workflow's id) is a field of the gRPC request.
"""

from __future__ import annotations

from typing import Any

import grpc
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from google.protobuf import empty_pb2  # noqa: F401 - registers google.protobuf.Empty, which Delete's Operation packs
from yandex.cloud.operation import operation_pb2
from yandex.cloud.serverless.workflows.v1 import (
    execution_service_pb2,
    execution_service_pb2_grpc,
    workflow_service_pb2,
    workflow_service_pb2_grpc,
)

from executions import selectors, services
from executions.grpc.calls import MANAGE, OPERATE, VIEW, Call, rpc
from executions.yandex_api import messages, operations, pages
from executions.yandex_api.requests import read
from executions.yandex_mapping import (
    Code,
    UrlFor,
    get_execution_response,
    get_history_response,
    get_workflow_response,
    list_executions_response,
    list_operations_response,
    list_workflows_response,
    workflow_operation_response,
)

ACCESS_BINDINGS = "{method} is not supported here: access comes from roles (viewer, operator, admin) and API tokens"


def execution_url() -> UrlFor | None:
    """Where a workflow's Start by link answers: gRPC knows no HTTP host, so only with WORKFLOWS_PUBLIC_URL."""
    base = settings.WORKFLOWS_PUBLIC_URL.rstrip("/")
    if not base:
        return None
    return lambda workflow_id: base + reverse("yandex_api:start-by-link", args=[workflow_id])


class ExecutionServicer(execution_service_pb2_grpc.ExecutionServiceServicer):
    @rpc(execution_service_pb2.StartExecutionResponse, access=OPERATE, starts=True)
    def Start(self, call: Call) -> dict[str, Any]:
        data = read(call.data, messages.START_EXECUTION)
        workflow = selectors.workflow_get(workflow_id=data["workflowId"])
        execution_input = messages.execution_input(data.get("input"))
        execution = services.execution_start(actor=call.actor, workflow=workflow, input=execution_input)
        return {"executionId": execution.pk}

    @rpc(execution_service_pb2.StopExecutionResponse, access=OPERATE)
    def Stop(self, call: Call) -> dict[str, Any]:
        execution_id = read(call.data, messages.EXECUTION_ID)["executionId"]
        services.execution_stop(actor=call.actor, execution_id=execution_id)
        return {"executionId": execution_id}

    @rpc(execution_service_pb2.TerminateExecutionResponse, access=OPERATE)
    def Terminate(self, call: Call) -> dict[str, Any]:
        execution_id = read(call.data, messages.EXECUTION_ID)["executionId"]
        services.execution_terminate(actor=call.actor, execution_id=execution_id)
        return {"executionId": execution_id}

    @rpc(execution_service_pb2.GetExecutionResponse, access=VIEW)
    def Get(self, call: Call) -> dict[str, Any]:
        execution_id = read(call.data, messages.EXECUTION_ID)["executionId"]
        execution = selectors.execution_get(execution_id=execution_id)
        return get_execution_response(execution, now=timezone.now())

    @rpc(execution_service_pb2.GetExecutionHistoryResponse, access=VIEW)
    def GetHistory(self, call: Call) -> dict[str, Any]:
        execution_id = read(call.data, messages.EXECUTION_ID)["executionId"]
        execution = selectors.execution_get(execution_id=execution_id)
        entries = selectors.execution_history(execution=execution)
        return get_history_response(execution, entries, now=timezone.now())

    @rpc(execution_service_pb2.ListExecutionsResponse, access=VIEW)
    def List(self, call: Call) -> dict[str, Any]:
        params = read(call.data, messages.LIST_EXECUTIONS)
        page = pages.executions_page(
            workflow_id=params["workflowId"],
            size=pages.page_size(params.get("pageSize", 0)),
            page_token=params.get("pageToken", ""),
            filter_text=params.get("filter", ""),
        )
        return list_executions_response(page.items, page.next_page_token, now=timezone.now())


class WorkflowServicer(workflow_service_pb2_grpc.WorkflowServiceServicer):
    @rpc(operation_pb2.Operation, access=MANAGE)
    def Create(self, call: Call) -> dict[str, Any]:
        data = read(call.data, messages.CREATE_WORKFLOW)
        event, workflow = operations.workflow_create_operation(actor=call.actor, data=data)
        return workflow_operation_response(event, workflow, execution_url=execution_url())

    @rpc(operation_pb2.Operation, access=MANAGE)
    def Update(self, call: Call) -> dict[str, Any]:
        workflow_id = read({"workflowId": call.data.get("workflowId")}, messages.WORKFLOW_ID)["workflowId"]
        data = read(call.data, messages.UPDATE_WORKFLOW)
        event, workflow = operations.workflow_update_operation(actor=call.actor, workflow_id=workflow_id, data=data)
        return workflow_operation_response(event, workflow, execution_url=execution_url())

    @rpc(workflow_service_pb2.GetWorkflowResponse, access=VIEW)
    def Get(self, call: Call) -> dict[str, Any]:
        workflow = selectors.workflow_get(workflow_id=read(call.data, messages.WORKFLOW_ID)["workflowId"])
        return get_workflow_response(workflow, execution_url=execution_url())

    # A workflow that has executions cannot be deleted: a state that forbids the call, not a taken name.
    @rpc(operation_pb2.Operation, access=MANAGE, conflict=Code.FAILED_PRECONDITION)
    def Delete(self, call: Call) -> dict[str, Any]:
        workflow_id = read(call.data, messages.WORKFLOW_ID)["workflowId"]
        event = operations.workflow_delete_operation(actor=call.actor, workflow_id=workflow_id)
        return workflow_operation_response(event, None)

    @rpc(workflow_service_pb2.ListWorkflowsResponse, access=VIEW)
    def List(self, call: Call) -> dict[str, Any]:
        params = read(call.data, messages.LIST_WORKFLOWS)
        page = pages.workflows_page(
            folder_id=params["folderId"],
            size=pages.page_size(params.get("pageSize", 0)),
            page_token=params.get("pageToken", ""),
            filter_text=params.get("filter", ""),
        )
        return list_workflows_response(page.items, page.next_page_token, execution_url=execution_url())

    @rpc(workflow_service_pb2.ListOperationsResponse, access=VIEW)
    def ListOperations(self, call: Call) -> dict[str, Any]:
        params = read(call.data, messages.LIST_WORKFLOW_OPERATIONS)
        page = pages.operations_page(
            workflow_id=params["workflowId"],
            size=pages.page_size(params.get("pageSize", 0), limit=pages.MAX_PAGE_SIZE),
            page_token=params.get("pageToken", ""),
            filter_text=params.get("filter", ""),
        )
        return list_operations_response(page.items, page.next_page_token)

    def ListAccessBindings(self, request: Any, context: grpc.ServicerContext) -> Any:
        context.abort(grpc.StatusCode.UNIMPLEMENTED, ACCESS_BINDINGS.format(method="ListAccessBindings"))

    def SetAccessBindings(self, request: Any, context: grpc.ServicerContext) -> Any:
        context.abort(grpc.StatusCode.UNIMPLEMENTED, ACCESS_BINDINGS.format(method="SetAccessBindings"))

    def UpdateAccessBindings(self, request: Any, context: grpc.ServicerContext) -> Any:
        context.abort(grpc.StatusCode.UNIMPLEMENTED, ACCESS_BINDINGS.format(method="UpdateAccessBindings"))
