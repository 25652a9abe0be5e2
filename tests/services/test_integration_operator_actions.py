"""Operator actions through the services while integration steps are in flight: stop, terminate, pause,
resume and retry (redrive), with the attempt's outcome arriving afterwards from its worker."""

from __future__ import annotations

from datetime import timedelta

import pytest

from executions import scheduler, services
from executions.dispatch import work
from executions.errors import IllegalTransition
from executions.functions import FunctionError, workflow_function
from executions.models import AuditEvent, HistoryEntry
from executions.services.shell import command_from_json
from tests.services.helpers_integration import (
    ACTOR,
    Reply,
    clean_function_registry,
    entry,
    history,
    reload,
    serving,
    snapshot,
    start,
    start_without_workers,
    use_inline_workers,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _loopback_allowed(settings):
    settings.WORKFLOWS_HTTP_ALLOW = ["127.0.0.1/32"]


@pytest.fixture(autouse=True)
def after_calls():
    """`test.after`, the step after the HTTP call: records what it was called with."""
    calls: list = []
    with clean_function_registry():
        workflow_function("test.after")(lambda data: calls.append(data) or {"after": len(calls)})
        yield calls


@pytest.fixture
def server():
    with serving() as running:
        running.script("/orders/1", Reply(body={"ok": True}))
        yield running


def call_then_after(server, *, retry: str = "") -> str:
    return f"""\
yawl: "0.1"
start: call
steps:
  call:
    httpCall:
      url: '{server.url("/orders/1")}'
{retry}      next: after
  after:
    functionCall:
      functionId: test.after
"""


def finish_in_flight_attempt(execution) -> None:
    """The worker holding the call's attempt gets to run it, and reports its outcome."""
    use_inline_workers()
    work.run_step(execution.pk, command_from_json(entry(execution, "call").command))


# -- stop ---------------------------------------------------------------------------------------------------


def test_stop_while_an_http_call_is_in_flight_lets_it_finish_then_stops(server, after_calls):
    execution = start_without_workers(call_then_after(server))

    services.execution_stop(actor=ACTOR, execution_id=execution.pk, reason="enough")

    execution = reload(execution)
    assert (execution.status, execution.stop_requested) == ("RUNNING", True)
    assert entry(execution, "call").status == "CANCEL_REQUESTED"
    finish_in_flight_attempt(execution)
    execution = reload(execution)
    assert execution.status == "STOPPED"
    assert execution.cancelled_by == "user:olga"
    assert history(execution) == [("call", "COMPLETED", 1)]
    assert entry(execution, "call").output == {"ok": True}
    assert after_calls == []
    assert server.hits("/orders/1") == 1
    assert AuditEvent.objects.get(action="stop", target_id=execution.pk).reason == "enough"


def test_a_stopped_execution_retried_continues_with_the_step_it_did_not_start(server, after_calls):
    execution = start_without_workers(call_then_after(server))
    services.execution_stop(actor=ACTOR, execution_id=execution.pk)
    finish_in_flight_attempt(execution)

    services.execution_retry(actor=ACTOR, execution_id=execution.pk)

    execution = reload(execution)
    assert (execution.status, execution.retry_count) == ("FINISHED", 1)
    assert execution.result == {"after": 1}
    assert after_calls == [{"input": None, "ok": True}]
    assert server.hits("/orders/1") == 1
    assert history(execution) == [("call", "COMPLETED", 1), ("after", "COMPLETED", 1)]


def test_stop_during_a_retry_backoff_cancels_the_wait_and_stops_at_once(server):
    server.script("/orders/1", Reply(503))
    retry = "      retryPolicy: {errorList: [HTTP_CALL_503], retryCount: 3, initialDelay: 5s, maxDelay: 5s}\n"
    execution = start(call_then_after(server, retry=retry))
    timer_at = entry(execution, "call").timer_at

    services.execution_stop(actor=ACTOR, execution_id=execution.pk)

    assert reload(execution).status == "STOPPED"
    call = entry(execution, "call")
    assert (call.status, call.timer_at, call.attempts) == ("CANCELLED", None, 1)
    assert scheduler.tick(timer_at + timedelta(seconds=60)).timers == 0
    assert server.hits("/orders/1") == 1


# -- terminate ----------------------------------------------------------------------------------------------


def test_terminate_cancels_the_in_flight_call_at_once_and_its_late_outcome_changes_nothing(server):
    execution = start_without_workers(call_then_after(server))
    lost = command_from_json(entry(execution, "call").command)

    services.execution_terminate(actor=ACTOR, execution_id=execution.pk, reason="runaway")

    execution = reload(execution)
    assert (execution.status, execution.cancelled_by) == ("STOPPED", "user:olga")
    assert history(execution) == [("call", "CANCELLED", 1)]
    before = snapshot(execution)
    services.step_completed(execution_id=execution.pk, run_id=lost.run_id, attempt=lost.attempt, result={"ok": 1})
    assert snapshot(execution) == before
    # Neither the worker that held the attempt nor the scheduler sends the request any more.
    use_inline_workers()
    work.run_step(execution.pk, lost)
    assert scheduler.tick(entry(execution, "call").started_at + timedelta(hours=1)).resent == 0
    assert server.requests == []
    assert snapshot(execution) == before
    assert AuditEvent.objects.get(action="terminate", target_id=execution.pk).reason == "runaway"


# -- pause and resume ---------------------------------------------------------------------------------------


def test_pause_records_the_in_flight_outcome_but_starts_nothing_until_resume(server, after_calls):
    execution = start_without_workers(call_then_after(server))

    services.execution_pause(actor=ACTOR, execution_id=execution.pk)
    assert reload(execution).status == "PAUSED"
    finish_in_flight_attempt(execution)

    execution = reload(execution)
    assert execution.status == "PAUSED"
    assert history(execution) == [("call", "COMPLETED", 1)]
    assert after_calls == []

    services.execution_resume(actor=ACTOR, execution_id=execution.pk)
    execution = reload(execution)
    assert (execution.status, execution.result) == ("FINISHED", {"after": 1})
    assert history(execution) == [("call", "COMPLETED", 1), ("after", "COMPLETED", 1)]
    assert execution.pause_requested is False
    audit = AuditEvent.objects.filter(target_id=execution.pk).order_by("created_at", "id")
    assert list(audit.values_list("action", flat=True)) == [
        "start",
        "pause",
        "resume",
    ]


def test_a_retry_that_falls_due_while_paused_is_sent_only_after_resume(server):
    server.script("/orders/1", Reply(503), Reply(body={"ok": True}))
    retry = "      retryPolicy: {errorList: [HTTP_CALL_503], retryCount: 1, initialDelay: 5s, maxDelay: 5s}\n"
    execution = start(call_then_after(server, retry=retry))
    services.execution_pause(actor=ACTOR, execution_id=execution.pk)

    scheduler.tick(entry(execution, "call").timer_at)

    assert reload(execution).status == "PAUSED"
    assert server.hits("/orders/1") == 1
    call = entry(execution, "call")
    assert (call.status, call.attempts, call.timer_at) == ("STARTED", 1, None)
    services.execution_resume(actor=ACTOR, execution_id=execution.pk)
    assert reload(execution).status == "FINISHED"
    assert server.hits("/orders/1") == 2
    assert history(execution)[0] == ("call", "COMPLETED", 2)


# -- retry (redrive) ----------------------------------------------------------------------------------------


FETCH_THEN_CALL = """\
yawl: "0.1"
start: fetch
steps:
  fetch:
    functionCall:
      functionId: test.after
      output: '\\({{fetched: .after}})'
      next: call
  call:
    httpCall:
      url: '{url}'
"""


def test_retrying_a_failed_execution_reruns_only_the_step_that_failed(server, after_calls):
    server.script("/orders/1", Reply(500), Reply(body={"ok": True}))
    execution = start(FETCH_THEN_CALL.format(url=server.url("/orders/1")))
    assert (execution.status, execution.error_code) == ("FAILED", "HTTP_CALL_500")

    services.execution_retry(actor=ACTOR, execution_id=execution.pk, reason="upstream is back")

    execution = reload(execution)
    assert (execution.status, execution.result, execution.error_code) == ("FINISHED", {"ok": True}, "")
    assert execution.retry_count == 1
    assert execution.finished_at is not None
    assert len(after_calls) == 1  # the completed step was not run again
    assert server.hits("/orders/1") == 2
    assert history(execution) == [("fetch", "COMPLETED", 1), ("call", "FAILED", 1), ("call", "COMPLETED", 1)]
    rerun = HistoryEntry.objects.filter(execution=execution, path="call").latest("run_id")
    assert rerun.input == {"input": None, "fetched": 1}
    audit = AuditEvent.objects.get(action="retry", target_id=execution.pk)
    assert (audit.actor, audit.reason) == ("user:olga", "upstream is back")


def test_retrying_with_a_replacement_input_gives_the_rerun_step_that_input():
    seen = []

    @workflow_function("test.check")
    def check(data):
        seen.append(data)
        if not data.get("fixed"):
            raise FunctionError("BAD_INPUT", "not fixed")
        return {"checked": True}

    spec = """\
yawl: "0.1"
start: check
steps:
  check:
    functionCall:
      functionId: test.check
"""
    execution = start(spec, {"id": 1})
    assert (execution.status, execution.error_code) == ("FAILED", "BAD_INPUT")

    services.execution_retry(actor=ACTOR, execution_id=execution.pk, input={"fixed": True})

    execution = reload(execution)
    assert (execution.status, execution.result, execution.retry_count) == ("FINISHED", {"checked": True}, 1)
    assert seen == [{"input": {"id": 1}, "id": 1}, {"fixed": True}]
    assert history(execution) == [("check", "FAILED", 1), ("check", "COMPLETED", 1)]
    assert HistoryEntry.objects.filter(execution=execution).latest("run_id").input == {"fixed": True}
    assert AuditEvent.objects.filter(action="retry", target_id=execution.pk).count() == 1


def test_a_stopped_execution_that_never_began_can_be_retried_and_runs_from_the_start(server, settings, after_calls):
    settings.WORKFLOWS_EXECUTOR = "thread"  # its begin is lost: it stays QUEUED
    execution = start(call_then_after(server))
    services.execution_stop(actor=ACTOR, execution_id=execution.pk)
    assert reload(execution).status == "STOPPED"

    use_inline_workers()
    services.execution_retry(actor=ACTOR, execution_id=execution.pk)

    execution = reload(execution)
    assert (execution.status, execution.retry_count) == ("FINISHED", 1)
    assert (execution.cancelled_at, execution.cancelled_by) == (None, "")
    assert history(execution) == [("call", "COMPLETED", 1), ("after", "COMPLETED", 1)]
    assert execution.started_at is not None and execution.deadline_at is not None


def test_retrying_a_finished_execution_is_refused_and_changes_nothing(server):
    execution = start(call_then_after(server))
    assert execution.status == "FINISHED"
    before = snapshot(execution)
    with pytest.raises(IllegalTransition):
        services.execution_retry(actor=ACTOR, execution_id=execution.pk)
    assert snapshot(execution) == before
    assert not AuditEvent.objects.filter(action="retry").exists()


def test_a_never_begun_execution_retried_with_a_replacement_input_starts_with_that_input(server, settings):
    settings.WORKFLOWS_EXECUTOR = "thread"
    execution = start(call_then_after(server), {"old": True})
    services.execution_stop(actor=ACTOR, execution_id=execution.pk)

    use_inline_workers()
    services.execution_retry(actor=ACTOR, execution_id=execution.pk, input={"new": True})

    execution = reload(execution)
    assert execution.status == "FINISHED"
    assert entry(execution, "call").input == {"input": {"new": True}, "new": True}


TOTAL_SPEC = """\
yawl: "0.1"
start: total
steps:
  total:
    noOp:
      output: '\\({total: (.qty + 1)})'
"""


def test_a_retry_that_fails_again_at_once_shows_the_new_error_and_end_time():
    execution = start(TOTAL_SPEC, {"qty": "three"})
    assert "three" in execution.error_message
    failed_at = execution.finished_at

    services.execution_retry(actor=ACTOR, execution_id=execution.pk, input={"qty": "four"})

    execution = reload(execution)
    assert (execution.status, execution.error_code) == ("FAILED", "STEP_INVALID_TEMPLATE_EXPRESSION")
    assert "four" in execution.error_message
    assert execution.finished_at > failed_at
    assert execution.retry_count == 1
    assert history(execution) == [("total", "FAILED", 1), ("total", "FAILED", 1)]


def test_a_retry_that_runs_to_the_end_at_once_shows_its_new_result_and_not_the_old_error():
    execution = start(TOTAL_SPEC, {"qty": "three"})
    assert (execution.status, execution.error_code) == ("FAILED", "STEP_INVALID_TEMPLATE_EXPRESSION")
    failed_at = execution.finished_at

    services.execution_retry(actor=ACTOR, execution_id=execution.pk, input={"qty": 3})

    execution = reload(execution)
    assert execution.status == "FINISHED"
    assert (execution.result, execution.error_code, execution.error_message) == ({"total": 4}, "", "")
    assert execution.finished_at > failed_at
    assert history(execution) == [("total", "FAILED", 1), ("total", "COMPLETED", 1)]
