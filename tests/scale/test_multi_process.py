"""The scale-out deployment end to end: one web process (`serve --no-engine`), Celery workers and a scheduler
over PostgreSQL and Redis, hundreds of executions started through the API, a worker SIGKILLed mid-run.

Every execution must finish with the right result, none may have a step outcome applied twice (history rows
and attempts are exact; the HTTP server saw each request once, except attempts in flight on the killed
worker, which may be sent again: at-least-once), work must stay on the queues the workers serve, and the
updates the workers commit must reach a browser's websocket on the web process through Redis.
"""

from __future__ import annotations

import json
import os
import time
import urllib.request
from collections import Counter
from typing import Any

import pytest

from tests.crash.harness import wait_until
from tests.crash.server import HOLD
from tests.scale.harness import LEASE_SECONDS
from tests.scale.live import GroupListener, SocketListener

pytestmark = [pytest.mark.scale, pytest.mark.timeout(300)]

PER_WORKFLOW = 75  # four workflows: 300 executions, 750 HTTP requests
HELD = 3  # chain executions whose first call the server holds open until the worker running them was killed

CHAIN = r"""
yawl: "0.1"
start: first
steps:
  first: {httpCall: {url: 'BASE/k/\(.key)-1', output: '\({first: .})', next: second}}
  second: {httpCall: {url: 'BASE/k/\(.key)-2', output: '\({second: .})'}}
"""

RETRYING = r"""
yawl: "0.1"
start: call
steps:
  call:
    httpCall:
      url: 'BASE/k/\(.key)-r'
      output: '\({reply: .})'
      retryPolicy: {errorList: [HTTP_CALL_503], retryCount: 2, initialDelay: 0.2s, maxDelay: 0.2s}
"""

FAN_OUT = r"""
yawl: "0.1"
start: fan
steps:
  fan:
    parallel:
      branches:
        a: {start: call, steps: {call: {httpCall: {url: 'BASE/k/\(.key)-a', output: '\({a: .})'}}}}
        b: {start: call, steps: {call: {httpCall: {url: 'BASE/k/\(.key)-b', output: '\({b: .})'}}}}
        c: {start: call, steps: {call: {httpCall: {url: 'BASE/k/\(.key)-c', output: '\({c: .})'}}}}
      output: '\({branches: .})'
"""

EACH = r"""
yawl: "0.1"
start: each
steps:
  each:
    foreach:
      input: '\(.items)'
      output: '\({each: .})'
      concurrency: 2
      do: {start: call, steps: {call: {httpCall: {url: 'BASE/k/\(.key)', output: '\({got: .})'}}}}
"""

SETUP = """
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore
from executions import services
from executions.actors import Actor
actor = Actor(label="test:scale", source="cli")
user = get_user_model().objects.create_superuser("scale", password="scale-test-password")
session = SessionStore()
session.update({SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                HASH_SESSION_KEY: user.get_session_auth_hash()})
session.create()
_, token = services.api_token_create(actor=actor, owner=user, name="scale", scope="operate")
for name, spec in params["workflows"].items():
    services.workflow_create(actor=actor, name=name, yaml_text=spec)
result = {"session": session.session_key, "token": token}
"""


def reply(key: str, request: int = 1) -> dict[str, Any]:
    return {"key": key, "request": request}


