"""The process that received a start dies right after committing it: the next process begins the execution."""

from __future__ import annotations

import signal

import pytest

from tests.crash.harness import START_AND_DIE_AFTER_COMMIT, wait_until

pytestmark = pytest.mark.crash

ONE_CALL = r"""
yawl: "0.1"
start: call
steps:
  call:
    httpCall:
      url: 'BASE/k/lost-begin'
      output: '\({reply: .})'
"""


def test_an_execution_whose_starting_process_died_after_commit_is_begun_by_the_next_process(deployment, http_server):
    deployment.create_workflow("one-call", ONE_CALL.replace("BASE", http_server.base_url))
    # The inline executor would begin the execution in that very process, had it lived past the commit.
    code, execution_id = deployment.django_raw(
        START_AND_DIE_AFTER_COMMIT, {"workflow": "one-call"}, env={"WORKFLOWS_EXECUTOR": "inline"}
    )
    assert code == -signal.SIGKILL

    queued = deployment.execution(execution_id)
    assert (queued["status"], queued["cursor"], deployment.history(execution_id)) == ("QUEUED", {}, [])
    assert http_server.requests("lost-begin") == []

    engine = deployment.engine("engine")
    wait_until(lambda: deployment.execution(execution_id)["status"] == "FINISHED", 30, "the execution to finish")

    assert deployment.execution(execution_id)["result"] == {"reply": {"key": "lost-begin", "request": 1}}
    assert [(e["path"], e["status"], e["attempts"]) for e in deployment.history(execution_id)] == [
        ("call", "COMPLETED", 1)
    ]
    assert len(http_server.requests("lost-begin")) == 1
    assert engine.terminate() == 0, "run_engine did not stop cleanly on SIGTERM"
