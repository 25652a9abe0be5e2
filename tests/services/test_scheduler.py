from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from executions import scheduler, services
from executions.actors import Actor
from executions.models import Execution, HistoryEntry
from tests.conftest import FINISHING_SPEC, WAITING_SPEC, make_workflow

pytestmark = pytest.mark.django_db(transaction=True)
ACTOR = Actor(label="user:olga", source="api")


def start(spec: str = WAITING_SPEC, **kwargs) -> Execution:
    workflow = make_workflow("sleeper", spec)
    execution = services.execution_start(actor=ACTOR, workflow=workflow, input={}, **kwargs)
    execution.refresh_from_db()
    return execution


def test_a_due_timer_fires_and_the_execution_continues():
    execution = start()
    assert scheduler.tick(timezone.now()).timers == 0  # not due yet
    report = scheduler.tick(timezone.now() + timedelta(seconds=31))
    assert report.timers == 1
    execution.refresh_from_db()
    assert execution.status == "FINISHED"
    assert execution.result == {"woke": True}


def test_a_timer_fires_once_when_two_replicas_race():
    execution = start()
    entry = HistoryEntry.objects.get(execution=execution, step_id="nap")
    HistoryEntry.objects.filter(pk=entry.pk).update(timer_at=timezone.now() - timedelta(seconds=1))
    first = services.timer_fire(execution_id=execution.pk, run_id=entry.run_id)
    second = services.timer_fire(execution_id=execution.pk, run_id=entry.run_id)
    assert (first, second) == (True, False)
    assert HistoryEntry.objects.filter(execution=execution, step_id="after").count() == 1


def test_an_execution_past_its_deadline_fails_with_a_timeout():
    execution = start(run_timeout_seconds=5)
    report = scheduler.tick(timezone.now() + timedelta(seconds=6))
    assert report.deadlines == 1
    execution.refresh_from_db()
    assert execution.status == "FAILED"
    assert execution.error_code == "EXECUTION_TIMEOUT"
    assert execution.cancelled_by == "system:timeout"


def test_an_execution_whose_first_dispatch_was_lost_is_begun_by_the_scheduler(settings):
    settings.WORKFLOWS_EXECUTOR = "thread"  # no pool runs in this process: the dispatch is dropped
    execution = start(FINISHING_SPEC)
    assert execution.status == "QUEUED"
    settings.WORKFLOWS_EXECUTOR = "inline"
    scheduler.tick(timezone.now() + timedelta(seconds=3))
    execution.refresh_from_db()
    assert execution.status == "FINISHED"


def test_stopping_a_queued_execution_stops_it_before_it_starts(settings):
    settings.WORKFLOWS_EXECUTOR = "thread"
    execution = start(FINISHING_SPEC)
    services.execution_stop(actor=ACTOR, execution_id=execution.pk)
    settings.WORKFLOWS_EXECUTOR = "inline"
    scheduler.tick(timezone.now() + timedelta(seconds=3))
    execution.refresh_from_db()
    assert execution.status == "STOPPED"
    assert not execution.history.exists()
