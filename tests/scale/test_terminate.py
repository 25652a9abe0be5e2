"""Terminate reaches an attempt running on a Celery worker in another process: the worker's heartbeat sees the
attempt cancelled in the database and interrupts its HTTP request, which frees the worker's thread."""

from __future__ import annotations

import pytest

from tests.crash.harness import wait_until
from tests.crash.server import HOLD
from tests.scale.test_multi_process import SETUP, post

pytestmark = pytest.mark.scale

CALL = r"""
yawl: "0.1"
start: call
steps:
  call: {httpCall: {url: 'BASE/k/\(.key)', output: '\({reply: .})'}}
"""


def test_terminating_an_execution_interrupts_its_call_on_the_worker(deployment, http_server):
    http_server.script("stuck", HOLD)
    web = deployment.web(wait=False)
    worker = deployment.worker("worker", ["default"], threads=1, wait=False)  # one thread: one call at a time
    setup = deployment.django(SETUP, {"workflows": {"caller": CALL.replace("BASE", http_server.base_url)}})
    deployment.wait_web(web)
    deployment.wait_ready(worker)
    token = setup["token"]

    stuck = post(deployment, "/api/v1/executions/", {"workflow_id": "caller", "input": {"key": "stuck"}}, token)["id"]
    wait_until(lambda: len(http_server.held()) == 1, 30, "the worker to hold the call open")
    post(deployment, f"/api/v1/executions/{stuck}/terminate/", {}, token)

    # The only thread of the only worker is free again while the server still holds the request open.
    after = post(deployment, "/api/v1/executions/", {"workflow_id": "caller", "input": {"key": "next"}}, token)["id"]
    wait_until(lambda: deployment.statuses([after]) == {after: "FINISHED"}, 30, "the next execution to finish")
    assert deployment.statuses([stuck]) == {stuck: "STOPPED"}
    (entry,) = deployment.query("SELECT status FROM executions_historyentry WHERE execution_id = ?", stuck)
    assert entry["status"] == "CANCELLED"
    assert [request.key for request in http_server.seen] == ["stuck", "next"]
