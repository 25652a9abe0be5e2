"""The admin, for data fixes. Every change goes through the services: executions only change status through
the stop/terminate actions, workflows are saved through `workflow_create`/`workflow_update`, tokens through
`api_token_create`/`api_token_revoke`. Revisions, history entries and audit events are read-only records.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from executions import permissions, services
from executions.actors import Actor
from executions.engine.states import IllegalTransition
from executions.errors import DomainError
from executions.forms import ApiTokenAdminForm, WorkflowAdminForm
from executions.models import ApiToken, AuditEvent, Execution, HistoryEntry, Workflow, WorkflowRevision
from executions.templatetags.dashboard import pretty_json

admin.site.site_header = "Workflows administration"
admin.site.site_title = "Workflows admin"
admin.site.site_url = "/"


def admin_actor(request: HttpRequest) -> Actor:
    return Actor.for_user(request.user, source="admin", request=request)


class ReadOnlyAdmin(admin.ModelAdmin):
    """A record written only by the services: viewable, never added, changed or deleted here."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- workflows --------------------------------------------------------------------------------------------


@admin.register(Workflow)
class WorkflowAdmin(admin.ModelAdmin):
    form = WorkflowAdminForm
    list_display = ["name", "id", "status", "revision_number", "description", "updated_at", "updated_by"]
    list_filter = ["status", "created_at"]
    search_fields = ["name", "=id", "description"]
    list_select_related = ["current_revision"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "id",
        "status",
        "current_revision",
        "created_at",
        "created_by",
        "updated_at",
        "updated_by",
    ]
    fieldsets = [
        (None, {"fields": ["name", "description", "labels", "yaml_text"]}),
        ("Record", {"fields": readonly_fields, "classes": ["collapse"]}),
    ]

    @admin.display(description="Revision", ordering="current_revision__number")
    def revision_number(self, obj: Workflow) -> int | None:
        return obj.current_revision.number if obj.current_revision else None

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Deleting goes through services.workflow_delete (the API): it keeps workflows with executions.
        return False

    def save_model(self, request: HttpRequest, obj: Workflow, form: WorkflowAdminForm, change: bool) -> None:
        fields = {key: form.cleaned_data[key] for key in ("name", "description", "labels", "yaml_text")}
        if change:
            saved = services.workflow_update(actor=admin_actor(request), workflow=obj, **fields)
        else:
            saved = services.workflow_create(actor=admin_actor(request), **fields)
        # The admin goes on to log and redirect with `obj`: make it the row the service wrote.
        obj.pk = saved.pk
        obj.current_revision = saved.current_revision
        obj._state.adding = False

    def save_related(self, request: HttpRequest, form: WorkflowAdminForm, formsets: Any, change: bool) -> None:
        """Workflows have no many-to-many fields or inlines; nothing else to save."""


@admin.register(WorkflowRevision)
class WorkflowRevisionAdmin(ReadOnlyAdmin):
    list_display = ["workflow", "number", "created_at", "created_by"]
    list_filter = ["created_at"]
    search_fields = ["workflow__name", "=workflow__id"]
    list_select_related = ["workflow"]
    date_hierarchy = "created_at"
    fields = ["workflow", "number", "created_at", "created_by", "yaml_text", "definition"]


# --- executions ---------------------------------------------------------------------------------------------


def _act_on_each(
    request: HttpRequest, queryset: QuerySet[Execution], action: Callable[..., Execution], verb: str
) -> int:
    """Run a service on each selected execution; report each refusal, never fail the whole batch."""
    done = 0
    for execution_id in queryset.values_list("pk", flat=True):
        try:
            action(actor=admin_actor(request), execution_id=execution_id, reason=f"{verb} from the admin")
        except (DomainError, IllegalTransition) as exc:
            messages.warning(request, f"Not {verb}: {execution_id}: {getattr(exc, 'message', None) or exc}")
        else:
            done += 1
    return done


