"""Data only: fields, constraints and indexes. Every write goes through `executions.services`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from executions.engine.states import ExecutionStatus, StepStatus, StepType
from executions.ids import new_execution_id, new_workflow_id


def _choices(enum: type) -> list[tuple[str, str]]:
    return [(member.value, member.value.replace("_", " ").title()) for member in enum]


class Workflow(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "ACTIVE", "Active"
        DELETING = "DELETING", "Deleting"
        ERROR = "ERROR", "Error"

    id = models.CharField(primary_key=True, max_length=20, default=new_workflow_id, editable=False)
    folder_id = models.CharField(max_length=50, default="default", blank=True)
    name = models.CharField(max_length=63, unique=True)
    description = models.CharField(max_length=256, blank=True)
    labels = models.JSONField(default=dict, blank=True)
    current_revision = models.ForeignKey(
        "WorkflowRevision", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    schedule_cron = models.CharField(max_length=200, blank=True)
    schedule_timezone = models.CharField(max_length=64, blank=True)
    default_queue_name = models.CharField(max_length=100, default="default")
    default_run_timeout_seconds = models.PositiveIntegerField(null=True, blank=True)
    concurrency_limit = models.PositiveIntegerField(null=True, blank=True)
    input_schema = models.JSONField(null=True, blank=True)
    express = models.BooleanField(default=False)
    log_options = models.JSONField(default=dict, blank=True)
    network_id = models.CharField(max_length=50, blank=True)
    service_account_id = models.CharField(max_length=50, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.CharField(max_length=150, blank=True)
    updated_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["name"]
        indexes = [
            # Workflow.List ordered by creation (Yandex API) with a keyset cursor.
            models.Index(fields=["created_at", "id"], name="workflow_created_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class WorkflowRevision(models.Model):
    """An immutable version of a workflow's spec; executions pin the one they started with."""

    workflow = models.ForeignKey(Workflow, on_delete=models.PROTECT, related_name="revisions")
    number = models.PositiveIntegerField()
    yaml_text = models.TextField()
    definition = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["workflow", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["workflow", "number"], name="revision_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.workflow_id} r{self.number}"


class Execution(models.Model):
    id = models.CharField(primary_key=True, max_length=26, default=new_execution_id, editable=False)
    workflow = models.ForeignKey(Workflow, on_delete=models.PROTECT, related_name="executions")
    revision = models.ForeignKey(WorkflowRevision, on_delete=models.PROTECT, related_name="executions")
    status = models.CharField(max_length=16, choices=_choices(ExecutionStatus), default=ExecutionStatus.QUEUED)
    stop_requested = models.BooleanField(default=False)
    terminate_requested = models.BooleanField(default=False)
    pause_requested = models.BooleanField(default=False)

    input = models.JSONField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True)
    error_code = models.CharField(max_length=100, blank=True)
    error_message = models.TextField(blank=True)
    # The interpreter's durable state (workflow state, frames, active runs); only the engine reads it.
    cursor = models.JSONField(default=dict, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    run_timeout_seconds = models.PositiveIntegerField()
    deadline_at = models.DateTimeField(null=True, blank=True)

    queue_name = models.CharField(max_length=100, default="default")
    concurrency_key = models.CharField(max_length=200, blank=True)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")
    root = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="descendants")
    parent_step_key = models.CharField(max_length=500, blank=True)
    parent_run_id = models.PositiveIntegerField(null=True, blank=True)
    batch_id = models.CharField(max_length=64, blank=True)
    session_id = models.CharField(max_length=64, blank=True)
    idempotency_key = models.CharField(max_length=200, blank=True)

    started_by = models.CharField(max_length=150, blank=True)
    started_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.CharField(max_length=150, blank=True)
    retry_count = models.PositiveIntegerField(default=0)
    assigned_to_worker = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("operate_execution", "Can start, stop, terminate, pause, resume and retry executions")]
        constraints = [
            models.UniqueConstraint(
                fields=["workflow", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="execution_idempotency_unique",
            ),
            models.CheckConstraint(
                condition=Q(finished_at__isnull=True)
                | Q(started_at__isnull=True)
                | Q(finished_at__gte=F("started_at")),
                name="execution_finished_after_started",
            ),
        ]
        indexes = [
            # The unfiltered execution list, newest first, keyset on (created_at, id).
            models.Index(fields=["-created_at", "-id"], name="execution_created_idx"),
            # The list filtered by status.
            models.Index(fields=["status", "-created_at", "-id"], name="execution_status_idx"),
            # A workflow's executions (workflow page, Yandex List by workflowId).
            models.Index(fields=["workflow", "-created_at", "-id"], name="execution_workflow_idx"),
            # Every execution of one tree (child workflows).
            models.Index(fields=["root"], name="execution_root_idx"),
            # Concurrency limits: how many of one key are running.
            models.Index(fields=["concurrency_key", "status"], name="execution_concurrency_idx"),
            # The scheduler's deadline sweep over executions that are still going.
            models.Index(
                fields=["deadline_at"],
                name="execution_deadline_idx",
                condition=Q(status__in=["QUEUED", "RUNNING", "PAUSED"]),
            ),
        ]

    def __str__(self) -> str:
        return self.id

    @property
    def duration(self):
        if self.started_at is None:
            return None
        from django.utils import timezone

        return (self.finished_at or timezone.now()) - self.started_at


class HistoryEntry(models.Model):
    """One step run. Runs inside Parallel branches, Foreach/While iterations point at their parent run."""

    execution = models.ForeignKey(Execution, on_delete=models.CASCADE, related_name="history")
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="children")
    run_id = models.PositiveIntegerField()
    step_id = models.CharField(max_length=200)
    path = models.CharField(max_length=1000)
    title = models.CharField(max_length=500, blank=True)
    description = models.TextField(blank=True)
    type = models.CharField(max_length=16, choices=_choices(StepType))
    status = models.CharField(max_length=16, choices=_choices(StepStatus), default=StepStatus.SCHEDULED)
    input = models.JSONField(null=True, blank=True)
    output = models.JSONField(null=True, blank=True)
    error_code = models.CharField(max_length=100, blank=True)
    error_message = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=1)
    last_error_code = models.CharField(max_length=100, blank=True)
    last_error_message = models.TextField(blank=True)
    scheduled_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # A durable timer (Wait wake-up or retry backoff) the scheduler fires; cleared once fired.
    timer_at = models.DateTimeField(null=True, blank=True)
    # The running attempt: which worker holds it and until when; the scheduler re-dispatches expired leases.
    worker = models.CharField(max_length=200, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    attempt_deadline_at = models.DateTimeField(null=True, blank=True)
    # The RunStep command of the running attempt, kept so the scheduler can re-dispatch it after a worker
    # died; cleared when the run ends.
    command = models.JSONField(null=True, blank=True, editable=False)
    child_execution = models.ForeignKey(
        Execution, on_delete=models.SET_NULL, null=True, blank=True, related_name="parent_entries"
    )

    class Meta:
        ordering = ["execution", "run_id"]
        verbose_name_plural = "history entries"
        constraints = [
            models.UniqueConstraint(fields=["execution", "run_id"], name="history_run_unique"),
        ]
        indexes = [
            # The scheduler: timers that are due.
            models.Index(fields=["timer_at"], name="history_timer_idx", condition=Q(timer_at__isnull=False)),
            # The scheduler: running attempts whose lease expired.
            models.Index(
                fields=["lease_expires_at"],
                name="history_lease_idx",
                condition=Q(lease_expires_at__isnull=False),
            ),
            # The scheduler: running attempts past their step timeout.
            models.Index(
                fields=["attempt_deadline_at"],
                name="history_attempt_deadline_idx",
                condition=Q(attempt_deadline_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.execution_id}#{self.run_id} {self.path}"

    @property
    def duration(self):
        if self.started_at is None or self.finished_at is None:
            return None
        return self.finished_at - self.started_at


class AuditEvent(models.Model):
    class Source(models.TextChoices):
        UI = "ui", "Dashboard"
        API = "api", "API"
        YANDEX_API = "yandex-api", "Yandex API"
        GRPC = "grpc", "gRPC"
        ADMIN = "admin", "Admin"
        SCHEDULER = "scheduler", "Scheduler"
        ENGINE = "engine", "Engine"
        CLI = "cli", "Command line"

    actor = models.CharField(max_length=150)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source = models.CharField(max_length=16, choices=Source.choices)
    action = models.CharField(max_length=64)
    target_type = models.CharField(max_length=32)
    target_id = models.CharField(max_length=64)
    execution = models.ForeignKey(
        Execution,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_events",
        db_constraint=False,
    )
    reason = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    request_id = models.CharField(max_length=64, blank=True)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The audit list, newest first, keyset on (created_at, id).
            models.Index(fields=["-created_at", "-id"], name="audit_created_idx"),
            # One object's audit trail (execution timeline, workflow page).
            models.Index(fields=["target_type", "target_id", "created_at"], name="audit_target_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.actor} {self.action} {self.target_type}:{self.target_id}"


class ApiToken(models.Model):
    class Scope(models.TextChoices):
        READ = "read", "Read"
        OPERATE = "operate", "Operate"
        ADMIN = "admin", "Admin"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    scope = models.CharField(max_length=16, choices=Scope.choices, default=Scope.READ)
    # Only the prefix is stored in clear (to find the row and to show the token in lists); the secret is hashed.
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
