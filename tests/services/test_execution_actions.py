from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from executions import scheduler, services
from executions.actors import Actor
from executions.errors import IllegalTransition
from executions.models import AuditEvent, HistoryEntry
from tests.conftest import FINISHING_SPEC, WAITING_SPEC, make_workflow

pytestmark = pytest.mark.django_db(transaction=True)
ACTOR = Actor(label="user:olga", source="ui")


def start(spec: str = WAITING_SPEC, name: str = "sleeper"):
    workflow = make_workflow(name, spec)
    execution = services.execution_start(actor=ACTOR, workflow=workflow, input={"who": "me"})
    execution.refresh_from_db()
    return execution


def test_a_waiting_execution_holds_a_durable_timer_not_a_thread():
    execution = start()
    assert execution.status == "RUNNING"
    wait = HistoryEntry.objects.get(execution=execution, step_id="nap")
    assert wait.status == "STARTED"
    assert wait.timer_at is not None
    assert timedelta(seconds=29) < wait.timer_at - execution.started_at <= timedelta(seconds=31)


def test_stop_stops_a_waiting_execution_and_cancels_its_timer():
    execution = start()
    services.execution_stop(actor=ACTOR, execution_id=execution.pk, reason="not needed")
    execution.refresh_from_db()
    assert execution.status == "STOPPED"
    assert execution.cancelled_by == "user:olga"
    wait = HistoryEntry.objects.get(execution=execution, step_id="nap")
    assert wait.status == "CANCELLED"
    assert wait.timer_at is None
    assert AuditEvent.objects.get(action="stop", target_id=execution.pk).reason == "not needed"
    # The timer is gone: firing the scheduler after the wait would have ended starts nothing.
    scheduler.tick(timezone.now() + timedelta(seconds=60))
    execution.refresh_from_db()
    assert execution.status == "STOPPED"
    assert not HistoryEntry.objects.filter(execution=execution, step_id="after").exists()


def test_terminate_stops_at_once():
    execution = start()
    services.execution_terminate(actor=ACTOR, execution_id=execution.pk)
    execution.refresh_from_db()
    assert execution.status == "STOPPED"
    assert HistoryEntry.objects.get(execution=execution, step_id="nap").status == "CANCELLED"


def test_stopping_a_finished_execution_is_an_illegal_transition_that_changes_nothing():
    execution = start(FINISHING_SPEC, "greeter")
    assert execution.status == "FINISHED"
    audit_before = AuditEvent.objects.count()
    with pytest.raises(IllegalTransition, match="cannot stop an execution that is FINISHED"):
        services.execution_stop(actor=ACTOR, execution_id=execution.pk)
    execution.refresh_from_db()
    assert execution.status == "FINISHED"
    assert execution.cancelled_at is None
    assert AuditEvent.objects.count() == audit_before


def test_pause_holds_the_next_step_until_resume():
    execution = start()
    services.execution_pause(actor=ACTOR, execution_id=execution.pk)
    execution.refresh_from_db()
    assert execution.status == "PAUSED"
    scheduler.tick(timezone.now() + timedelta(seconds=31))
    execution.refresh_from_db()
    assert execution.status == "PAUSED"
    assert not HistoryEntry.objects.filter(execution=execution, step_id="after").exists()
    services.execution_resume(actor=ACTOR, execution_id=execution.pk)
    execution.refresh_from_db()
    assert execution.status == "FINISHED"
    assert execution.result == {"woke": True}


def test_resume_of_a_running_execution_is_illegal():
    execution = start()
    with pytest.raises(IllegalTransition):
        services.execution_resume(actor=ACTOR, execution_id=execution.pk)