@admin.register(Execution)
class ExecutionAdmin(ReadOnlyAdmin):
    actions = ["stop_executions", "terminate_executions"]
    list_display = [
        "id",
        "workflow",
        "status",
        "created_at",
        "started_at",
        "finished_at",
        "started_by",
        "queue_name",
    ]
    list_filter = ["status", "queue_name", "created_at"]
    search_fields = ["^id", "workflow__name", "=idempotency_key", "=batch_id", "started_by"]
    list_select_related = ["workflow"]
    date_hierarchy = "created_at"
    raw_id_fields = ["workflow", "revision", "parent", "root", "started_by_user"]
    fieldsets = [
        (None, {"fields": ["id", "workflow", "revision", "status", "history_link", "dashboard_link"]}),
        ("Data", {"fields": ["input_json", "result_json", "error_code", "error_message"]}),
        (
            "Timing",
            {"fields": ["created_at", "started_at", "finished_at", "deadline_at", "run_timeout_seconds"]},
        ),
        (
            "Who and where",
            {
                "fields": [
                    "started_by",
                    "cancelled_by",
                    "cancelled_at",
                    "retry_count",
                    "queue_name",
                    "concurrency_key",
                    "idempotency_key",
                    "batch_id",
                    "session_id",
                    "parent",
                    "root",
                    "assigned_to_worker",
                ]
            },
        ),
        (
            "Engine state",
            {
                "fields": ["stop_requested", "terminate_requested", "pause_requested", "cursor"],
                "classes": ["collapse"],
            },
        ),
    ]
    readonly_fields = ["history_link", "dashboard_link", "input_json", "result_json"]

    def has_operate_permission(self, request: HttpRequest) -> bool:
        return permissions.can_operate(request.user)

    @admin.action(description="Stop selected executions", permissions=["operate"])
    def stop_executions(self, request: HttpRequest, queryset: QuerySet[Execution]) -> None:
        done = _act_on_each(request, queryset, services.execution_stop, "stopped")
        if done:
            messages.success(request, f"Asked {done} execution(s) to stop.")

    @admin.action(description="Terminate selected executions", permissions=["operate"])
    def terminate_executions(self, request: HttpRequest, queryset: QuerySet[Execution]) -> None:
        done = _act_on_each(request, queryset, services.execution_terminate, "terminated")
        if done:
            messages.success(request, f"Terminated {done} execution(s).")

    @admin.display(description="Input")
    def input_json(self, obj: Execution) -> str:
        return format_html('<pre style="margin:0">{}</pre>', pretty_json(obj.input))

    @admin.display(description="Result")
    def result_json(self, obj: Execution) -> str:
        return format_html('<pre style="margin:0">{}</pre>', pretty_json(obj.result))

    @admin.display(description="History")
    def history_link(self, obj: Execution) -> str:
        url = reverse("admin:executions_historyentry_changelist") + f"?execution__id__exact={obj.pk}"
        return format_html('<a href="{}">{} entries</a>', url, obj.history.count())

    @admin.display(description="Dashboard")
    def dashboard_link(self, obj: Execution) -> str:
        return format_html(
            '<a href="{}">Open in the dashboard</a>', reverse("executions:execution_detail", args=[obj.pk])
        )


@admin.register(HistoryEntry)
class HistoryEntryAdmin(ReadOnlyAdmin):
    list_display = ["execution", "run_id", "path", "type", "status", "attempts", "started_at", "finished_at"]
    list_filter = ["status", "type"]
    search_fields = ["=execution__id", "step_id", "path"]
    list_select_related = ["execution"]
    raw_id_fields = ["execution", "parent", "child_execution"]
    exclude = ["command"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor", "source", "action", "target_type", "target_id", "remote_addr"]
    list_filter = ["source", "action", "target_type"]
    search_fields = ["actor", "=target_id", "reason", "=request_id"]
    date_hierarchy = "created_at"
    raw_id_fields = ["actor_user", "execution"]


# --- API tokens ---------------------------------------------------------------------------------------------


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = [
        "prefix",
        "name",
        "owner",
        "scope",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    ]
    list_filter = ["scope", "created_at", "revoked_at"]
    search_fields = ["=prefix", "name", "owner__username"]
    list_select_related = ["owner"]
    date_hierarchy = "created_at"
    raw_id_fields = ["owner"]
    actions = ["revoke_tokens"]
    form = ApiTokenAdminForm

    def get_fields(self, request: HttpRequest, obj: ApiToken | None = None) -> list[str]:
        # Never the secret's hash: it is no use to anyone and should not leave the database.
        if obj is None:
            return ["owner", "name", "scope", "expires_at"]
        return ["prefix", "name", "owner", "scope", "created_at", "last_used_at", "expires_at", "revoked_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: ApiToken | None = None) -> list[str]:
        return [] if obj is None else self.get_fields(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoke instead: the audit trail keeps naming the token

    def save_model(self, request: HttpRequest, obj: ApiToken, form: ApiTokenAdminForm, change: bool) -> None:
        if change:
            return
        token, clear = services.api_token_create(actor=admin_actor(request), **form.cleaned_data)
        obj.pk, obj.prefix, obj._state.adding = token.pk, token.prefix, False
        messages.warning(request, f"Token created. Copy it now, it is not shown again: {clear}")

    @admin.action(description="Revoke selected tokens", permissions=["change"])
    def revoke_tokens(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for token in queryset:
            services.api_token_revoke(actor=admin_actor(request), token=token)
        messages.success(request, f"Revoked {queryset.count()} token(s).")
