"""Fencing and operator requests, driven step by step (the conformance suite covers step semantics)."""

from __future__ import annotations

import pytest
from driver import T0, Driver, Fail

from executions.engine.protocol import (
    CancelStep,
    DeadlineExceeded,
    PauseRequested,
    ResumeRequested,
    RetryRequested,
    RunStep,
    SetTimer,
    StepErrored,
    StepSucceeded,
    StopRequested,
    TerminateRequested,
    TimerFired,
)
from executions.engine.states import IllegalTransition

TWO_CALLS = """
yawl: "0.1"
start: first
steps:
  first:
    functionCall: {functionId: f, output: '\\({first: .})', next: second}
  second:
    functionCall: {functionId: g, output: '\\({second: .})'}
"""

WAIT_THEN_CALL = """
yawl: "0.1"
start: nap
steps:
  nap: {wait: {duration: 60s, next: call}}
  call: {functionCall: {functionId: f, output: '\\({done: .})'}}
"""


def started(text: str = TWO_CALLS, **kwargs) -> Driver:
    driver = Driver.of(text, functions={"f": lambda _: 1, "g": lambda _: 2}, **kwargs)
    driver.start({})
    return driver


def assert_ignored(driver: Driver, event) -> None:
    cursor = driver.cursor
    outcome = driver.send(event)
    assert outcome.cursor is cursor
    assert outcome.runs == () and outcome.commands == ()


# -- fencing ------------------------------------------------------------------------------------------------


def test_it_runs_an_integration_step_through_a_run_step_command():
    driver = started()
    assert driver.outcomes[-1].transitions == ("RUNNING",)
    (command,) = driver.outcomes[-1].commands
    assert isinstance(command, RunStep)
    assert (command.run_id, command.attempt, command.path, command.timeout_seconds) == (1, 1, "first", 900.0)
    assert command.params == {"function_id": "f", "tag": None}
    assert driver.status == "RUNNING"
    assert driver.history() == [("first", "STARTED", 1)]


def test_a_duplicated_outcome_is_ignored():
    driver = started()
    driver.send(StepSucceeded(1, 1, 1))
    assert_ignored(driver, StepSucceeded(1, 1, 1))
    assert_ignored(driver, StepErrored(1, 1, "X", "late"))


def test_a_stale_attempt_is_ignored():
    driver = started()
    assert_ignored(driver, StepSucceeded(1, 2, "from the future"))
    assert_ignored(driver, StepSucceeded(1, 0, "from the past"))


def test_outcomes_for_unknown_runs_and_timers_that_are_not_pending_are_ignored():
    driver = started()
    assert_ignored(driver, StepSucceeded(99, 1, None))
    assert_ignored(driver, TimerFired(1))
    assert_ignored(driver, TimerFired(42))


def test_an_outcome_of_an_attempt_superseded_by_a_retry_is_ignored():
    text = TWO_CALLS.replace("functionId: f,", "functionId: f, retryPolicy: {errorList: [ALL], retryCount: 1},")
    driver = started(text)
    driver.send(StepErrored(1, 1, "X", "boom"))
    assert_ignored(driver, StepSucceeded(1, 1, "late success of attempt 1"))
    driver.fire_next_timer()
    assert driver.inflight[1].attempt == 2
    driver.settle()
    assert driver.status == "FINISHED"
    assert driver.result == {"second": 2}


def test_events_after_the_end_are_ignored():
    driver = started().settle()
    assert driver.status == "FINISHED"
    assert_ignored(driver, StepSucceeded(1, 1, 1))
    assert_ignored(driver, DeadlineExceeded())


# -- stop ---------------------------------------------------------------------------------------------------


def test_stop_drains_the_running_step_and_starts_nothing_new():
    driver = started()
    outcome = driver.send(StopRequested())
    assert outcome.status == "RUNNING"
    assert outcome.commands == ()
    assert driver.record("first").status == "CANCEL_REQUESTED"
    driver.execute(1)
    assert driver.status == "STOPPED"
    assert driver.history() == [("first", "COMPLETED", 1)]
    assert driver.inflight == {}


def test_stop_records_a_failure_without_retrying_or_catching():
    text = TWO_CALLS.replace(
        "functionId: f,", "functionId: f, retryPolicy: {errorList: [ALL], retryCount: 3}, catch: [],"
    )
    driver = started(text)
    driver.send(StopRequested())
    driver.send(StepErrored(1, 1, "X", "boom"))
    assert driver.status == "STOPPED"
    assert driver.history() == [("first", "FAILED", 1)]
    assert driver.timers == {}


