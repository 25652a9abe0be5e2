"""The audit trail in the native API: every event, filtered and paged; one execution's events."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from executions import selectors
from executions.api.audit_serializers import (
    AuditEventOutputSerializer,
    AuditEventPageSerializer,
    AuditListQuerySerializer,
    ExecutionAuditOutputSerializer,
    audit_filters,
)
from executions.api.base import ApiView, page_body, valid
from executions.api.permissions import CanView
from executions.api.schema import errors


class AuditEventListView(ApiView):
    permission_classes = [CanView]

    @extend_schema(
        operation_id="audit_events_list",
        tags=["audit"],
        description="Newest first. `created_after` is inclusive, `created_before` exclusive.",
        parameters=[AuditListQuerySerializer],
        responses={200: AuditEventPageSerializer, **errors(400)},
    )
    def get(self, request: Request) -> Response:
        query = valid(AuditListQuerySerializer, request.query_params)
        queryset = selectors.audit_event_list(filters=audit_filters(query))
        page = selectors.created_page(queryset=queryset, cursor=query["cursor"], size=query["page_size"])
        return Response(page_body(page, AuditEventOutputSerializer))


class ExecutionAuditView(ApiView):
    permission_classes = [CanView]

    @extend_schema(
        operation_id="execution_audit",
        tags=["audit"],
        description="Who started, stopped, paused, resumed or retried the execution, oldest first.",
        responses={200: ExecutionAuditOutputSerializer, **errors(404)},
    )
    def get(self, request: Request, execution_id: str) -> Response:
        execution = selectors.execution_get(execution_id=execution_id)
        events = selectors.execution_audit(execution=execution)
        return Response({"execution_id": execution.pk, "events": AuditEventOutputSerializer(events, many=True).data})
