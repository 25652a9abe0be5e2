"""The websocket benchmarks still run: each at a tiny size, as a subprocess, within a time bound.

Nothing here is about speed (that is measured by `bench/run`, never by tests): a run must exit 0 and print its
table with the expected columns and rows.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TIME_BOUND = 240
COLUMNS = "| figure | target | measured | baseline | ratio | met |"


def run_bench(script: str, *args: str) -> str:
    # A session of its own: if the bound is hit, the whole group (the benchmark and its server) is killed.
    process = subprocess.Popen(
        [sys.executable, f"bench/{script}", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=TIME_BOUND)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    assert process.returncode == 0, f"bench/{script} exited {process.returncode}:\n{stdout}\n{stderr}"
    return stdout


@pytest.mark.timeout(TIME_BOUND + 30)
def test_ws_latency_prints_its_table_at_a_tiny_size():
    out = run_bench(
        "ws_latency.py", "--clients", "3", "--samples", "5", "--rate", "20", "--warmup", "0.5",
        "--changes-per-probe", "5",
    )  # fmt: skip

    assert COLUMNS in out
    for row in (
        "| execution page socket, p50 | <= 50 ms |",
        "| execution page socket, p99 | <= 250 ms |",
        "| execution list socket, p50 | <= 50 ms |",
        "| fragments received, execution page | all |",
        "| background load, step transitions/s | 20 |",
        "| floor: broadcast hop, p50 / p99 |",
    ):
        assert row in out
    assert "machine: " in out and "settings: N=3 clients" in out


@pytest.mark.timeout(TIME_BOUND + 30)
def test_ws_clients_prints_its_table_at_a_tiny_size():
    out = run_bench("ws_clients.py", "--clients", "20", "--deadline", "20")

    assert COLUMNS in out
    for row in (
        "| sockets connected | 20 |",
        "| update: commit to the last socket | <= 1 s |",
        "| sockets that received the update |",
        "| server memory per socket (VmRSS delta / C) |",
    ):
        assert row in out
    assert "machine: " in out and "settings: C=20 sockets" in out
