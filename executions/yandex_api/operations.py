"""Workflow operations (Yandex `Operation`s) are the workflow's audit events: create, update, delete.

Ours complete synchronously, so an operation is written once, done, by the service that made the change.
"""

from __future__ import annotations

from django.db.models import QuerySet

from executions.actors import Actor
from executions.errors import NotFound
from executions.models import AuditEvent, Workflow
from executions.yandex_mapping import OPERATION_ACTIONS


def workflow_operations(*, workflow_id: str) -> QuerySet[AuditEvent]:
    """Newest first. A deleted workflow keeps its operations (its delete included), found by its id."""
    workflow = Workflow.objects.filter(pk=workflow_id).first() or Workflow.objects.filter(name=workflow_id).first()
    target_id = workflow.pk if workflow is not None else workflow_id
    events = AuditEvent.objects.filter(target_type="workflow", target_id=target_id, action__in=OPERATION_ACTIONS)
    if workflow is None and not events.exists():
        raise NotFound(f"workflow {workflow_id} not found")
    return events.order_by("-id")


def recorded_operation(*, workflow_id: str, action: str, actor: Actor) -> AuditEvent:
    """The audit event a service just wrote for `action`.

    Call it in the service's transaction (the caller wraps both in one atomic block): the service locked the
    workflow row, so no other change to it can have written a newer event in between.
    """
    return AuditEvent.objects.filter(
        target_type="workflow", target_id=workflow_id, action=action, actor=actor.label, source=actor.source
    ).latest("id")
