"""Helpers for the page tests: start executions through the services, as the pages do."""

from __future__ import annotations

from typing import Any

import pytest

from executions import services
from executions.actors import Actor
from executions.models import Execution

# The inline executor runs the engine on commit, so tests that need an execution to progress use real
# transactions (tests/conftest.py puts back the role groups the flush after each one removes).
ENGINE_DB = pytest.mark.django_db(transaction=True)


def start_execution(workflow, input: Any = None, *, user=None, idempotency_key: str = "") -> Execution:
    actor = Actor.for_user(user, source="ui") if user else Actor(label="test", source="cli")
    execution = services.execution_start(actor=actor, workflow=workflow, input=input, idempotency_key=idempotency_key)
    execution.refresh_from_db()
    return execution


def htmx(**headers: str) -> dict[str, str]:
    """Headers of an HTMX request, for the test client."""
    return {"HX-Request": "true", **headers}