def test_stop_drops_a_pending_wait():
    driver = started(WAIT_THEN_CALL)
    assert driver.timers == {1: T0.replace(minute=1)}
    driver.send(StopRequested())
    assert driver.status == "STOPPED"
    assert driver.history() == [("nap", "CANCELLED", 1)]
    assert_ignored(driver, TimerFired(1))


def test_stop_twice_is_harmless_and_stop_after_the_end_is_illegal():
    driver = started()
    driver.send(StopRequested())
    driver.send(StopRequested())
    driver.execute(1)
    with pytest.raises(IllegalTransition):
        driver.send(StopRequested())


# -- terminate ----------------------------------------------------------------------------------------------


def test_terminate_cancels_running_steps_at_once():
    driver = started()
    outcome = driver.send(TerminateRequested())
    assert outcome.status == "STOPPED"
    assert outcome.commands == (CancelStep(1),)
    assert driver.history() == [("first", "CANCELLED", 1)]
    assert_ignored(driver, StepSucceeded(1, 1, "too late"))


def test_terminate_during_a_drain_cancels_the_draining_step():
    driver = started()
    driver.send(StopRequested())
    outcome = driver.send(TerminateRequested())
    assert outcome.commands == (CancelStep(1),)
    assert driver.status == "STOPPED"


# -- pause / resume -----------------------------------------------------------------------------------------


def test_pause_lets_the_running_step_finish_and_holds_the_next_until_resume():
    driver = started()
    assert driver.send(PauseRequested()).status == "PAUSED"
    outcome = driver.execute(1)
    assert outcome.status == "PAUSED"
    assert outcome.commands == ()
    assert driver.history() == [("first", "COMPLETED", 1)]
    resumed = driver.send(ResumeRequested())
    assert resumed.status == "RUNNING"
    assert [type(c) for c in resumed.commands] == [RunStep]
    driver.settle()
    assert driver.status == "FINISHED"
    assert driver.result == {"second": 2}


def test_a_timer_firing_while_paused_is_recorded_and_its_continuation_held():
    driver = started(WAIT_THEN_CALL)
    driver.send(PauseRequested())
    outcome = driver.fire_next_timer()
    assert outcome.status == "PAUSED" and outcome.commands == ()
    assert driver.history() == [("nap", "COMPLETED", 1)]
    assert driver.send(ResumeRequested()).commands[0].path == "call"


def test_a_retry_backoff_ending_while_paused_waits_for_resume():
    text = TWO_CALLS.replace("functionId: f,", "functionId: f, retryPolicy: {errorList: [ALL], retryCount: 1},")
    driver = started(text)
    driver.send(StepErrored(1, 1, "X", "boom"))
    driver.send(PauseRequested())
    assert driver.fire_next_timer().commands == ()
    outcome = driver.send(ResumeRequested())
    assert [(c.run_id, c.attempt) for c in outcome.commands] == [(1, 2)]


def test_the_execution_cannot_finish_while_paused():
    driver = started()
    driver.execute(1)
    driver.send(PauseRequested())
    driver.execute(2)
    assert driver.status == "PAUSED"
    outcome = driver.send(ResumeRequested())
    assert driver.status == "FINISHED"
    assert outcome.transitions == ("RUNNING", "FINISHED")


def test_a_failure_while_paused_fails_the_execution():
    driver = started()
    driver.send(PauseRequested())
    driver.send(StepErrored(1, 1, "X", "boom"))
    assert driver.status == "FAILED"
    assert driver.error.code == "X"


def test_stop_while_paused_stops_once_drained():
    driver = started()
    driver.send(PauseRequested())
    assert driver.send(StopRequested()).status == "PAUSED"
    driver.execute(1)
    assert driver.status == "STOPPED"


@pytest.mark.parametrize(
    ("prepare", "event"),
    [
        ([], ResumeRequested()),
        ([], RetryRequested()),
        ([PauseRequested()], PauseRequested()),
        ([PauseRequested()], RetryRequested()),
        ([StopRequested()], PauseRequested()),
        ([TerminateRequested()], ResumeRequested()),
        ([TerminateRequested()], TerminateRequested()),
    ],
)
def test_illegal_requests_raise(prepare, event):
    driver = started()
    for earlier in prepare:
        driver.send(earlier)
    with pytest.raises(IllegalTransition):
        driver.send(event)


