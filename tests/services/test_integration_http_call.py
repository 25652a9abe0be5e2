"""httpCall steps end to end against a real HTTP server on 127.0.0.1: results, retries held as durable
timers, catch rules, step timeouts enforced by the scheduler, and attempts re-sent after a lost dispatch."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import OperationalError
from django.utils import timezone

from executions import scheduler, services
from executions.dispatch import work
from executions.models import HistoryEntry
from executions.services import shell
from executions.services.shell import command_from_json
from tests.services.helpers_integration import (
    Reply,
    entry,
    history,
    reload,
    serving,
    start,
    start_without_workers,
    use_inline_workers,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _loopback_allowed(settings):
    settings.WORKFLOWS_HTTP_ALLOW = ["127.0.0.1/32"]


@pytest.fixture
def server():
    with serving() as running:
        yield running


def http_spec(server, *, fields: str = "", after: str = "  done:\n    success: {}\n") -> str:
    return (
        'yawl: "0.1"\nstart: call\nsteps:\n  call:\n    httpCall:\n'
        f"      url: '{server.url('/orders')}/\\(.id)'\n"
        + "".join(f"      {line}\n" for line in fields.strip().splitlines())
        + "      next: done\n"
        + after
    )


TIMEOUT_THEN_RETRY = (
    "timeout: 5s\nretryPolicy: {errorList: [STEP_TIMEOUT], retryCount: 1, initialDelay: 2s, maxDelay: 2s}"
)
RETRY_503 = "retryPolicy: {errorList: [HTTP_CALL_503], retryCount: 2, initialDelay: 10s, backoffRate: 2, maxDelay: 60s}"


# -- results ------------------------------------------------------------------------------------------------


def test_a_json_response_is_merged_into_the_state(server):
    server.script("/orders/7", Reply(body={"state": "shipped", "items": 2}))
    spec = http_spec(
        server,
        fields="""
