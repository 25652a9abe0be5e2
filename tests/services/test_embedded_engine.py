"""The embedded engine: a real thread pool and scheduler thread, as the serve command runs them."""

from __future__ import annotations

import time

import pytest

from executions import services
from executions.actors import Actor
from executions.models import Execution
from executions.runtime import EmbeddedEngine
from tests.conftest import FINISHING_SPEC, make_workflow

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for(predicate, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError("condition not met before the deadline")


def test_executions_run_on_the_thread_pool_and_the_engine_stops_cleanly(settings):
    settings.WORKFLOWS_EXECUTOR = "thread"
    settings.WORKFLOWS_SCHEDULER_INTERVAL = 0.05
    engine = EmbeddedEngine()
    engine.start()
    try:
        workflow = make_workflow("greeter", FINISHING_SPEC)
        actor = Actor(label="test", source="api")
        ids = [services.execution_start(actor=actor, workflow=workflow, input={"name": str(i)}).pk for i in range(5)]
        wait_for(lambda: Execution.objects.filter(pk__in=ids, status="FINISHED").count() == 5)
    finally:
        engine.stop()
    results = sorted(Execution.objects.filter(pk__in=ids).values_list("result", flat=True), key=str)
    assert results == sorted(({"greeting": f"Hello, {i}"} for i in range(5)), key=str)
