"""`workflow` steps through the shell: child executions, their links, and how each end reaches the parent."""

from __future__ import annotations

from datetime import timedelta

import pytest

from executions import scheduler, services
from executions.models import Execution
from tests.services.helpers_integration import (
    ACTOR,
    entry,
    history,
    make_flow,
    reload,
    start,
    start_without_workers,
)

pytestmark = pytest.mark.django_db(transaction=True)

NAPPER = """\
yawl: "0.1"
start: nap
steps:
  nap:
    wait:
      duration: 30s
      next: report
  report:
    noOp:
      output: '\\({doubled: (.n * 2)})'
"""

REFUSER = """\
yawl: "0.1"
start: check
steps:
  check:
    fail:
      errorMessage: 'child refuses \\(.n)'
"""


def parent_spec(workflow_ref: str, *, extra: str = "") -> str:
    return f"""\
yawl: "0.1"
start: call
steps:
  call:
    workflow:
      workflowId: {workflow_ref}
      executionInput: '\\({{n: .x}})'
      output: '\\({{child: .}})'
{extra}      next: done
  done:
    noOp:
      output: '\\({{final: .child.doubled}})'
"""


def child_of(parent: Execution) -> Execution:
    return Execution.objects.get(parent=parent)


def test_a_child_started_by_name_links_to_its_parent_and_the_parent_waits_for_it():
    make_flow(NAPPER, "napper")
    parent = start(parent_spec("napper"), {"x": 21}, name="caller")

    child = child_of(parent)
    assert (child.root_id, child.parent_step_key) == (parent.pk, "call")
    assert child.workflow.name == "napper"
    assert child.input == {"n": 21}
    assert child.status == "RUNNING"
    assert entry(child, "nap").timer_at is not None
    call = entry(parent, "call")
    assert (call.type, call.status, call.child_execution_id) == ("Workflow", "STARTED", child.pk)
    assert parent.status == "RUNNING"


def test_firing_the_childs_timer_finishes_the_child_and_then_the_parent_with_the_childs_result():
    napper = make_flow(NAPPER, "napper")
    parent = start(parent_spec(napper.pk), {"x": 21}, name="caller")  # by id this time
    child = child_of(parent)

    scheduler.tick(entry(child, "nap").timer_at + timedelta(seconds=1))

    child = reload(child)
    assert (child.status, child.result) == ("FINISHED", {"doubled": 42})
    parent = reload(parent)
    assert parent.status == "FINISHED"
    assert parent.result == {"final": 42}
    assert entry(parent, "call").output == {"child": {"doubled": 42}}
    assert history(parent) == [("call", "COMPLETED", 1), ("done", "COMPLETED", 1)]
    # The parent's step ends when the child does, on the same (scheduler's) clock.
    assert entry(parent, "call").finished_at == child.finished_at


def test_a_grandchild_points_at_the_root_and_its_own_parent():
    make_flow(NAPPER, "napper")
    middle_spec = parent_spec("napper").replace("n: .x", "n: .n").replace("final: .child.doubled", "final: .child")
    make_flow(middle_spec, "middle")
    top = start(parent_spec("middle").replace(".child.doubled", ".child.final.doubled"), {"x": 1}, name="top")
    middle = child_of(top)
    grandchild = child_of(middle)
    assert (middle.parent_id, middle.root_id) == (top.pk, top.pk)
    assert (grandchild.parent_id, grandchild.root_id) == (middle.pk, top.pk)

    scheduler.tick(entry(grandchild, "nap").timer_at)
    assert [reload(e).status for e in (grandchild, middle, top)] == ["FINISHED"] * 3
    assert reload(middle).result == {"final": {"doubled": 2}}
    assert reload(top).result == {"final": 2}


def test_a_failing_child_fails_the_parent_step_with_the_childs_error_code():
    make_flow(REFUSER, "refuser")
    parent = reload(start(parent_spec("refuser"), {"x": 5}, name="caller"))

    child = child_of(parent)
    assert (child.status, child.error_code) == ("FAILED", "STEP_FAIL")
    assert parent.status == "FAILED"
    assert (parent.error_code, parent.error_message) == ("STEP_FAIL", "child refuses 5")
    call = entry(parent, "call")
    assert (call.status, call.error_code) == ("FAILED", "STEP_FAIL")


def test_a_failing_child_can_be_caught_by_the_parent():
    make_flow(REFUSER, "refuser")
    spec = parent_spec("refuser", extra="      catch: [{errorList: [STEP_FAIL], next: done}]\n")
    spec = spec.replace("final: .child.doubled", "final: .message")
    parent = start(spec, {"x": 5}, name="caller")
    assert (parent.status, parent.result) == ("FINISHED", {"final": "child refuses 5"})


def test_terminating_the_parent_terminates_the_child():
    make_flow(NAPPER, "napper")
    parent = start(parent_spec("napper"), {"x": 1}, name="caller")
    child = child_of(parent)

    services.execution_terminate(actor=ACTOR, execution_id=parent.pk, reason="abandon")

    parent, child = reload(parent), reload(child)
    assert parent.status == "STOPPED"
    assert entry(parent, "call").status == "CANCELLED"
    assert child.status == "STOPPED"
    assert child.cancelled_by == "system:engine"
    assert entry(child, "nap").status == "CANCELLED"
    # The child's timer is gone with it: time passing changes nothing.
    scheduler.tick(entry(child, "nap").started_at + timedelta(seconds=60))
    assert (reload(parent).status, reload(child).status) == ("STOPPED", "STOPPED")
    assert history(parent) == [("call", "CANCELLED", 1)]


def test_a_parent_past_its_deadline_fails_and_takes_its_child_down():
    make_flow(NAPPER, "napper")
    parent = start(parent_spec("napper"), {"x": 1}, name="caller", run_timeout_seconds=10)
    child = child_of(parent)

    scheduler.tick(parent.deadline_at)

    parent, child = reload(parent), reload(child)
    assert (parent.status, parent.error_code) == ("FAILED", "EXECUTION_TIMEOUT")
    assert entry(parent, "call").status == "CANCELLED"
    assert child.status == "STOPPED"


def test_stopping_the_child_fails_the_parent_step_with_a_failed_precondition():
    make_flow(NAPPER, "napper")
    parent = start(parent_spec("napper"), {"x": 1}, name="caller")

    services.execution_stop(actor=ACTOR, execution_id=child_of(parent).pk)

    parent = reload(parent)
    assert parent.status == "FAILED"
    assert parent.error_code == "STEP_FAILED_PRECONDITION"
    assert "was stopped" in parent.error_message


def test_stopping_a_child_before_it_began_still_ends_the_parent_step():
    make_flow(NAPPER, "napper")
    parent = start_without_workers(parent_spec("napper"), {"x": 1}, name="caller")
    child = child_of(parent)
    assert child.status == "QUEUED"  # its begin was lost with the executor

    services.execution_stop(actor=ACTOR, execution_id=child.pk)

    assert reload(child).status == "STOPPED"
    parent = reload(parent)
    assert (parent.status, parent.error_code) == ("FAILED", "STEP_FAILED_PRECONDITION")
    assert history(parent) == [("call", "FAILED", 1)]


def test_a_workflow_step_naming_no_workflow_fails_with_a_failed_precondition():
    parent = start(parent_spec("nobody-home"), {"x": 1}, name="caller")
    assert parent.status == "FAILED"
    assert parent.error_code == "STEP_FAILED_PRECONDITION"
    assert "nobody-home" in parent.error_message
    assert not Execution.objects.filter(parent=parent).exists()
