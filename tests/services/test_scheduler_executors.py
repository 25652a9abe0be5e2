"""What the scheduler and the workers may claim: a scheduler never takes work its process cannot run, a
worker never takes an attempt another live worker holds, and a worker's heartbeat interrupts attempts that
ended elsewhere."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from executions import scheduler
from executions.dispatch import work
from executions.dispatch.backends import get_backend
from executions.models import HistoryEntry
from executions.services.shell import command_from_json
from tests.conftest import FINISHING_SPEC
from tests.services.helpers_integration import entry, serving, start, start_without_workers, use_inline_workers

pytestmark = pytest.mark.django_db(transaction=True)

CALL = """\
yawl: "0.1"
start: call
steps:
  call:
    httpCall:
      url: 'URL'
"""


@pytest.fixture(autouse=True)
def _loopback_allowed(settings):
    settings.WORKFLOWS_HTTP_ALLOW = ["127.0.0.1/32"]


@pytest.fixture
def held_attempt():
    """An HttpCall attempt recorded as dispatched, its dispatch lost (no pool ran in this process)."""
    with serving() as server:
        execution = start_without_workers(CALL.replace("URL", server.url("/x")))
        yield execution, entry(execution, "call")


def test_a_scheduler_whose_process_has_no_pool_leaves_expired_attempts_to_the_processes_that_have_one(held_attempt):
    execution, call = held_attempt
    assert not get_backend().accepts_work  # the thread executor, and no pool started here

    assert scheduler.tick(call.lease_expires_at + timedelta(seconds=1)).resent == 0
    untouched = entry(execution, "call")
    assert (untouched.worker, untouched.lease_expires_at) == ("", call.lease_expires_at)

    use_inline_workers()
    assert scheduler.tick(call.lease_expires_at + timedelta(seconds=1)).resent == 1


def test_a_scheduler_whose_process_has_no_pool_does_not_send_lost_begins(settings):
    settings.WORKFLOWS_EXECUTOR = "thread"
    execution = start(FINISHING_SPEC)
    assert scheduler.tick(timezone.now() + timedelta(seconds=5)).begun == 0
    use_inline_workers()
    assert scheduler.tick(timezone.now() + timedelta(seconds=5)).begun == 1
    execution.refresh_from_db()
    assert execution.status == "FINISHED"


def test_a_worker_does_not_claim_an_attempt_another_live_worker_holds(held_attempt):
    execution, call = held_attempt
    command = command_from_json(call.command)
    assert work.claim(execution.pk, command, "host:1:a")
    assert not work.claim(execution.pk, command, "host:2:b")  # a duplicate message: the attempt runs already
    HistoryEntry.objects.filter(pk=call.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    assert work.claim(execution.pk, command, "host:2:b")  # its holder stopped renewing: presumed dead
    assert entry(execution, "call").worker == "host:2:b"


def test_the_heartbeat_renews_held_attempts_and_interrupts_those_taken_over_or_ended(held_attempt, settings):
    execution, call = held_attempt
    command = command_from_json(call.command)
    assert work.claim(execution.pk, command, "host:1:a")
    cancelled = work.RUNNING.add(work.Attempt(execution.pk, call.run_id, command.attempt, "host:1:a"))
    try:
        HistoryEntry.objects.filter(pk=call.pk).update(lease_expires_at=timezone.now())
        assert work.check_running(renew=True) == 1
        assert not cancelled.is_set()
        assert entry(execution, "call").lease_expires_at > timezone.now() + timedelta(
            seconds=settings.WORKFLOWS_LEASE_SECONDS - 5
        )

        HistoryEntry.objects.filter(pk=call.pk).update(worker="host:2:b")  # re-sent and claimed elsewhere
        assert work.check_running(renew=True) == 0
        assert cancelled.is_set()
    finally:
        work.RUNNING.remove(execution.pk, call.run_id)


def test_the_heartbeat_interrupts_an_attempt_whose_execution_was_terminated(held_attempt):
    from executions import services
    from tests.services.helpers_integration import ACTOR

    execution, call = held_attempt
    command = command_from_json(call.command)
    assert work.claim(execution.pk, command, "host:1:a")
    cancelled = work.RUNNING.add(work.Attempt(execution.pk, call.run_id, command.attempt, "host:1:a"))
    try:
        services.execution_terminate(actor=ACTOR, execution_id=execution.pk)
        work.check_running(renew=False)
        assert cancelled.is_set()
    finally:
        work.RUNNING.remove(execution.pk, call.run_id)
