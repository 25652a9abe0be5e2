"""Commit-to-websocket latency of the live dashboard, under background load, beside 2 s polling.

A real `manage.py serve` (embedded mode: SQLite, thread executor, in-process channel layer) runs in a temp
data dir. N clients log in as the demo operator; each holds the execution page's socket of a probe execution
and the execution list's socket. While a background load of executions (chains of short `wait` steps, or of
`functionCall` steps with --load function) runs at a target rate of step transitions per second, the benchmark
makes K timed changes to the probe through the native API (pause, resume, ..., stop; a fresh probe every few
changes so its audit trail stays short) and times, per socket, from the change's commit to the first fragment
that shows it.

Commit time: the `created_at` of the change's audit event, written in the same transaction just before the
commit (so a latency is, if anything, overstated by the commit itself). Arrival: the client's wall clock
when the frame is read. Both clocks are this machine's.

Baseline, in the same run: a poller does what a page without its socket does: GET the page's refresh URL with
`HX-Request` every 2 s (random phase). A change's polling latency is the wait until the first poll sent after
its commit, plus that poll's measured response time. Floor: the broadcast hop alone (a thread's
`async_to_sync(group_send)` into the in-process channel layer, received on another loop): no render, no socket.

    .venv/bin/python bench/ws_latency.py [--clients N] [--samples K] [--rate R] [--steps L]
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import contextlib
import math
import os
import random
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import harness
import httpx
import load
from websockets.asyncio.client import ClientConnection

TARGET_P50 = 0.050
TARGET_P99 = 0.250
SAMPLE_TIMEOUT = 10.0  # a fragment later than this counts as not received
EXPECTED = {"pause": "paused", "resume": "running", "stop": "stopped"}


@dataclass
class Sample:
    probe: str
    action: str
    sent: float = math.nan
    returned: float = math.nan
    committed: float = math.nan
    arrivals: dict[tuple[str, int], float] = field(default_factory=dict)

    @property
    def expected(self) -> str:
        return EXPECTED[self.action]


class Watchers:
    """Reads every socket; records when each first shows the status the current change leads to."""

    def __init__(self, sockets_per_sample: int) -> None:
        self.sockets_per_sample = sockets_per_sample
        self.current: Sample | None = None
        self.probe = ""  # the probe the page polls in the baseline: the last one changed, until the next
        self.all_arrived = asyncio.Event()

    def expect(self, sample: Sample) -> None:
        self.current, self.probe = sample, sample.probe
        self.all_arrived.clear()

    def on_message(self, kind: str, client: int, text: str) -> None:
        arrival = time.time()
        sample = self.current
        if sample is None or (kind, client) in sample.arrivals:
            return
        if harness.shown_status(kind, text, sample.probe) == sample.expected:
            sample.arrivals[(kind, client)] = arrival
            if len(sample.arrivals) == self.sockets_per_sample:
                self.all_arrived.set()

    async def read(self, ws: ClientConnection, kind: str, client: int) -> None:
        try:
            async for message in ws:
                self.on_message(kind, client, message if isinstance(message, str) else message.decode())
        except Exception:  # a closed socket ends its reader; a missing arrival shows up in the table
            return


async def run_poller(server: harness.Server, cookie: str, args, watchers: Watchers, stop, polls: list) -> None:
    """What the page does while its socket is down: GET its refresh URL every `poll` seconds."""
    loop = asyncio.get_running_loop()
    headers = {"Cookie": cookie, "HX-Request": "true"}
    async with httpx.AsyncClient(base_url=server.url, headers=headers, timeout=30, trust_env=False) as client:
        next_at = loop.time() + random.uniform(0, args.poll)
        since: dict[str, str] = {}
        while not stop.is_set() and len(polls) < 100_000:
            try:
                await asyncio.wait_for(stop.wait(), max(0.0, next_at - loop.time()))
                return
            except TimeoutError:
                pass
            next_at += args.poll
            probe = watchers.probe
            if not probe:
                continue
            params = {"since": since[probe]} if probe in since else {}
            sent = time.time()
            try:
                response = await client.get(f"/executions/{probe}/", params=params)
            except httpx.HTTPError:
                continue  # the page would try again on its next tick; so does the baseline
            polls.append((sent, time.time()))
            found = re.search(r"since=([^\"&]+)", response.text)
            if found:
                since[probe] = httpx.URL("?since=" + found.group(1)).params["since"]


async def run_round(server, cookie, api, watchers: Watchers, args, size: int) -> list[Sample]:
    """One probe: connect the N execution-page sockets, make `size` changes, each after the last arrived."""
    probe = await harness.start_probe(api)
    path = f"/ws/executions/{probe}/"
    sockets = await asyncio.gather(*(harness.open_socket(server, cookie, path) for _ in range(args.clients)))
    readers = [asyncio.create_task(watchers.read(ws, "detail", n)) for n, ws in enumerate(sockets)]
    actions = [*(["pause", "resume"] * size)[: size - 1], "stop"]
    samples = []
    try:
        for action in actions:
            await asyncio.sleep(random.uniform(0.15, 0.35))  # past the consumers' 0.1 s coalescing interval
            sample = Sample(probe, action)
            watchers.expect(sample)
            sample.sent = time.time()
            response = await api.post(f"/api/v1/executions/{probe}/{action}/", json={})
            sample.returned = time.time()
            response.raise_for_status()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(watchers.all_arrived.wait(), SAMPLE_TIMEOUT)
            samples.append(sample)
    finally:
        watchers.current = None
        await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
        for task in readers:
            task.cancel()
    return samples


async def commit_times(api: httpx.AsyncClient, samples: list[Sample]) -> None:
    """Each change's audit event, in order per probe: its `created_at` is the commit time."""
    by_probe: dict[str, list[Sample]] = {}
    for sample in samples:
        by_probe.setdefault(sample.probe, []).append(sample)
    for probe, mine in by_probe.items():
        events = (await api.get(f"/api/v1/executions/{probe}/audit/")).json()["events"]
        changes = [e for e in events if e["action"] in EXPECTED]
        for sample, event in zip(mine, changes, strict=False):
            if event["action"] == sample.action:
                sample.committed = datetime.fromisoformat(event["created_at"]).timestamp()


