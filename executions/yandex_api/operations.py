"""Workflow operations (Yandex `Operation`s) are the workflow's audit events: create, update, delete.

Ours complete synchronously, so an operation is written once, done, by the service that made the change.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from executions import selectors, services
from executions.actors import Actor
from executions.errors import NotFound
from executions.models import AuditEvent, Workflow
from executions.yandex_api import messages
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


# The three workflow RPCs, shared by the Yandex REST views and the gRPC servicers: each changes the workflow
# through the service and returns the Operation's audit event, in one transaction (see recorded_operation).


@transaction.atomic
def workflow_create_operation(*, actor: Actor, data: dict[str, Any]) -> tuple[AuditEvent, Workflow]:
    workflow = services.workflow_create(actor=actor, **messages.workflow_create_arguments(data))
    return recorded_operation(workflow_id=workflow.pk, action="workflow.create", actor=actor), workflow


@transaction.atomic
def workflow_update_operation(*, actor: Actor, workflow_id: str, data: dict[str, Any]) -> tuple[AuditEvent, Workflow]:
    workflow = selectors.workflow_get(workflow_id=workflow_id)
    changes = messages.workflow_update_arguments(data, workflow=workflow)
    workflow = services.workflow_update(actor=actor, workflow=workflow, **changes)
    return recorded_operation(workflow_id=workflow.pk, action="workflow.update", actor=actor), workflow


@transaction.atomic
def workflow_delete_operation(*, actor: Actor, workflow_id: str) -> AuditEvent:
    workflow = selectors.workflow_get(workflow_id=workflow_id)
    services.workflow_delete(actor=actor, workflow=workflow)
    return recorded_operation(workflow_id=workflow.pk, action="workflow.delete", actor=actor)
