"""Who is acting, and through which interface: every service takes one and writes it to the audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Actor:
    label: str  # "user:alice", "token:ci (alice)", "system:scheduler"
    source: str  # an AuditEvent.Source value
    user: Any = None  # the Django user, when a person or their token acts
    request_id: str = ""
    remote_addr: str | None = None

    @classmethod
    def for_user(cls, user: Any, *, source: str, request: Any = None, token: Any = None) -> Actor:
        label = f"user:{user.get_username()}" if token is None else f"token:{token.name} ({user.get_username()})"
        remote = request.META.get("REMOTE_ADDR") if request is not None else None
        request_id = request.META.get("HTTP_X_REQUEST_ID", "")[:64] if request is not None else ""
        return cls(label=label, source=source, user=user, request_id=request_id, remote_addr=remote)


SYSTEM_ENGINE = Actor(label="system:engine", source="engine")
SYSTEM_SCHEDULER = Actor(label="system:scheduler", source="scheduler")
SYSTEM_TIMEOUT = Actor(label="system:timeout", source="scheduler")