async def measure(server: harness.Server, args: argparse.Namespace) -> dict:
    cookie = server.login()
    watchers = Watchers(2 * args.clients)
    stop = asyncio.Event()
    polls: list[tuple[float, float]] = []
    samples: list[Sample] = []
    async with server.api() as api, server.api() as load_api:
        lists = await asyncio.gather(
            *(harness.open_socket(server, cookie, "/ws/executions/") for _ in range(args.clients))
        )
        readers = [asyncio.create_task(watchers.read(ws, "list", n)) for n, ws in enumerate(lists)]
        loading = asyncio.create_task(
            load.run_load(
                load_api, server.data_dir, rate=args.rate, steps=args.steps, stop=stop, limit=args.max_seconds * 2
            )
        )
        polling = asyncio.create_task(run_poller(server, cookie, args, watchers, stop, polls))
        try:
            await asyncio.sleep(args.warmup)
            deadline = time.monotonic() + args.max_seconds
            while len(samples) < args.samples and time.monotonic() < deadline:
                size = min(args.changes_per_probe, args.samples - len(samples))
                samples += await run_round(server, cookie, api, watchers, args, size)
        finally:
            stop.set()
            await asyncio.gather(polling, return_exceptions=True)
            await asyncio.gather(*(ws.close() for ws in lists), return_exceptions=True)
            for task in readers:
                task.cancel()
        stats = await loading
        await commit_times(api, samples)
    return {"samples": samples, "polls": polls, "load": stats}


async def broadcast_floor(count: int) -> list[float]:
    """The hop `broadcast.execution_changed` makes, alone: a worker thread's `async_to_sync(group_send)` into the
    in-process channel layer, received on the loop the group was joined from."""
    from asgiref.sync import async_to_sync

    from executions.channel_layer import InProcessChannelLayer

    layer = InProcessChannelLayer()
    channel = await layer.new_channel()
    await layer.group_add("execution.floor", channel)
    send = async_to_sync(layer.group_send)
    message = {"type": "execution.updated", "execution_id": "floor", "status": "RUNNING"}
    sent: list[float] = []

    def sender() -> None:
        sent.append(time.perf_counter())
        send("execution.floor", message)

    loop = asyncio.get_running_loop()
    hops = []
    for _ in range(count):
        receiving = asyncio.create_task(layer.receive(channel))
        sending = loop.run_in_executor(None, sender)
        await asyncio.wait_for(receiving, SAMPLE_TIMEOUT)
        hops.append(time.perf_counter() - sent[-1])
        await sending
    return hops


def latencies(result: dict) -> dict[str, list[float]]:
    """Commit to arrival, per socket kind; and for polling, commit to the first poll sent after it, answered."""
    found: dict[str, list[float]] = {"detail": [], "list": [], "poll": []}
    polls = sorted(result["polls"])
    starts = [sent for sent, _ in polls]
    for sample in result["samples"]:
        if math.isnan(sample.committed):
            continue
        for (kind, _), arrival in sample.arrivals.items():
            found[kind].append(arrival - sample.committed)
        after = bisect.bisect_left(starts, sample.committed)
        if after < len(polls):
            found["poll"].append(polls[after][1] - sample.committed)
    return found


def latency_rows(name: str, values: list[float], poll: list[float]) -> list[list[str]]:
    rows = []
    for label, pct, target in (("p50", 50, TARGET_P50), ("p95", 95, None), ("p99", 99, TARGET_P99), ("max", 100, None)):
        measured, baseline = harness.percentile(values, pct), harness.percentile(poll, pct)
        ratio = f"{harness.times(baseline / measured)} faster" if measured > 0 and baseline > 0 else "n/a"
        met = "—" if target is None else ("yes" if measured <= target else "NO")
        goal = "—" if target is None else f"<= {target * 1000:.0f} ms"
        rows.append([f"{name}, {label}", goal, harness.ms(measured), harness.ms(baseline), ratio, met])
    return rows


