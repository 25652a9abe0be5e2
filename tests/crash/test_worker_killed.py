"""A worker process is SIGKILLed in the middle of HTTP steps; another process finishes the execution.

What "attempts" means after a crash: it counts the attempts the retry policy made (1 = no retry). An attempt
whose worker died is sent again with the same number once its lease expires (at-least-once), so a crash
never adds to `attempts`, while the HTTP server may see that attempt's request more than once.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.crash.harness import wait_until
from tests.crash.server import HOLD

pytestmark = pytest.mark.crash

RETRYING_CALL = r"""
yawl: "0.1"
start: call
steps:
  call:
    httpCall:
      url: 'BASE/k/\(.key)'
      output: '\({reply: .})'
      retryPolicy: {errorList: [HTTP_CALL_503], retryCount: 3, initialDelay: 0.2s}
"""

FAN_OUT = r"""
yawl: "0.1"
start: fan
steps:
  fan:
    parallel:
      branches:
        a: {start: call, steps: {call: {httpCall: {url: 'BASE/k/a', output: '\({a: .})'}}}}
        b: {start: call, steps: {call: {httpCall: {url: 'BASE/k/b', output: '\({b: .})'}}}}
        c: {start: call, steps: {call: {httpCall: {url: 'BASE/k/c', output: '\({c: .})'}}}}
      output: '\({branches: .})'
"""


def held_by(entry: dict, pid: int) -> bool:
    return f":{pid}:" in entry["worker"]


def test_a_retrying_http_step_whose_worker_was_killed_completes_once_on_another_worker(deployment, http_server):
    http_server.script("order-1", 503, HOLD, 200)
    deployment.create_workflow("retrying-call", RETRYING_CALL.replace("BASE", http_server.base_url))
    (execution_id,) = deployment.start("retrying-call", [{"key": "order-1"}])

    worker_a = deployment.web("web-a")
    wait_until(http_server.held, 30, "web process A to hold attempt 2 open")
    worker_a.kill()

    (entry,) = deployment.entries(execution_id, "call")
    assert (entry["status"], entry["attempts"], entry["last_error_code"]) == ("STARTED", 2, "HTTP_CALL_503")
    assert held_by(entry, worker_a.pid)
    dead_lease = datetime.fromisoformat(entry["lease_expires_at"])

    deployment.engine("worker-b")
    wait_until(lambda: len(http_server.requests("order-1")) == 3, 30, "worker B to send attempt 2 again")
    wait_until(lambda: deployment.execution(execution_id)["status"] == "FINISHED", 30, "the execution to finish")

    resent = http_server.requests("order-1")[2]
    assert resent.at >= dead_lease, "attempt 2 was sent again before the dead worker's lease expired"
    execution = deployment.execution(execution_id)
    assert execution["result"] == {"reply": {"key": "order-1", "request": 3}}
    history = deployment.history(execution_id)
    # One entry, completed once; two policy attempts (503, then 200): the re-sent attempt kept number 2.
    assert [(e["path"], e["status"], e["attempts"]) for e in history] == [("call", "COMPLETED", 2)]
    assert history[0]["output"] == execution["result"]
    assert [r.action for r in http_server.requests("order-1")] == [503, HOLD, 200]

    # Now the server answers the request dead worker A left open: nobody reads it, nothing changes.
    http_server.release("order-1")
    stale = http_server.requests("order-1")[1]
    wait_until(stale.done.is_set, 5, "the server to answer the dead worker's request")
    assert deployment.history(execution_id) == history
    assert deployment.execution(execution_id) == execution


def test_a_parallel_fan_out_whose_worker_was_killed_completes_each_branch_once(deployment, http_server):
    for branch in "abc":
        http_server.script(branch, HOLD, 200)
    deployment.create_workflow("fan-out", FAN_OUT.replace("BASE", http_server.base_url))
    (execution_id,) = deployment.start("fan-out", [{}])

    worker_a = deployment.engine("worker-a")
    wait_until(lambda: len(http_server.held()) == 3, 30, "worker A to hold all three branch calls open")
    worker_a.kill()

    calls = [e for e in deployment.history(execution_id) if e["path"].endswith("/call")]
    assert [(e["path"], e["status"]) for e in calls] == [(f"fan/{b}/call", "STARTED") for b in "abc"]
    assert all(held_by(e, worker_a.pid) for e in calls)

    deployment.engine("worker-b")
    wait_until(lambda: deployment.execution(execution_id)["status"] == "FINISHED", 30, "the execution to finish")

    execution = deployment.execution(execution_id)
    assert execution["result"] == {
        "branches": {b: {b: {"key": b, "request": 2}} for b in "abc"},
    }
    history = deployment.history(execution_id)
    assert sorted((e["path"], e["status"], e["attempts"]) for e in history) == [
        ("fan", "COMPLETED", 1),
        ("fan/a/call", "COMPLETED", 1),
        ("fan/b/call", "COMPLETED", 1),
        ("fan/c/call", "COMPLETED", 1),
    ]
    assert {b: [r.action for r in http_server.requests(b)] for b in "abc"} == {b: [HOLD, 200] for b in "abc"}

    http_server.release_all()
    wait_until(lambda: not http_server.held(), 5, "the server to answer the dead worker's requests")
    assert deployment.history(execution_id) == history
    assert deployment.execution(execution_id) == execution
