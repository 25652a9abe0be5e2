"""Durable timers (Wait wake-ups, retry backoffs) survive the scheduler's death and fire exactly once."""

from __future__ import annotations

import pytest

from tests.crash.harness import LEASE_SECONDS, utcnow, wait_until

pytestmark = pytest.mark.crash

NAP = r"""
yawl: "0.1"
start: nap
steps:
  nap: {wait: {duration: DURATION, next: after}}
  after: {noOp: {output: '\({woke: .n})'}}
"""

BACKING_OFF_CALL = r"""
yawl: "0.1"
start: call
steps:
  call:
    httpCall:
      url: 'BASE/k/\(.key)'
      output: '\({reply: .})'
      retryPolicy: {errorList: [HTTP_CALL_503], retryCount: 1, initialDelay: DELAYs, maxDelay: DELAYs}
"""


def nap(duration: str) -> str:
    return NAP.replace("DURATION", duration)


def backing_off_call(base_url: str, delay: float) -> str:
    return BACKING_OFF_CALL.replace("BASE", base_url).replace("DELAY", str(delay))


def assert_woke_once(deployment, execution_id: str, n: int) -> None:
    history = deployment.history(execution_id)
    assert [(e["path"], e["status"]) for e in history] == [("nap", "COMPLETED"), ("after", "COMPLETED")]
    assert deployment.execution(execution_id)["result"] == {"woke": n}


def test_timers_pending_when_the_scheduler_was_killed_fire_once_in_the_next_process(deployment, http_server):
    deployment.create_workflow("napper", nap("3s"))
    deployment.create_workflow("backing-off", backing_off_call(http_server.base_url, 3))
    for key in ("r0", "r1"):
        http_server.script(key, 503, 200)
    napping = deployment.start("napper", [{"n": 0}, {"n": 1}])
    backing_off = deployment.start("backing-off", [{"key": "r0"}, {"key": "r1"}])
    ids = napping + backing_off

    process_a = deployment.engine("engine-a")
    wait_until(lambda: len(deployment.pending_timers(ids)) == 4, 30, "two waits and two backoffs to be pending")
    process_a.kill()

    timers = deployment.pending_timers(ids)
    assert len(timers) == 4 and min(timers) > utcnow(), "a timer came due before the scheduler was killed"
    assert set(deployment.statuses(ids).values()) == {"RUNNING"}
    wait_until(lambda: utcnow() >= max(timers), 10, "the timers to come due with no scheduler running")

    deployment.engine("engine-b")
    wait_until(lambda: deployment.all_finished(ids), 30, "every execution to finish")

    for n, execution_id in enumerate(napping):
        assert_woke_once(deployment, execution_id, n)
    for key, execution_id in zip(("r0", "r1"), backing_off, strict=True):
        history = deployment.history(execution_id)
        assert [(e["path"], e["status"], e["attempts"]) for e in history] == [("call", "COMPLETED", 2)]
        assert [r.action for r in http_server.requests(key)] == [503, 200]
        assert deployment.execution(execution_id)["result"] == {"reply": {"key": key, "request": 2}}


def test_two_schedulers_over_the_same_due_timers_fire_each_once(deployment):
    deployment.create_workflow("napper", nap("1s"))
    inputs = [{"n": n} for n in range(30)]
    # Begun by the shell process itself: every timer is set (and soon due) before any scheduler runs.
    ids = deployment.start("napper", inputs, executor="inline")
    assert len(deployment.pending_timers(ids)) == len(ids)

    deployment.scheduler("scheduler-1")
    deployment.scheduler("scheduler-2")
    wait_until(lambda: deployment.all_finished(ids), 30, "every execution to finish")

    for n, execution_id in enumerate(ids):
        assert_woke_once(deployment, execution_id, n)
    (count,) = deployment.query(
        "SELECT count(*) AS n FROM executions_historyentry WHERE path = 'after' AND execution_id IN "
        f"({','.join('?' * len(ids))})",
        *ids,
    )
    assert count["n"] == len(ids)


def test_a_step_backing_off_longer_than_the_lease_is_not_attempted_again_meanwhile(deployment, http_server):
    # Leases cover attempts in flight only: the first attempt's lease must not outlive it and get it re-sent
    # while the step waits for its retry.
    http_server.script("slow-retry", 503, 200)
    deployment.create_workflow("backing-off", backing_off_call(http_server.base_url, 2.5 * LEASE_SECONDS))
    (execution_id,) = deployment.start("backing-off", [{"key": "slow-retry"}])

    deployment.engine("engine")
    wait_until(lambda: deployment.execution(execution_id)["status"] == "FINISHED", 30, "the execution to finish")

    assert [r.action for r in http_server.requests("slow-retry")] == [503, 200]
    (entry,) = deployment.history(execution_id)
    assert (entry["status"], entry["attempts"]) == ("COMPLETED", 2)
