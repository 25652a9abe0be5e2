from __future__ import annotations

import re
from typing import Any

from django.db import IntegrityError, transaction

from executions import functions
from executions.actors import Actor
from executions.engine import Definition, SpecError, parse
from executions.errors import Conflict, InvalidInput
from executions.models import Workflow, WorkflowRevision
from executions.services.audit import audit_record

NAME_RE = re.compile(r"^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$")
LABEL_KEY_RE = re.compile(r"^[a-z][-_./\\@0-9a-z]{0,62}$")
LABEL_VALUE_RE = re.compile(r"^[-_./\\@0-9a-z]{0,63}$")


def workflow_validate(*, yaml_text: str) -> Definition:
    """Parse and validate a spec; raise InvalidInput whose details carry each problem's line and column."""
    if not isinstance(yaml_text, str) or not yaml_text.strip():
        raise InvalidInput("specification is empty", details=[{"field": "specification", "message": "required"}])
    try:
        return parse(yaml_text, functions=functions.registered_ids())
    except SpecError as exc:
        details = [
            {"path": issue.path, "line": issue.line, "column": issue.column, "message": issue.message}
            for issue in exc.issues
        ]
        raise InvalidInput(f"invalid specification: {exc}", details=details) from None


def check_name(name: Any) -> str:
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise InvalidInput(
            "name must be 1-63 characters: lower-case letters, digits and hyphens, starting with a letter and "
            "not ending with a hyphen",
            details=[{"field": "name", "message": "invalid"}],
        )
    return name


def check_description(description: Any) -> str:
    if not isinstance(description, str) or len(description) > 256:
        raise InvalidInput("description must be a string of at most 256 characters")
    return description


def check_labels(labels: Any) -> dict[str, str]:
    if not isinstance(labels, dict) or len(labels) > 64:
        raise InvalidInput("labels must be a map of at most 64 entries")
    for key, value in labels.items():
        if not isinstance(key, str) or not LABEL_KEY_RE.match(key):
            raise InvalidInput(f"label key {key!r} is invalid: 1-63 of [-_./\\@0-9a-z], starting with a letter")
        if not isinstance(value, str) or not LABEL_VALUE_RE.match(value):
            raise InvalidInput(f"label {key!r} has an invalid value: at most 63 of [-_./\\@0-9a-z]")
    return labels


DEPLOYMENT_FIELDS = {
    "folder_id": str,
    "log_options": dict,
    "network_id": str,
    "service_account_id": str,
    "express": bool,
}


def check_deployment(fields: dict[str, Any]) -> dict[str, Any]:
    for field, value in fields.items():
        kind = DEPLOYMENT_FIELDS.get(field)
        if kind is None:
            raise InvalidInput(f"unknown workflow field {field!r}")
        if not isinstance(value, kind) or (kind is str and len(value) > 50):
            raise InvalidInput(
                f"{field} must be a {kind.__name__}" + (" of at most 50 characters" if kind is str else "")
            )
    return fields


def _add_revision(*, workflow: Workflow, yaml_text: str, definition: Definition, actor: Actor) -> WorkflowRevision:
    last = workflow.revisions.order_by("-number").values_list("number", flat=True).first() or 0
    revision = WorkflowRevision.objects.create(
        workflow=workflow,
        number=last + 1,
        yaml_text=yaml_text,
        definition=definition.to_document(),
        created_by=actor.label,
    )
    workflow.current_revision = revision
    return revision


@transaction.atomic
def workflow_create(
    *,
    actor: Actor,
    name: str,
    yaml_text: str,
    description: str = "",
    labels: dict[str, str] | None = None,
    default_queue_name: str = "default",
    default_run_timeout_seconds: int | None = None,
    deployment: dict[str, Any] | None = None,
) -> Workflow:
    """Create a workflow and its first revision.

    `deployment` holds the Yandex workflow fields we store and show but do not act on (folder_id,
    log_options, network_id, service_account_id, express): see docs/decisions.md.
    """
    name = check_name(name)
    deployment_fields = check_deployment(deployment or {})
    description = check_description(description)
    labels = check_labels(labels or {})
    definition = workflow_validate(yaml_text=yaml_text)
    if Workflow.objects.filter(name=name).exists():
        raise Conflict(f"a workflow named {name!r} already exists")
    try:
        with transaction.atomic():
            workflow = Workflow.objects.create(
                name=name,
                description=description,
                labels=labels,
                default_queue_name=default_queue_name or "default",
                default_run_timeout_seconds=default_run_timeout_seconds,
                created_by=actor.label,
                **deployment_fields,
                updated_by=actor.label,
            )
    except IntegrityError:
        raise Conflict(f"a workflow named {name!r} already exists") from None
    revision = _add_revision(workflow=workflow, yaml_text=yaml_text, definition=definition, actor=actor)
    workflow.save(update_fields=["current_revision"])
    audit_record(
        actor=actor,
        action="workflow.create",
        target_type="workflow",
        target_id=workflow.id,
        details={"name": name, "revision": revision.number},
    )
    return workflow


@transaction.atomic
def workflow_update(
    *,
    actor: Actor,
    workflow: Workflow,
    yaml_text: str | None = None,
    name: str | None = None,
    description: str | None = None,
    labels: dict[str, str] | None = None,
    deployment: dict[str, Any] | None = None,
) -> Workflow:
    """Change a workflow; a new spec makes a new revision (running executions keep theirs)."""
    workflow = Workflow.objects.select_for_update().get(pk=workflow.pk)
    changed: dict[str, Any] = {}
    for field, value in check_deployment(deployment or {}).items():
        setattr(workflow, field, value)
        changed[field] = True
    if name is not None and name != workflow.name:
        workflow.name = check_name(name)
        if Workflow.objects.filter(name=name).exclude(pk=workflow.pk).exists():
            raise Conflict(f"a workflow named {name!r} already exists")
        changed["name"] = name
    if description is not None:
        workflow.description = check_description(description)
        changed["description"] = True
    if labels is not None:
        workflow.labels = check_labels(labels)
        changed["labels"] = True
    if yaml_text is not None and (
        workflow.current_revision is None or yaml_text != workflow.current_revision.yaml_text
    ):
        definition = workflow_validate(yaml_text=yaml_text)
        revision = _add_revision(workflow=workflow, yaml_text=yaml_text, definition=definition, actor=actor)
        changed["revision"] = revision.number
    workflow.updated_by = actor.label
    workflow.save()
    audit_record(actor=actor, action="workflow.update", target_type="workflow", target_id=workflow.id, details=changed)
    return workflow


@transaction.atomic
def workflow_delete(*, actor: Actor, workflow: Workflow) -> None:
    """Delete a workflow that has no executions; one with history is kept (executions are never lost)."""
    workflow = Workflow.objects.select_for_update().get(pk=workflow.pk)
    if workflow.executions.exists():
        raise Conflict("a workflow with executions cannot be deleted: its executions' history would be lost")
    audit_record(
        actor=actor,
        action="workflow.delete",
        target_type="workflow",
        target_id=workflow.id,
        details={"name": workflow.name},
    )
    Workflow.objects.filter(pk=workflow.pk).update(current_revision=None)
    WorkflowRevision.objects.filter(workflow=workflow).delete()
    Workflow.objects.filter(pk=workflow.pk).delete()
