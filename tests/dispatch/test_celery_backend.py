"""The celery executor's side in the publishing process: routing by queue, JSON messages, and a broker that
cannot be reached never failing the transaction that committed (the scheduler sends the work again)."""

from __future__ import annotations

import json
import logging

import pytest

pytest.importorskip("celery", reason="the celery executor needs the `scale` extra: pip install -e '.[scale]'")

from executions.dispatch import work
from executions.dispatch.backends import CeleryBackend
from executions.engine.protocol import RunStep
from executions.engine.states import StepType
from executions.services.shell import command_from_json, command_to_json
from tests.conftest import WAITING_SPEC, make_workflow
from tests.services.helpers_integration import ACTOR

COMMAND = RunStep(
    run_id=3,
    path="call",
    step_type=StepType.HTTP_CALL,
    input={"id": 1},
    params={"url": "http://127.0.0.1:1/x"},
    attempt=2,
    timeout_seconds=30.0,
)


class Recorder:
    def __init__(self, name: str, error: Exception | None = None) -> None:
        self.name = name
        self.error = error
        self.sent: list[tuple[tuple, str]] = []

    def apply_async(self, *, args: tuple, queue: str) -> None:
        if self.error is not None:
            raise self.error
        json.dumps(args)  # what the JSON serializer would refuse
        self.sent.append((args, queue))


@pytest.fixture
def backend(monkeypatch) -> CeleryBackend:
    backend = CeleryBackend()
    for name in ("begin", "run_step", "terminate"):
        monkeypatch.setattr(backend._tasks, name, Recorder(f"workflows.{name}"))
    return backend


@pytest.mark.django_db
def test_work_goes_to_the_celery_queue_named_by_the_execution(backend, settings):
    from executions import services

    settings.WORKFLOWS_EXECUTOR = "thread"  # nothing runs: this test only looks at what would be sent
    execution = services.execution_start(
        actor=ACTOR, workflow=make_workflow("w", WAITING_SPEC), input={}, queue_name="reports"
    )
    backend.submit_begin(execution.pk)
    backend.submit_step(execution.pk, COMMAND)
    backend.submit_terminate(execution.pk, queue="elsewhere")
    assert backend._tasks.begin.sent == [((execution.pk,), "reports")]
    assert backend._tasks.run_step.sent == [((execution.pk, command_to_json(COMMAND)), "reports")]
    assert backend._tasks.terminate.sent == [((execution.pk,), "elsewhere")]


def test_a_step_command_survives_the_trip_through_json():
    assert command_from_json(json.loads(json.dumps(command_to_json(COMMAND)))) == COMMAND


def test_a_broker_that_cannot_be_reached_is_logged_and_never_raised(backend, caplog):
    backend._tasks.begin = Recorder("workflows.begin", ConnectionRefusedError(111, "Connection refused"))
    with caplog.at_level(logging.WARNING):
        backend.submit_begin("e1", queue="default")
    assert "the scheduler will send it again" in caplog.text


def test_the_tasks_only_name_the_jobs(monkeypatch):
    from executions import tasks

    calls = []
    monkeypatch.setattr(work, "run_step_message", lambda *args: calls.append(("run_step", *args)))
    monkeypatch.setattr(work, "begin", lambda *args: calls.append(("begin", *args)))
    tasks.begin.run("e1")
    tasks.run_step.run("e1", {"run_id": 1})
    assert calls == [("begin", "e1"), ("run_step", "e1", {"run_id": 1})]


def test_the_celery_app_acknowledges_late_with_one_message_prefetched_and_json_only():
    from workflows_ui.celery import app

    conf = app.conf
    assert (conf.task_acks_late, conf.task_reject_on_worker_lost, conf.worker_prefetch_multiplier) == (True, True, 1)
    assert (conf.task_serializer, conf.accept_content) == ("json", ["json"])
    assert conf.task_default_queue == "default"