def report(args: argparse.Namespace, result: dict, floor: list[float], achieved: float) -> str:
    stats: load.LoadStats = result["load"]
    samples, found = result["samples"], latencies(result)
    expected = sum(1 for s in samples if not math.isnan(s.committed)) * args.clients
    rows = latency_rows("execution page socket", found["detail"], found["poll"])
    rows += latency_rows("execution list socket", found["list"], found["poll"])
    for kind, name in (("detail", "execution page"), ("list", "execution list")):
        got = len(found[kind])
        rows.append(
            [f"fragments received, {name}", "all", f"{got} of {expected}", "—", "—", "yes" if got == expected else "NO"]
        )
    rows.append(
        [
            "background load, step transitions/s",
            f"{args.rate:g}",
            f"{achieved:.0f}"
            + (f" ({stats.skipped} load executions not started: the engine was behind)" if stats.skipped else ""),
            "—",
            "—",
            "NO (load fell short)" if achieved < 0.9 * args.rate else "yes",
        ]
    )
    rows.append(
        [
            "floor: broadcast hop, p50 / p99",
            "—",
            f"{harness.ms(harness.percentile(floor, 50))} / {harness.ms(harness.percentile(floor, 99))}",
            "—",
            "—",
            "—",
        ]
    )
    round_trips = [s.returned - s.sent for s in samples]
    outside = sum(1 for s in samples if not s.sent - 0.002 <= s.committed <= s.returned + 0.002)
    lines = [
        "### ws_latency: commit to websocket fragment",
        "",
        f"machine: {harness.machine_line()}",
        harness.others_line(result["others"]),
        f"settings: N={args.clients} clients (each: execution page + list socket), K={len(samples)} changes "
        f"(pause/resume/stop, {args.changes_per_probe} per probe), load {args.rate:g} step transitions/s "
        f"({args.steps}-step {args.load} chains), WORKFLOWS_THREADS={args.threads}, SQLite, thread executor, "
        f"baseline: {args.poll:g} s polling of the page's refresh URL ({len(result['polls'])} polls)",
        "",
        harness.markdown_table(["figure", "target", "measured", "baseline", "ratio", "met"], rows),
        "",
        f"API change request round trip p50 {harness.ms(harness.percentile(round_trips, 50))}, "
        f"p99 {harness.ms(harness.percentile(round_trips, 99))}; commit times outside their request: {outside}; "
        f"load batches refused: {stats.refused}.",
    ]
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    env = os.environ.get
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=int(env("BENCH_N", "10")), help="N (env BENCH_N)")
    parser.add_argument("--samples", type=int, default=int(env("BENCH_K", "200")), help="K (env BENCH_K)")
    parser.add_argument("--rate", type=float, default=float(env("BENCH_RATE", "200")), help="step transitions/s")
    parser.add_argument("--steps", type=int, default=10, help="steps per load execution")
    parser.add_argument(
        "--load", choices=["wait", "function"], default="wait", help="load steps: 0.05 s waits or functionCall echo"
    )
    parser.add_argument("--changes-per-probe", type=int, default=10, help="changes before a fresh probe")
    parser.add_argument("--poll", type=float, default=2.0, help="the baseline's polling interval, seconds")
    parser.add_argument("--threads", type=int, default=8, help="WORKFLOWS_THREADS of the server")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of load before the first change")
    parser.add_argument("--max-seconds", type=float, default=600.0, help="give up sampling after this long")
    args = parser.parse_args(argv)
    if min(args.clients, args.samples, args.steps, args.changes_per_probe, args.threads) < 1 or args.rate < 0:
        parser.error("counts must be at least 1 and the rate not negative")
    return args


def main(argv: list[str] | None = None) -> int:
    harness.exit_on_sigterm()
    args = parse_args(argv)
    cpu = harness.CpuShare()
    floor = asyncio.run(broadcast_floor(args.samples))
    specs = {
        harness.PROBE_WORKFLOW: harness.PROBE_SPEC,
        load.LOAD_WORKFLOW: load.load_spec(args.steps, args.load),
    }
    with tempfile.TemporaryDirectory(prefix="bench-ws-latency-") as tmp:
        server = harness.Server(Path(tmp), specs=specs, threads=args.threads)
        with server:
            try:
                result = asyncio.run(measure(server, args))
            except Exception:
                harness.fail("ws_latency: the measurement failed", server)
                raise
        achieved = load.achieved(Path(tmp), result["load"])
    result["others"] = cpu.others()
    if not result["samples"]:
        print("ws_latency: no change could be timed", file=sys.stderr)
        return 1
    print(report(args, result, floor, achieved))
    return 0


if __name__ == "__main__":
    sys.exit(main())
