"""Operator actions on many executions at once: each item in its own transaction, each outcome reported.

A bulk action is deliberately not atomic: stopping fifty executions must not be undone because the fiftieth
had finished meanwhile. Each item goes through the single-execution service (which checks the transition,
writes the audit row and broadcasts), and a refusal is collected, never raised.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from executions.actors import Actor
from executions.engine.states import Action, IllegalTransition
from executions.errors import InvalidInput, NotFound
from executions.models import Execution
from executions.services.executions import execution_retry, execution_stop, execution_terminate

BULK_ACTIONS: dict[Action, Callable[..., Execution]] = {
    Action.STOP: execution_stop,
    Action.TERMINATE: execution_terminate,
    Action.RETRY: execution_retry,
}
MAX_BULK_SIZE = 200


@dataclass(frozen=True)
class BulkOutcome:
    execution_id: str
    ok: bool
    status: str = ""
    message: str = ""


def check_bulk_request(*, action: str, execution_ids: Iterable[str]) -> tuple[Action, list[str]]:
    """The action and the distinct ids, in order; InvalidInput for an unknown action or a bad selection."""
    try:
        chosen = Action(action)
    except ValueError:
        chosen = None
    if chosen not in BULK_ACTIONS:
        allowed = ", ".join(a.value for a in BULK_ACTIONS)
        raise InvalidInput(f"unknown bulk action {action!r}; expected one of {allowed}")
    ids = list(dict.fromkeys(str(i) for i in execution_ids if str(i).strip()))
    if not ids:
        raise InvalidInput("select at least one execution")
    if len(ids) > MAX_BULK_SIZE:
        raise InvalidInput(f"at most {MAX_BULK_SIZE} executions at once, got {len(ids)}")
    return chosen, ids


def execution_bulk(*, actor: Actor, action: str, execution_ids: Iterable[str], reason: str = "") -> list[BulkOutcome]:
    """Apply `action` (stop, terminate or retry) to each execution; one outcome per distinct id, in order.

    Call it outside any transaction: each item then commits on its own (inside one, they become savepoints).
    """
    chosen, ids = check_bulk_request(action=action, execution_ids=execution_ids)
    operate = BULK_ACTIONS[chosen]
    outcomes = []
    for execution_id in ids:
        try:
            execution = operate(actor=actor, execution_id=execution_id, reason=reason)
        except (IllegalTransition, NotFound) as exc:
            outcomes.append(BulkOutcome(execution_id, ok=False, message=getattr(exc, "message", None) or str(exc)))
        else:
            outcomes.append(BulkOutcome(execution_id, ok=True, status=execution.status))
    return outcomes
