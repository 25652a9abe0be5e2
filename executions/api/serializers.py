"""Input serializers (request bodies and query strings: shape and types only, rules live in services) and
output serializers (the resources the native API returns).

Resource decisions:
- statuses are lower-case API names (`executions.api.mapping`);
- empty optional strings are null (`concurrency_key`, `batch_id`, `cancelled_by`, ...);
- `deployment_id` is `"<workflow id>:<revision number>"`: the immutable revision the execution pinned;
- `user_id` is who started the execution (`user:<name>` or `token:<token name> (<owner>)`);
- `step_key` is the parent's step path for a child execution; `root_execution_id` is null for a top-level one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import empty

from executions.api.mapping import API_STATUSES, api_status, api_step_status, statuses_from_api
from executions.engine.states import StepStatus
from executions.models import Workflow
from executions.selectors import ExecutionFilters
from executions.services.executions import MAX_BATCH_SIZE

MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 50


# --- input --------------------------------------------------------------------------------------------------


class StrictSerializer(serializers.Serializer):
    """Unknown keys are errors: a typo (`inputs`, `stauts`) must not be silently ignored."""

    unknown_message = "unknown field"

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({key: [self.unknown_message] for key in unknown})
        return super().to_internal_value(data)


class QueryIntegerField(serializers.IntegerField):
    """An integer in a query string where an empty value is an error, as the schema says, not the default."""

    def get_value(self, dictionary: Any) -> Any:
        return dictionary.get(self.field_name, empty)


class StrictQuerySerializer(StrictSerializer):
    unknown_message = "unknown query parameter"


class PageQuerySerializer(StrictQuerySerializer):
    cursor = serializers.CharField(required=False, default="", allow_blank=True, max_length=2000)
    page_size = QueryIntegerField(default=DEFAULT_PAGE_SIZE, min_value=1, max_value=MAX_PAGE_SIZE)


class WorkflowCreateInputSerializer(StrictSerializer):
    name = serializers.CharField()
    specification = serializers.CharField(trim_whitespace=False)
    description = serializers.CharField(required=False, default="", allow_blank=True)
    labels = serializers.DictField(child=serializers.CharField(allow_blank=True), default=dict)


class WorkflowUpdateInputSerializer(StrictSerializer):
    """Every field optional; a new specification makes a new revision."""

    name = serializers.CharField(required=False)
    specification = serializers.CharField(required=False, trim_whitespace=False)
    description = serializers.CharField(required=False, allow_blank=True)
    labels = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False)

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if not data:
            raise serializers.ValidationError(
                "nothing to update: send at least one of name, specification, description, labels"
            )
        return data


class WorkflowValidateInputSerializer(StrictSerializer):
    specification = serializers.CharField(trim_whitespace=False, help_text="the workflow's YAML text")


class ExecutionStartInputSerializer(StrictSerializer):
    workflow_id = serializers.CharField(help_text="the workflow's id or name")
    input = serializers.JSONField(required=False, default=dict, allow_null=True)
    idempotency_key = serializers.CharField(required=False, default="", allow_blank=True, max_length=200)
    queue_name = serializers.CharField(required=False, default=None, allow_null=True, max_length=100)
    run_timeout_seconds = serializers.IntegerField(required=False, default=None, allow_null=True, min_value=1)
    concurrency_key = serializers.CharField(required=False, default="", allow_blank=True, max_length=200)
    batch_id = serializers.CharField(required=False, default="", allow_blank=True, max_length=64)
    session_id = serializers.CharField(required=False, default="", allow_blank=True, max_length=64)


class ExecutionBatchInputSerializer(StrictSerializer):
    workflow_id = serializers.CharField(help_text="the workflow's id or name")
    inputs = serializers.ListField(
        child=serializers.JSONField(allow_null=True),
        min_length=1,
        max_length=MAX_BATCH_SIZE,
        help_text="one execution is started per item, in this order; all of them or none",
    )
    queue_name = serializers.CharField(required=False, default=None, allow_null=True, max_length=100)
    run_timeout_seconds = serializers.IntegerField(required=False, default=None, allow_null=True, min_value=1)
    concurrency_key = serializers.CharField(required=False, default="", allow_blank=True, max_length=200)
    session_id = serializers.CharField(required=False, default="", allow_blank=True, max_length=64)


class ExecutionActionInputSerializer(StrictSerializer):
    reason = serializers.CharField(required=False, default="", allow_blank=True, max_length=1000)


class ExecutionRetryInputSerializer(ExecutionActionInputSerializer):
    input = serializers.JSONField(
        required=False,
        allow_null=True,
        help_text="a replacement input for the steps the retry runs again; absent: they keep their own",
    )


def _text(max_length: int = 200) -> serializers.CharField:
    return serializers.CharField(required=False, default="", allow_blank=True, max_length=max_length)


class QueryDateTimeField(serializers.DateTimeField):
    """A time in a query string where an empty value is an error, as the schema says, not "unset"
    (DRF's form handling would otherwise turn `?created_before=` into the default)."""

    def get_value(self, dictionary: Any) -> Any:
        return dictionary.get(self.field_name, empty)


def _time() -> serializers.DateTimeField:
    return QueryDateTimeField(required=False, default=None)


class ExecutionListQuerySerializer(PageQuerySerializer):
    status = serializers.ListField(child=serializers.CharField(allow_blank=True), default=list)
    workflow_id = _text()
    queue_name = _text()
    concurrency_key = _text()
    batch_id = _text()
    parent_execution_id = _text()
    root_execution_id = _text()
    created_after = _time()
    created_before = _time()
    started_after = _time()
    started_before = _time()
    finished_after = _time()
    finished_before = _time()

    def validate_status(self, value: list[str]) -> tuple[str, ...]:
        try:
            return statuses_from_api(value)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from None


def execution_filters(query: Mapping[str, Any]) -> ExecutionFilters:
    """Validated ExecutionListQuerySerializer data -> the selector's filters."""
    return ExecutionFilters(
        statuses=query["status"],
        workflow_id=query["workflow_id"],
        queue_name=query["queue_name"],
        concurrency_key=query["concurrency_key"],
        batch_id=query["batch_id"],
        parent_id=query["parent_execution_id"],
        root_id=query["root_execution_id"],
        created_after=query["created_after"],
        created_before=query["created_before"],
        started_after=query["started_after"],
        started_before=query["started_before"],
        finished_after=query["finished_after"],
        finished_before=query["finished_before"],
    )


# --- output -------------------------------------------------------------------------------------------------


@extend_schema_field({"type": "string", "nullable": True})
class TextOrNull(serializers.Field):
    """An optional text column: "" is shown as null."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value: str) -> str | None:
        return value or None


class ErrorInfoSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


def _error(code: str, message: str) -> dict[str, str] | None:
    return {"code": code, "message": message} if code else None


def _time_or_null(**kwargs: Any) -> serializers.DateTimeField:
    return serializers.DateTimeField(allow_null=True, **kwargs)


def _id_or_null(**kwargs: Any) -> serializers.CharField:
    return serializers.CharField(allow_null=True, **kwargs)


class WorkflowOutputSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    labels = serializers.DictField(child=serializers.CharField(allow_blank=True))
    status = serializers.SerializerMethodField()
    revision = serializers.IntegerField(source="current_revision.number", default=None, allow_null=True)
    specification = serializers.CharField(source="current_revision.yaml_text", default=None, allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    created_by = TextOrNull()

    @extend_schema_field(serializers.ChoiceField(choices=[value.lower() for value in Workflow.Status.values]))
    def get_status(self, workflow) -> str:
        return workflow.status.lower()


class SpecIssueOutputSerializer(serializers.Serializer):
    path = serializers.CharField(allow_blank=True, help_text="where in the document, e.g. steps.hello.noOp.next")
    line = serializers.IntegerField(allow_null=True, help_text="1-based")
    column = serializers.IntegerField(allow_null=True, help_text="1-based")
    message = serializers.CharField()


class WorkflowValidationOutputSerializer(serializers.Serializer):
    valid = serializers.BooleanField()
    warnings = SpecIssueOutputSerializer(many=True)


class WorkflowRevisionOutputSerializer(serializers.Serializer):
    """A revision in a list: who made it and when; the detail adds the specification."""

    workflow_id = serializers.CharField()
    number = serializers.IntegerField()
    current = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    created_by = TextOrNull()

    def get_current(self, revision) -> bool:
        return revision.workflow.current_revision_id == revision.pk


class WorkflowRevisionDetailOutputSerializer(WorkflowRevisionOutputSerializer):
    specification = serializers.CharField(source="yaml_text", help_text="the YAML text exactly as submitted")


class ExecutionOutputSerializer(serializers.Serializer):
    id = serializers.CharField()
    workflow_id = serializers.CharField()
    workflow_name = serializers.CharField(source="workflow.name")
    deployment_id = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField()
    payload = serializers.JSONField(source="input", allow_null=True)
    result = serializers.JSONField(allow_null=True)
    error = serializers.SerializerMethodField()
    retry_count = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    started_at = _time_or_null()
    completed_at = _time_or_null(source="finished_at")
    cancelled_at = _time_or_null()
    cancelled_by = TextOrNull()
    queue_name = serializers.CharField()
    concurrency_key = TextOrNull()
    parent_execution_id = _id_or_null(source="parent_id")
    root_execution_id = _id_or_null(source="root_id")
    step_key = TextOrNull(source="parent_step_key")
    batch_id = TextOrNull()
    session_id = TextOrNull()
    user_id = TextOrNull(source="started_by")
    assigned_to_worker = TextOrNull()
    run_timeout_seconds = serializers.IntegerField()
    output_schema_name = serializers.SerializerMethodField()

    def get_deployment_id(self, execution) -> str:
        # Lists annotate the number (selectors.execution_list) so a page does not load each revision.
        number = getattr(execution, "revision_number", None)
        if number is None:
            number = execution.revision.number
        return f"{execution.workflow_id}:{number}"

    @extend_schema_field(serializers.ChoiceField(choices=list(API_STATUSES.values())))
    def get_status(self, execution) -> str:
        return api_status(execution.status)

    @extend_schema_field(ErrorInfoSerializer(allow_null=True))
    def get_error(self, execution) -> dict[str, str] | None:
        return _error(execution.error_code, execution.error_message)

    @extend_schema_field({"type": "string", "nullable": True, "description": "always null"})
    def get_output_schema_name(self, execution) -> None:
        return None


class BatchOutputSerializer(serializers.Serializer):
    batch_id = serializers.CharField()
    executions = ExecutionOutputSerializer(many=True, help_text="in the order of the inputs")


class HistoryEntryOutputSerializer(serializers.Serializer):
    # Needs `run_ids` in the context: entry pk -> run id, to show parents without a query per entry.

    run_id = serializers.IntegerField()
    parent_run_id = serializers.SerializerMethodField()
    step_id = serializers.CharField()
    path = serializers.CharField()
    title = serializers.CharField(allow_blank=True)
    type = serializers.CharField()
    status = serializers.SerializerMethodField()
    input = serializers.JSONField(allow_null=True)
    output = serializers.JSONField(allow_null=True)
    error = serializers.SerializerMethodField()
    attempts = serializers.IntegerField()
    last_error = serializers.SerializerMethodField()
    scheduled_at = _time_or_null()
    started_at = _time_or_null()
    finished_at = _time_or_null()
    next_attempt_at = _time_or_null()
    child_execution_id = _id_or_null()

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_parent_run_id(self, entry) -> int | None:
        return self.context["run_ids"].get(entry.parent_id) if entry.parent_id else None

    @extend_schema_field(serializers.ChoiceField(choices=[api_step_status(status) for status in StepStatus]))
    def get_status(self, entry) -> str:
        return api_step_status(entry.status)

    @extend_schema_field(ErrorInfoSerializer(allow_null=True))
    def get_error(self, entry) -> dict[str, str] | None:
        return _error(entry.error_code, entry.error_message)

    @extend_schema_field(ErrorInfoSerializer(allow_null=True))
    def get_last_error(self, entry) -> dict[str, str] | None:
        return _error(entry.last_error_code, entry.last_error_message)


class ExecutionHistoryOutputSerializer(serializers.Serializer):
    execution_id = serializers.CharField()
    entries = HistoryEntryOutputSerializer(many=True)


def page_serializer(item: type[serializers.Serializer], name: str) -> type[serializers.Serializer]:
    """The schema of one page of a list: `{"results": [...], "next_cursor": "..." | null}`."""
    fields = {
        "results": item(many=True),
        "next_cursor": serializers.CharField(
            allow_null=True, help_text="pass as `cursor` for the next page; null on the last page"
        ),
    }
    return type(name, (serializers.Serializer,), fields)


WorkflowPageSerializer = page_serializer(WorkflowOutputSerializer, "WorkflowPageSerializer")
WorkflowRevisionPageSerializer = page_serializer(WorkflowRevisionOutputSerializer, "WorkflowRevisionPageSerializer")
ExecutionPageSerializer = page_serializer(ExecutionOutputSerializer, "ExecutionPageSerializer")
