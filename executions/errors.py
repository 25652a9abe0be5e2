"""Domain errors raised by services and selectors; every interface maps each one the same way.

HTTP: NotFound 404, InvalidInput 400, Conflict 409, IllegalTransition 409, Forbidden 403.
"""

from __future__ import annotations

from typing import Any

from executions.engine.states import IllegalTransition

__all__ = ["Conflict", "DomainError", "Forbidden", "IllegalTransition", "InvalidInput", "NotFound"]


class DomainError(Exception):
    code = "error"

    def __init__(self, message: str, *, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []


class NotFound(DomainError):
    code = "not_found"


class InvalidInput(DomainError):
    """Bad input: a spec that does not validate, input that is not JSON, a field out of range."""

    code = "invalid"


class Conflict(DomainError):
    """The request contradicts existing data: a taken name, an idempotency key reused with other input."""

    code = "conflict"


class Forbidden(DomainError):
    code = "forbidden"
