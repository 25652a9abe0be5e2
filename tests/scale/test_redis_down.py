"""The channel layer's Redis unreachable: executions still run to the end and pages still render; only the
live updates are lost (logged), and the web's readiness says why."""

from __future__ import annotations

import json
import urllib.request

import pytest

from tests.crash.harness import free_port, wait_until
from tests.scale.test_multi_process import SETUP, post

pytestmark = pytest.mark.scale

CALL = r"""
yawl: "0.1"
start: call
steps:
  call: {httpCall: {url: 'BASE/k/\(.key)', output: '\({reply: .})'}}
"""


def test_with_the_channel_layer_down_executions_finish_and_pages_render(deployment, http_server, redis_database):
    # The broker stays up (its own Redis database); the channel layer points at a port nobody listens on.
    deployment.env["REDIS_URL"] = f"redis://127.0.0.1:{free_port()}/0"
    deployment.env["CELERY_BROKER_URL"] = redis_database.url
    queue = "default"
    web = deployment.web(wait=False)
    worker = deployment.worker("worker", [queue], wait=False)
    setup = deployment.django(SETUP, {"workflows": {"caller": CALL.replace("BASE", http_server.base_url)}})
    deployment.wait_web(web)
    deployment.wait_ready(worker)

    body = post(deployment, "/api/v1/executions/", {"workflow_id": "caller", "input": {"key": "k1"}}, setup["token"])
    execution_id = body["id"]
    wait_until(lambda: deployment.statuses([execution_id]) == {execution_id: "FINISHED"}, 30, "the execution to end")

    (row,) = deployment.query("SELECT result FROM executions_execution WHERE id = ?", execution_id)
    assert json.loads(row["result"]) == {"reply": {"key": "k1", "request": 1}}
    page = urllib.request.Request(
        deployment.url(f"/executions/{execution_id}/"), headers={"Cookie": f"sessionid={setup['session']}"}
    )
    with urllib.request.urlopen(page, timeout=10) as response:
        assert response.status == 200
        assert execution_id in response.read().decode()
    assert deployment.http_status("/healthz") == 200
    assert deployment.http_status("/readyz") == 503
    with pytest.raises(urllib.error.HTTPError) as not_ready:
        urllib.request.urlopen(deployment.url("/readyz"), timeout=10)
    checks = json.loads(not_ready.value.read())["checks"]
    assert checks["database"] == "ok" and checks["channel_layer"].startswith("channel layer (Redis) unreachable")
    assert "broadcast of execution" in worker.log.read_text()
