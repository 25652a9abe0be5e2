"""Outcomes delivered twice, late, or for an attempt that is no longer current: applied once or ignored."""

from __future__ import annotations

from datetime import timedelta

import pytest

from executions import scheduler, services
from executions.functions import workflow_function
from executions.models import HistoryEntry
from tests.services.helpers_integration import (
    clean_function_registry,
    entry,
    history,
    reload,
    snapshot,
    start_without_workers,
)

pytestmark = pytest.mark.django_db(transaction=True)

SPEC = """\
yawl: "0.1"
start: call
steps:
  call:
    httpCall:
      url: 'http://127.0.0.1:9/never-called'
      timeout: 5s
      retryPolicy: {errorList: [STEP_TIMEOUT], retryCount: 1, initialDelay: 1s}
      output: '\\({got: .n})'
      next: after
  after:
    functionCall:
      functionId: test.after
"""


@pytest.fixture(autouse=True)
def after_calls():
    calls: list = []
    with clean_function_registry():
        workflow_function("test.after")(lambda data: calls.append(data) or {"after": data["got"]})
        yield calls


def test_the_same_outcome_delivered_twice_is_applied_once(after_calls):
    execution = start_without_workers(SPEC)
    call = entry(execution, "call")

    services.step_completed(execution_id=execution.pk, run_id=call.run_id, attempt=1, result={"n": 1})
    after_first = snapshot(execution)
    services.step_completed(execution_id=execution.pk, run_id=call.run_id, attempt=1, result={"n": 999})

    assert snapshot(execution) == after_first
    assert history(execution) == [("call", "COMPLETED", 1), ("after", "STARTED", 1)]
    assert entry(execution, "call").output == {"got": 1}


def test_a_failure_reported_after_the_success_of_the_same_attempt_is_ignored():
    execution = start_without_workers(SPEC)
    run_id = entry(execution, "call").run_id
    services.step_completed(execution_id=execution.pk, run_id=run_id, attempt=1, result={"n": 1})
    after_success = snapshot(execution)

    services.step_failed(execution_id=execution.pk, run_id=run_id, attempt=1, code="HTTP_CALL_500", message="late")

    assert snapshot(execution) == after_success


def test_an_outcome_for_an_attempt_that_timed_out_is_ignored_once_the_next_attempt_runs():
    execution = start_without_workers(SPEC)
    call = entry(execution, "call")
    now = call.started_at + timedelta(seconds=6)
    scheduler.tick(now)  # attempt 1 times out
    scheduler.tick(now + timedelta(seconds=1))  # the backoff ends: attempt 2 is sent
    assert entry(execution, "call").attempts == 2
    before = snapshot(execution)

    services.step_completed(execution_id=execution.pk, run_id=call.run_id, attempt=1, result={"n": 1})
    services.step_failed(execution_id=execution.pk, run_id=call.run_id, attempt=1, code="X", message="late")

    assert snapshot(execution) == before
    services.step_completed(execution_id=execution.pk, run_id=call.run_id, attempt=2, result={"n": 2})
    call = entry(execution, "call")
    assert (call.status, call.attempts, call.output) == ("COMPLETED", 2, {"got": 2})


def test_an_outcome_for_an_attempt_still_in_its_backoff_is_ignored():
    execution = start_without_workers(SPEC)
    call = entry(execution, "call")
    scheduler.tick(call.started_at + timedelta(seconds=6))  # attempt 1 times out; attempt 2 waits 1s
    before = snapshot(execution)

    services.step_completed(execution_id=execution.pk, run_id=call.run_id, attempt=1, result={"n": 1})
    services.step_completed(execution_id=execution.pk, run_id=call.run_id, attempt=2, result={"n": 2})

    assert snapshot(execution) == before
    assert reload(execution).status == "RUNNING"
    assert not HistoryEntry.objects.filter(execution=execution, path="after").exists()


def test_an_outcome_for_a_run_that_does_not_exist_changes_nothing():
    execution = start_without_workers(SPEC)
    before = snapshot(execution)
    services.step_completed(execution_id=execution.pk, run_id=99, attempt=1, result={"n": 1})
    assert snapshot(execution) == before
