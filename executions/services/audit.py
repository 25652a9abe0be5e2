from __future__ import annotations

from typing import Any

from executions.actors import Actor
from executions.models import AuditEvent, Execution


def audit_record(
    *,
    actor: Actor,
    action: str,
    target_type: str,
    target_id: str,
    execution: Execution | None = None,
    reason: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    user = actor.user if getattr(actor.user, "pk", None) else None
    return AuditEvent.objects.create(
        actor=actor.label,
        actor_user=user,
        source=actor.source,
        action=action,
        target_type=target_type,
        target_id=target_id,
        execution=execution,
        reason=reason,
        details=details or {},
        request_id=actor.request_id,
        remote_addr=actor.remote_addr,
    )