query: {verbose: 'yes'}
headers: {X-Order: 'order-\\(.id)'}
""",
        after="  done:\n    noOp:\n      output: '\\({summary: \"\\(.id): \\(.state)\"})'\n",
    )
    execution = start(spec, {"id": 7})
    assert execution.status == "FINISHED", execution.error_message
    assert execution.result == {"summary": "7: shipped"}
    call = entry(execution, "call")
    assert (call.type, call.status, call.attempts) == ("HttpCall", "COMPLETED", 1)
    assert call.output == {"state": "shipped", "items": 2}
    assert entry(execution, "done").input == {"input": {"id": 7}, "id": 7, "state": "shipped", "items": 2}
    (request,) = server.requests
    assert request["query"] == {"verbose": ["yes"]}
    assert request["headers"]["x-order"] == "order-7"


def test_a_post_sends_the_rendered_body_as_json(server):
    server.script("/orders/1", Reply(body={"accepted": True}))
    spec = http_spec(server, fields="method: POST\nbody: '\\(.order)'")
    execution = start(spec, {"id": 1, "order": {"lines": [1, 2]}})
    assert execution.status == "FINISHED"
    assert server.requests[0]["method"] == "POST"
    assert server.requests[0]["body"] == {"lines": [1, 2]}


# -- retries and catch --------------------------------------------------------------------------------------


def test_a_503_is_retried_after_a_durable_backoff_and_then_succeeds_on_the_same_entry(server):
    server.script("/orders/1", Reply(503), Reply(503), Reply(body={"ok": True}))
    before = timezone.now()
    execution = start(http_spec(server, fields=RETRY_503), {"id": 1})
    after = timezone.now()

    call = entry(execution, "call")
    assert (execution.status, call.status, call.attempts) == ("RUNNING", "STARTED", 1)
    assert (call.last_error_code, call.error_code) == ("HTTP_CALL_503", "")
    assert "HTTP 503" in call.last_error_message
    assert call.timer_at == call.next_attempt_at
    assert before + timedelta(seconds=10) <= call.timer_at <= after + timedelta(seconds=10)
    # A durable timer, not a thread: nothing happens until the scheduler's clock reaches it.
    assert scheduler.tick(call.timer_at - timedelta(milliseconds=1)).timers == 0
    assert server.hits("/orders/1") == 1

    before = timezone.now()
    assert scheduler.tick(call.timer_at).timers == 1
    after = timezone.now()
    call = entry(execution, "call")
    assert server.hits("/orders/1") == 2
    assert (call.status, call.attempts, call.last_error_code) == ("STARTED", 2, "HTTP_CALL_503")
    # backoffRate 2, counted from when attempt 2 failed (the worker's clock)
    assert before + timedelta(seconds=20) <= call.timer_at <= after + timedelta(seconds=20)

    assert scheduler.tick(call.timer_at).timers == 1
    execution = reload(execution)
    assert execution.status == "FINISHED"
    assert execution.result == {"ok": True}  # the last output: the call's raw result (no output filter)
    assert entry(execution, "done").input == {"input": {"id": 1}, "id": 1, "ok": True}
    assert server.hits("/orders/1") == 3
    assert history(execution) == [("call", "COMPLETED", 3), ("done", "COMPLETED", 1)]
    call = entry(execution, "call")
    assert (call.last_error_code, call.timer_at, call.next_attempt_at) == ("HTTP_CALL_503", None, None)


def test_a_retry_backoff_longer_than_the_lease_sends_nothing_before_its_timer(server, settings):
    # The failed attempt's lease and step deadline must end with the attempt: a backoff is not an attempt in
    # flight, so the scheduler must neither re-send the old attempt nor time it out.
    settings.WORKFLOWS_LEASE_SECONDS = 5
    server.script("/orders/1", Reply(503), Reply(body={"ok": True}))
    spec = http_spec(server, fields="retryPolicy: {errorList: [ALL], retryCount: 1, initialDelay: 60s, maxDelay: 60s}")
    execution = start(spec, {"id": 1})
    call = entry(execution, "call")
    assert (call.lease_expires_at, call.attempt_deadline_at, call.command) == (None, None, None)

    report = scheduler.tick(call.timer_at - timedelta(seconds=1))
    assert (report.resent, report.step_timeouts, report.timers) == (0, 0, 0)
    assert server.hits("/orders/1") == 1
    assert entry(execution, "call").attempts == 1

    scheduler.tick(call.timer_at)
    assert reload(execution).status == "FINISHED"
    assert server.hits("/orders/1") == 2
    assert history(execution)[0] == ("call", "COMPLETED", 2)


def test_exhausted_retries_continue_at_the_catch_rules_next_with_the_error_merged(server):
    server.script("/orders/1", Reply(503))
    spec = http_spec(
        server,
        fields=RETRY_503.replace("retryCount: 2", "retryCount: 1")
        + "\ncatch: [{errorList: [HTTP_CALL_503], next: recover}]",
        after="  done:\n    success: {}\n  recover:\n    noOp:\n      output: '\\({handled: .error})'\n",
    )
    execution = start(spec, {"id": 1})
    scheduler.tick(entry(execution, "call").timer_at)

    execution = reload(execution)
    assert execution.status == "FINISHED"
    assert execution.result == {"handled": "HTTP_CALL_503"}
    assert server.hits("/orders/1") == 2
    assert history(execution) == [("call", "FAILED", 2), ("recover", "COMPLETED", 1)]
    recover_input = entry(execution, "recover").input
    assert recover_input["error"] == "HTTP_CALL_503"
    assert "HTTP 503" in recover_input["message"]
    assert entry(execution, "call").error_code == "HTTP_CALL_503"


def test_an_uncaught_503_fails_the_execution_with_http_call_503(server):
    server.script("/orders/1", Reply(503, text="down for maintenance"))
    execution = start(http_spec(server), {"id": 1})
    assert execution.status == "FAILED"
    assert execution.error_code == "HTTP_CALL_503"
    assert "down for maintenance" in execution.error_message
    assert history(execution) == [("call", "FAILED", 1)]


# -- step timeouts ------------------------------------------------------------------------------------------


def test_an_attempt_that_never_reports_fails_with_step_timeout_once_the_scheduler_passes_its_timeout(server):
    execution = start_without_workers(http_spec(server, fields="timeout: 5s"), {"id": 1})
    call = entry(execution, "call")
    assert call.status == "STARTED"
    started = call.started_at

    assert scheduler.tick(started + timedelta(seconds=4)).step_timeouts == 0
    assert reload(execution).status == "RUNNING"
    assert scheduler.tick(started + timedelta(seconds=6)).step_timeouts == 1

    execution = reload(execution)
    assert (execution.status, execution.error_code) == ("FAILED", "STEP_TIMEOUT")
    assert history(execution) == [("call", "FAILED", 1)]
    assert server.requests == []


def test_a_timed_out_attempt_is_retried_when_the_policy_covers_step_timeout(server):
    server.script("/orders/1", Reply(body={"ok": True}))
    spec = http_spec(server, fields=TIMEOUT_THEN_RETRY)
    execution = start_without_workers(spec, {"id": 1})
    timed_out_at = entry(execution, "call").started_at + timedelta(seconds=6)

    assert scheduler.tick(timed_out_at).step_timeouts == 1
    call = entry(execution, "call")
    assert (call.status, call.attempts, call.last_error_code) == ("STARTED", 1, "STEP_TIMEOUT")
    # The backoff runs on the scheduler's clock, the one that saw the timeout.
    assert call.timer_at == timed_out_at + timedelta(seconds=2)

    use_inline_workers()
    assert scheduler.tick(call.timer_at).timers == 1
    execution = reload(execution)
    assert execution.status == "FINISHED"
    assert history(execution) == [("call", "COMPLETED", 2), ("done", "COMPLETED", 1)]
    assert server.hits("/orders/1") == 1


def test_retries_of_timed_out_attempts_run_out_and_fail_with_step_timeout(server):
    spec = http_spec(server, fields=TIMEOUT_THEN_RETRY)
    execution = start_without_workers(spec, {"id": 1})
    now = entry(execution, "call").started_at + timedelta(seconds=6)
    scheduler.tick(now)
    now += timedelta(seconds=2)
    scheduler.tick(now)  # the backoff ends: attempt 2 is sent, and dropped again
    assert entry(execution, "call").attempts == 2
    assert scheduler.tick(now + timedelta(seconds=6)).step_timeouts == 1
    execution = reload(execution)
    assert (execution.status, execution.error_code) == ("FAILED", "STEP_TIMEOUT")
    assert history(execution) == [("call", "FAILED", 2)]


def test_a_step_timeout_that_could_not_be_recorded_is_recorded_by_the_next_tick(server, monkeypatch):
    execution = start_without_workers(http_spec(server, fields="timeout: 5s"), {"id": 1})
    past_timeout = entry(execution, "call").started_at + timedelta(seconds=6)
    real_advance = shell.advance_locked

    def locked_database_once(*args, **kwargs):
        monkeypatch.setattr(shell, "advance_locked", real_advance)
        raise OperationalError("database is locked")

    monkeypatch.setattr(shell, "advance_locked", locked_database_once)
    with pytest.raises(OperationalError):
        scheduler.tick(past_timeout)
    call = entry(execution, "call")
    assert (call.status, call.attempt_deadline_at is None) == ("STARTED", False)  # the claim rolled back too

    assert scheduler.tick(past_timeout).step_timeouts == 1
    execution = reload(execution)
    assert (execution.status, execution.error_code) == ("FAILED", "STEP_TIMEOUT")


# -- lost dispatches and expired leases ---------------------------------------------------------------------


def test_a_lost_dispatch_is_sent_again_once_its_lease_expires_and_the_step_completes_once(server, settings):
    server.script("/orders/1", Reply(body={"ok": True}))
    execution = start_without_workers(http_spec(server), {"id": 1})
    call = entry(execution, "call")
    assert call.status == "STARTED" and call.worker == "" and call.command is not None
    lease = call.lease_expires_at
    assert lease - call.started_at == timedelta(seconds=settings.WORKFLOWS_DISPATCH_LEASE_SECONDS)

    use_inline_workers()
    assert scheduler.tick(lease - timedelta(seconds=1)).resent == 0
    assert server.requests == []
    assert scheduler.tick(lease).resent == 1

    execution = reload(execution)
    assert execution.status == "FINISHED"
    assert history(execution) == [("call", "COMPLETED", 1), ("done", "COMPLETED", 1)]
    assert server.hits("/orders/1") == 1
    assert scheduler.tick(lease + timedelta(seconds=3600)).resent == 0
    assert server.hits("/orders/1") == 1


def test_the_first_worker_reporting_after_the_resend_is_ignored(server):
    server.script("/orders/1", Reply(body={"ok": True}), Reply(body={"ok": False}))
    execution = start_without_workers(http_spec(server), {"id": 1})
    lost = command_from_json(entry(execution, "call").command)
    use_inline_workers()
    scheduler.tick(entry(execution, "call").lease_expires_at)
    assert reload(execution).status == "FINISHED"

    work.run_step(execution.pk, lost)  # the slow worker finally gets to it: its claim fails, it sends nothing
    services.step_completed(execution_id=execution.pk, run_id=lost.run_id, attempt=lost.attempt, result={"ok": 0})

    assert server.hits("/orders/1") == 1
    assert entry(execution, "call").output == {"ok": True}
    assert HistoryEntry.objects.filter(execution=execution, status="COMPLETED").count() == 2
