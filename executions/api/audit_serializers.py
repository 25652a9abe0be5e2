"""Audit events in the native API: the list's query string and the event resource."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework import serializers

from executions.api.serializers import PageQuerySerializer, QueryDateTimeField, TextOrNull, page_serializer
from executions.models import AuditEvent
from executions.selectors import AuditFilters


def _text(max_length: int) -> serializers.CharField:
    return serializers.CharField(required=False, default="", allow_blank=True, max_length=max_length)


class AuditListQuerySerializer(PageQuerySerializer):
    target_type = _text(32)
    target_id = _text(64)
    action = _text(64)
    actor = _text(150)
    source = serializers.ChoiceField(choices=AuditEvent.Source.values, required=False, default="", allow_blank=True)
    created_after = QueryDateTimeField(required=False, default=None)
    created_before = QueryDateTimeField(required=False, default=None)


def audit_filters(query: Mapping[str, Any]) -> AuditFilters:
    """Validated AuditListQuerySerializer data -> the selector's filters."""
    return AuditFilters(
        target_type=query["target_type"],
        target_id=query["target_id"],
        action=query["action"],
        actor=query["actor"],
        source=query["source"],
        created_after=query["created_after"],
        created_before=query["created_before"],
    )


class AuditEventOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    actor = serializers.CharField(help_text='who acted: "user:alice", "token:ci (alice)", "system:scheduler"')
    source = serializers.ChoiceField(choices=AuditEvent.Source.values)
    action = serializers.CharField(help_text="start, stop, retry, workflow.update, token.create, ...")
    target_type = serializers.CharField(help_text="execution, workflow or token")
    target_id = serializers.CharField()
    execution_id = serializers.CharField(allow_null=True)
    reason = serializers.CharField(allow_blank=True)
    details = serializers.DictField()
    request_id = TextOrNull()
    remote_addr = serializers.CharField(allow_null=True)


class ExecutionAuditOutputSerializer(serializers.Serializer):
    execution_id = serializers.CharField()
    events = AuditEventOutputSerializer(many=True, help_text="oldest first")


AuditEventPageSerializer = page_serializer(AuditEventOutputSerializer, "AuditEventPageSerializer")
