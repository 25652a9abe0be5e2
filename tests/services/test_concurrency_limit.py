"""Concurrency limits per key: executions beyond the limit stay QUEUED and begin when a slot frees."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from executions import scheduler, services
from executions.models import Execution, Workflow
from tests.conftest import FINISHING_SPEC, WAITING_SPEC
from tests.services.helpers_integration import ACTOR, make_flow

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _one_at_a_time(settings):
    settings.WORKFLOWS_CONCURRENCY_LIMIT = 1


def start_many(workflow: Workflow, count: int, *, key: str = "tenant-1") -> list[Execution]:
    started = [
        services.execution_start(actor=ACTOR, workflow=workflow, input={"n": n}, concurrency_key=key)
        for n in range(count)
    ]
    return [Execution.objects.get(pk=e.pk) for e in started]


def statuses(executions: list[Execution]) -> list[str]:
    return [Execution.objects.get(pk=e.pk).status for e in executions]


def test_executions_beyond_the_limit_of_their_key_stay_queued():
    executions = start_many(make_flow(WAITING_SPEC), 3)
    assert statuses(executions) == ["RUNNING", "QUEUED", "QUEUED"]


def test_the_oldest_waiting_execution_begins_when_a_running_one_ends():
    first, second, third = start_many(make_flow(WAITING_SPEC), 3)
    services.execution_stop(actor=ACTOR, execution_id=first.pk)
    assert statuses([first, second, third]) == ["STOPPED", "RUNNING", "QUEUED"]
    services.execution_terminate(actor=ACTOR, execution_id=second.pk)
    assert statuses([first, second, third]) == ["STOPPED", "STOPPED", "RUNNING"]


def test_executions_that_finish_at_once_let_the_next_ones_run_one_by_one():
    executions = start_many(make_flow(FINISHING_SPEC), 4)
    assert statuses(executions) == ["FINISHED"] * 4


def test_the_workflow_limit_overrides_the_setting():
    workflow = make_flow(WAITING_SPEC)
    Workflow.objects.filter(pk=workflow.pk).update(concurrency_limit=2)
    assert statuses(start_many(workflow, 3)) == ["RUNNING", "RUNNING", "QUEUED"]


def test_keys_are_counted_apart_and_executions_without_a_key_are_not_limited():
    workflow = make_flow(WAITING_SPEC)
    assert statuses(start_many(workflow, 2, key="a") + start_many(workflow, 2, key="b")) == [
        "RUNNING",
        "QUEUED",
        "RUNNING",
        "QUEUED",
    ]
    assert statuses(start_many(workflow, 3, key="")) == ["RUNNING"] * 3


def test_a_paused_execution_keeps_its_slot():
    first, second = start_many(make_flow(WAITING_SPEC), 2)
    services.execution_pause(actor=ACTOR, execution_id=first.pk)
    assert statuses([first, second]) == ["PAUSED", "QUEUED"]


def test_the_scheduler_begins_waiting_executions_when_slots_free_up(settings):
    executions = start_many(make_flow(WAITING_SPEC), 3)
    later = timezone.now() + timedelta(seconds=3)  # past the grace a begin has, before the 30 s waits end
    assert scheduler.tick(later).begun == 0  # the key is full: nothing to begin
    settings.WORKFLOWS_CONCURRENCY_LIMIT = 3  # say, an operator raised the limit
    assert scheduler.tick(later).begun == 2
    assert statuses(executions) == ["RUNNING", "RUNNING", "RUNNING"]


def test_a_begin_for_an_execution_whose_key_is_full_leaves_it_queued():
    first, second = start_many(make_flow(WAITING_SPEC), 2)
    services.execution_begin(execution_id=second.pk)
    assert statuses([first, second]) == ["RUNNING", "QUEUED"]
    assert Execution.objects.get(pk=second.pk).cursor == {}