# -- deadline -----------------------------------------------------------------------------------------------


def test_a_deadline_fails_the_execution_and_cancels_running_steps():
    driver = started()
    outcome = driver.send(DeadlineExceeded())
    assert outcome.status == "FAILED"
    assert outcome.error.code == "EXECUTION_TIMEOUT"
    assert outcome.commands == (CancelStep(1),)
    assert driver.history() == [("first", "CANCELLED", 1)]


# -- redrive ------------------------------------------------------------------------------------------------


def test_redrive_reruns_the_failed_step_under_a_new_run_and_keeps_the_rest():
    driver = Driver.of(TWO_CALLS, functions={"f": lambda _: 1, "g": [Fail("BAD", "no"), lambda s: s["first"]]})
    driver.run({})
    assert driver.status == "FAILED"
    assert driver.error.code == "BAD"
    outcome = driver.send(RetryRequested())
    assert outcome.status == "RUNNING"
    (command,) = outcome.commands
    assert (command.run_id, command.path) == (3, "second")
    assert command.input == {"input": {}, "first": 1}
    driver.settle()
    assert driver.status == "FINISHED"
    assert driver.result == {"second": 1}
    assert driver.history() == [
        ("first", "COMPLETED", 1),
        ("second", "FAILED", 1),
        ("second", "COMPLETED", 1),
    ]


def test_redrive_can_replace_the_input_of_the_rerun_step():
    driver = Driver.of(TWO_CALLS, functions={"f": lambda _: 1, "g": [Fail("BAD"), lambda s: s]})
    driver.run({})
    driver.send(RetryRequested(replace_input=True, input={"fixed": True}))
    driver.settle()
    assert driver.result == {"second": {"fixed": True}}
    assert driver.records[3].input == {"fixed": True}


def test_redrive_after_a_stop_between_steps_continues_with_the_next_step():
    driver = started()
    driver.send(StopRequested())
    driver.execute(1)
    assert driver.status == "STOPPED"
    outcome = driver.send(RetryRequested())
    assert [c.path for c in outcome.commands] == ["second"]
    driver.settle()
    assert driver.result == {"second": 2}


def test_redrive_after_terminate_reruns_the_cancelled_step():
    driver = started()
    driver.send(TerminateRequested())
    outcome = driver.send(RetryRequested())
    assert [(c.run_id, c.path) for c in outcome.commands] == [(2, "first")]
    driver.settle()
    assert driver.status == "FINISHED"


def test_redrive_reopens_a_parallel_keeping_the_branches_that_completed():
    text = """
    yawl: "0.1"
    start: par
    steps:
      par:
        parallel:
          branches:
            ok: {start: a, steps: {a: {functionCall: {functionId: f, output: '\\({a: .})'}}}}
            bad: {start: b, steps: {b: {functionCall: {functionId: g, output: '\\({b: .})'}}}}
    """
    driver = Driver.of(text, functions={"f": lambda _: 1, "g": [Fail("BAD"), lambda _: 2]})
    driver.run({})
    assert driver.status == "FAILED"
    assert driver.history() == [
        ("par", "FAILED", 1),
        ("par/ok/a", "COMPLETED", 1),
        ("par/bad/b", "FAILED", 1),
    ]
    driver.send(RetryRequested())
    driver.settle()
    assert driver.status == "FINISHED"
    assert driver.result == {"ok": {"a": 1}, "bad": {"b": 2}}
    assert driver.history()[3:] == [("par", "COMPLETED", 1), ("par/bad/b", "COMPLETED", 1)]
    assert driver.records[5].parent_run_id == 4
    assert driver.calls == {"f": 1, "g": 2}


def test_redrive_of_a_wait_sets_a_new_timer():
    driver = started(WAIT_THEN_CALL)
    driver.send(TerminateRequested())
    driver.advance(10)
    outcome = driver.send(RetryRequested())
    assert outcome.commands == (SetTimer(2, T0.replace(minute=1, second=10)),)


def test_a_stop_draining_the_last_step_lets_the_execution_finish():
    driver = started()
    driver.execute(1)
    driver.send(StopRequested())
    driver.execute(2)
    assert driver.status == "FINISHED"
    assert driver.result == {"second": 2}