def post(deployment, path: str, body: dict[str, Any], token: str) -> dict[str, Any]:
    request = urllib.request.Request(
        deployment.url(path),
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status in (200, 201)
        return json.loads(response.read())


def start_batch(deployment, token: str, workflow: str, inputs: list[dict], queue: str) -> list[str]:
    body = {"workflow_id": workflow, "inputs": inputs, "queue_name": queue}
    return [e["id"] for e in post(deployment, "/api/v1/executions/batch/", body, token)["executions"]]


def test_hundreds_of_executions_finish_once_across_workers_one_of_them_killed(deployment, http_server):
    began = time.monotonic()
    run = f"t{os.getpid()}"
    only_first, shared = f"{run}-a", f"{run}-b"  # Celery queues: the first only on worker 1 (and its successor)

    web = deployment.web(wait=False)
    scheduler = deployment.scheduler("scheduler")
    worker_1 = deployment.worker("worker-1", [only_first, shared], wait=False)
    worker_2 = deployment.worker("worker-2", [shared], wait=False)
    base = http_server.base_url
    specs = {"chain": CHAIN, "retrying": RETRYING, "fan-out": FAN_OUT, "each": EACH}
    setup = deployment.django(SETUP, {"workflows": {n: s.replace("BASE", base) for n, s in specs.items()}})
    deployment.wait_web(web)
    deployment.wait_ready(worker_1)
    deployment.wait_ready(worker_2)
    socket = SocketListener(
        f"ws://127.0.0.1:{deployment.web_port}/ws/executions/",
        cookie=f"sessionid={setup['session']}",
        origin=f"http://127.0.0.1:{deployment.web_port}",
    )
    group = GroupListener(deployment.env["REDIS_URL"])
    try:
        keys = {name: [f"{name}{n}" for n in range(PER_WORKFLOW)] for name in specs}
        held = keys["chain"][:HELD]
        for key in held:
            http_server.script(f"{key}-1", HOLD, 200)
        for key in keys["retrying"]:
            http_server.script(f"{key}-r", 503, 200)
        token = setup["token"]
        ids = {
            "chain": start_batch(deployment, token, "chain", [{"key": k} for k in keys["chain"]], only_first),
            "retrying": start_batch(deployment, token, "retrying", [{"key": k} for k in keys["retrying"]], shared),
            "fan-out": start_batch(deployment, token, "fan-out", [{"key": k} for k in keys["fan-out"]], shared),
            "each": start_batch(
                deployment,
                token,
                "each",
                [{"items": [{"key": f"{k}-f{i}"} for i in range(3)]} for k in keys["each"]],
                shared,
            ),
        }
        everything = [execution_id for group_ids in ids.values() for execution_id in group_ids]
        started = time.monotonic()

        # Kill worker 1 while it holds the held calls open and other work is in flight around it.
        wait_until(lambda: len(http_server.held()) == HELD, 60, "worker 1 to hold the held calls open")
        held_since = time.monotonic()
        wait_until(lambda: deployment.finished_count(everything) >= 30, 60, "some executions to finish first")
        # Held well past their lease, the calls were not sent again: worker 1's heartbeat renewed the leases.
        wait_until(lambda: time.monotonic() - held_since > 2 * LEASE_SECONDS, 10, "two leases to pass")
        assert [len(http_server.requests(f"{k}-1")) for k in held] == [1] * HELD
        worker_1.kill()
        (killed_at,) = deployment.query("SELECT now() AS at")
        in_flight = in_flight_on(deployment, worker_1.pid)
        assert {e for e, _ in in_flight} >= set(ids["chain"][:HELD])
        worker_3 = deployment.worker("worker-3", [only_first, shared])
        http_server.release_all()  # the dead worker's requests get their answers, read by no one

        wait_until(lambda: deployment.finished_count(everything) == len(everything), 90, "every execution to finish")
        finished_in = time.monotonic() - started

        # Results: every execution, with its own responses.
        # Nothing applied twice: exact history rows and attempts; each request once, but for attempts in flight
        # on the killed worker, which may have been sent twice (and the held ones, which were).
        affected = {execution_id for execution_id, _ in in_flight}
        check_requests(http_server, ids, keys, held, affected)
        check_results(deployment, http_server, ids, keys)
        check_history(deployment, ids, affected)
        # Routing: the chain executions ran on the workers serving their queue, never on worker 2.
        holders = deployment.query(
            "SELECT DISTINCT h.worker FROM executions_historyentry h WHERE h.execution_id = ANY(?) AND h.worker <> ''",
            ids["chain"],
        )
        assert all(f":{worker_2.pid}:" not in row["worker"] for row in holders), holders

        # Live updates committed by the workers reached the channel layer and a browser on the web process. A
        # worker killed between a commit and its broadcast loses that update (the page catches up on the next
        # one, or from the database when it reloads): only executions that ended before the kill may miss it.
        may_miss = set(ended_before(deployment, everything, killed_at["at"]))
        wait_until(lambda: group.finished() >= set(everything) - may_miss, 30, "the FINISHED updates on the layer")
        assert len(set(everything) - group.finished()) <= 6, "more updates lost than worker 1 had threads"
        wait_until(
            lambda: socket.finished() >= set(everything) - may_miss,
            30,
            "the browser's websocket to show every execution finished",
        )
        assert web.popen.poll() is None and scheduler.popen.poll() is None and worker_3.popen.poll() is None
        total = time.monotonic() - began
        print(f"{len(everything)} executions finished {finished_in:.1f}s after the start; {total:.1f}s in all")
    finally:
        socket.close()
        group.close()


def in_flight_on(deployment, pid: int) -> list[tuple[str, str]]:
    """(execution, path) of the attempts the worker process held when it died."""
    rows = deployment.query(
        "SELECT execution_id, path FROM executions_historyentry"
        " WHERE worker LIKE ? AND status IN ('STARTED', 'CANCEL_REQUESTED')",
        f"%:{pid}:%",
    )
    return [(row["execution_id"], row["path"]) for row in rows]


def ended_before(deployment, ids: list[str], moment) -> list[str]:
    rows = deployment.query("SELECT id FROM executions_execution WHERE id = ANY(?) AND finished_at <= ?", ids, moment)
    return [row["id"] for row in rows]


def results(deployment, ids: list[str]) -> dict[str, Any]:
    rows = deployment.query("SELECT id, status, result FROM executions_execution WHERE id = ANY(?)", ids)
    assert {row["status"] for row in rows} == {"FINISHED"}
    return {row["id"]: json.loads(row["result"]) for row in rows}


def check_results(deployment, server, ids, keys) -> None:
    """Each result holds its own responses; the one applied is the last the server sent for that key (an
    attempt the killed worker had sent was sent again, and only the second outcome was applied)."""
    sent = Counter(request.key for request in server.seen)
    got = results(deployment, ids["chain"])
    assert [got[e] for e in ids["chain"]] == [{"second": reply(f"{k}-2", sent[f"{k}-2"])} for k in keys["chain"]]
    firsts = deployment.query(
        "SELECT execution_id, output FROM executions_historyentry WHERE path = 'first' AND execution_id = ANY(?)",
        ids["chain"],
    )
    first = {row["execution_id"]: json.loads(row["output"]) for row in firsts}
    assert [first[e] for e in ids["chain"]] == [{"first": reply(f"{k}-1", sent[f"{k}-1"])} for k in keys["chain"]]
    got = results(deployment, ids["retrying"])
    assert [got[e] for e in ids["retrying"]] == [{"reply": reply(f"{k}-r", sent[f"{k}-r"])} for k in keys["retrying"]]
    got = results(deployment, ids["fan-out"])
    assert [got[e] for e in ids["fan-out"]] == [
        {"branches": {b: {b: reply(f"{k}-{b}", sent[f"{k}-{b}"])} for b in "abc"}} for k in keys["fan-out"]
    ]
    got = results(deployment, ids["each"])
    assert [got[e] for e in ids["each"]] == [
        {"each": [{"got": reply(f"{k}-f{i}", sent[f"{k}-f{i}"])} for i in range(3)]} for k in keys["each"]
    ]


def check_history(deployment, ids, affected: set[str]) -> None:
    """One row per step run, each completed; attempts exact, but for executions the killed worker was running
    a step of: a 503 it got but never reported is not counted, so the retry may have taken one attempt."""
    expected = {
        "chain": [("first", "COMPLETED", 1), ("second", "COMPLETED", 1)],
        "retrying": [("call", "COMPLETED", 2)],
        "fan-out": [("fan", "COMPLETED", 1)] + [(f"fan/{b}/call", "COMPLETED", 1) for b in "abc"],
    }
    for name, rows in expected.items():
        for execution_id in ids[name]:
            got = history(deployment, execution_id)
            if execution_id in affected and name == "retrying":
                assert got in ([("call", "COMPLETED", 1)], [("call", "COMPLETED", 2)]), (name, execution_id, got)
            else:
                assert got == sorted(rows), (name, execution_id, got)
    for execution_id in ids["each"]:
        entries = history(deployment, execution_id)
        assert entries[0] == ("each", "COMPLETED", 1)
        assert len(entries) == 4 and all(status == "COMPLETED" and attempts == 1 for _, status, attempts in entries)


def history(deployment, execution_id: str) -> list[tuple[str, str, int]]:
    rows = deployment.query(
        "SELECT path, status, attempts FROM executions_historyentry WHERE execution_id = ? ORDER BY path",
        execution_id,
    )
    return sorted((row["path"], row["status"], row["attempts"]) for row in rows)


def check_requests(server, ids, keys, held, affected: set[str]) -> None:
    """Each key requested as often as its script says; once more at most for an execution the killed worker
    was running a step of (that step's attempt was sent again). The held calls were sent exactly twice."""
    seen = Counter(request.key for request in server.seen)
    expected: dict[str, int] = {}
    for k in keys["chain"]:
        expected.update({f"{k}-1": 2 if k in held else 1, f"{k}-2": 1})
    expected.update({f"{k}-r": 2 for k in keys["retrying"]})
    expected.update({f"{k}-{b}": 1 for k in keys["fan-out"] for b in "abc"})
    expected.update({f"{k}-f{i}": 1 for k in keys["each"] for i in range(3)})
    assert set(seen) == set(expected)
    key_of = {e: k for name in ids for e, k in zip(ids[name], keys[name], strict=True)}
    may_repeat = {key_of[e] for e in affected} - set(held)
    for key, count in seen.items():
        if key.rsplit("-", 1)[0] in may_repeat:
            assert expected[key] <= count <= expected[key] + 1, (key, count)
        else:
            assert count == expected[key], (key, count)
