"""Two scheduler replicas over the same due timers, on PostgreSQL with Celery workers: each timer fires once.

The replicas share the due rows out with SKIP LOCKED and re-check each under the execution's row lock; a
timer fired twice would show as a step run twice: a second HTTP request, a second history row.
"""

from __future__ import annotations

import json

import pytest

from tests.crash.harness import utcnow, wait_until

pytestmark = pytest.mark.scale

NAP_THEN_CALL = r"""
yawl: "0.1"
start: nap
steps:
  nap: {wait: {duration: 2s, next: call}}
  call: {httpCall: {url: 'BASE/k/\(.key)', output: '\({reply: .})'}}
"""

START = """
from executions import services
from executions.actors import Actor
actor = Actor(label="test:scale", source="cli")
workflow = services.workflow_create(actor=actor, name="napper", yaml_text=params["spec"])
result = [
    services.execution_start(actor=actor, workflow=workflow, input={"key": key}, queue_name=params["queue"]).pk
    for key in params["keys"]
]
"""


def test_two_scheduler_replicas_fire_each_timer_once(deployment, http_server):
    queue = f"naps-{id(deployment)}"
    worker = deployment.worker("worker", [queue], wait=False)
    keys = [f"nap{n}" for n in range(60)]
    spec = NAP_THEN_CALL.replace("BASE", http_server.base_url)
    ids = deployment.django(START, {"spec": spec, "keys": keys, "queue": queue})
    deployment.wait_ready(worker)

    # The worker begins them; with no scheduler running yet, every timer comes due and waits.
    wait_until(lambda: len(due_timers(deployment, ids)) == len(ids), 60, "every timer to be set")
    wait_until(lambda: utcnow() >= max(due_timers(deployment, ids)), 10, "every timer to come due")
    deployment.scheduler("scheduler-1")
    deployment.scheduler("scheduler-2")
    wait_until(lambda: deployment.finished_count(ids) == len(ids), 60, "every execution to finish")

    rows = deployment.query("SELECT id, result FROM executions_execution WHERE id = ANY(?)", ids)
    results = {row["id"]: json.loads(row["result"]) for row in rows}
    assert [results[e] for e in ids] == [{"reply": {"key": k, "request": 1}} for k in keys]
    runs = deployment.query(
        "SELECT path, status, attempts, count(*) AS n FROM executions_historyentry WHERE execution_id = ANY(?)"
        " GROUP BY path, status, attempts ORDER BY path",
        ids,
    )
    assert [(r["path"], r["status"], r["attempts"], r["n"]) for r in runs] == [
        ("call", "COMPLETED", 1, len(ids)),
        ("nap", "COMPLETED", 1, len(ids)),
    ]
    assert sorted(request.key for request in http_server.seen) == sorted(keys)


def due_timers(deployment, ids: list[str]) -> list:
    rows = deployment.query(
        "SELECT timer_at AT TIME ZONE 'UTC' AS at FROM executions_historyentry"
        " WHERE timer_at IS NOT NULL AND execution_id = ANY(?)",
        ids,
    )
    return [row["at"] for row in rows]
