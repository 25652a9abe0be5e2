"""A background load of step transitions: executions started through the native API at a target rate.

Each load execution is a chain of steps that each commit their own step transition (and broadcast). The rate
achieved is counted afterwards in the server's SQLite database (read-only), from the step runs that finished
inside the load's window.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

LOAD_WORKFLOW = "bench-load"
# Past this many seconds' worth of starts still unfinished, starts are skipped rather than queued.
BACKLOG_SECONDS = 3.0
MAX_BATCH = 100


def load_spec(steps: int, kind: str = "wait") -> str:
    """A chain of `steps` steps. `wait`: 0.05 s timers, each fired by the scheduler in its own transaction;
    `function`: `functionCall echo` steps run on the executor pool. (A chain of noOp steps would not do: the
    interpreter runs through it in one transaction, with one broadcast for the whole chain.)"""
    lines = ['yawl: "0.1"', "start: s1", "steps:"]
    for n in range(1, steps + 1):
        lines.append(f"  s{n}:")
        if kind == "wait":
            lines += ["    wait:", "      duration: 0.05s"]
        else:
            lines += ["    functionCall:", "      functionId: echo", "      input: '\\(.)'"]
        if n < steps:
            lines.append(f"      next: s{n + 1}")
    return "\n".join(lines) + "\n"


@dataclass
class LoadStats:
    started: int = 0  # executions started
    skipped: int = 0  # starts skipped because the engine was behind
    refused: int = 0  # batch requests that failed
    began: float = 0.0  # wall clock
    ended: float = 0.0


async def run_load(
    api: httpx.AsyncClient, data_dir: Path, *, rate: float, steps: int, stop: asyncio.Event, limit: float
) -> LoadStats:
    """Start executions so that their steps add up to `rate` transitions per second, while the engine keeps up.

    The probe a benchmark times begins behind the load (first in, first out), so an unbounded backlog would
    starve it: past BACKLOG_SECONDS' worth of unfinished load executions, starts are skipped, and the rate
    achieved is what the benchmark reports. Runs until `stop` is set, `limit` seconds at most.
    """
    stats = LoadStats(began=time.time())
    loop = asyncio.get_running_loop()
    per_second = rate / steps
    cap = max(1, int(per_second * BACKLOG_SECONDS))
    began, checked, backlog = loop.time(), 0.0, 0
    try:
        while not stop.is_set() and loop.time() - began < limit:
            if loop.time() - checked >= 0.25:
                backlog, checked = await asyncio.to_thread(unfinished, data_dir), loop.time()
            due = int(per_second * (loop.time() - began)) - stats.started - stats.skipped
            if due > 0 and backlog >= cap:
                stats.skipped += due
            elif due > 0:
                count = min(due, MAX_BATCH)
                if await start_batch(api, count):
                    stats.started += count
                    backlog += count
                else:
                    stats.refused += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.05)
    finally:
        stats.ended = time.time()
    return stats


async def start_batch(api: httpx.AsyncClient, count: int) -> bool:
    body = {"workflow_id": LOAD_WORKFLOW, "inputs": [{"n": n} for n in range(count)]}
    try:
        return (await api.post("/api/v1/executions/batch/", json=body)).status_code == 201
    except httpx.HTTPError:
        return False


def database(data_dir: Path) -> sqlite3.Connection:
    """The server's database, read-only: WAL lets this reader run beside its writers."""
    return sqlite3.connect(f"file:{data_dir / 'db.sqlite3'}?mode=ro", uri=True, timeout=20)


def unfinished(data_dir: Path) -> int:
    with contextlib.closing(database(data_dir)) as db:
        (count,) = db.execute(
            "SELECT COUNT(*) FROM executions_execution e JOIN executions_workflow w ON w.id = e.workflow_id "
            "WHERE w.name = ? AND e.finished_at IS NULL",
            (LOAD_WORKFLOW,),
        ).fetchone()
    return count


def achieved(data_dir: Path, stats: LoadStats) -> float:
    """Step runs of the load that finished inside the load's window, per second."""
    # Django stores aware datetimes in SQLite as naive UTC text, which compares in time order.
    window = [datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d %H:%M:%S.%f") for t in (stats.began, stats.ended)]
    with contextlib.closing(database(data_dir)) as db:
        (done,) = db.execute(
            "SELECT COUNT(*) FROM executions_historyentry h JOIN executions_execution e ON e.id = h.execution_id "
            "JOIN executions_workflow w ON w.id = e.workflow_id "
            "WHERE w.name = ? AND h.finished_at >= ? AND h.finished_at < ?",
            (LOAD_WORKFLOW, *window),
        ).fetchone()
    return done / max(stats.ended - stats.began, 1e-9)
