"""Websocket clients per web process: C sockets on one execution's page, one update delivered to all of them.

A real `manage.py serve` (embedded mode, SQLite, thread executor) runs in a temp data dir; the benchmark logs in
as the demo operator and opens C websockets to one probe execution's page socket from this process (one
asyncio loop). It reports how long connecting took, how long after the commit of one change (a resume through
the native API; commit time from its audit event) the last of the C sockets received the fragment showing it,
how many received it, and the server's memory per socket (VmRSS after connecting minus before, divided by C).

Baseline, in the same run and server: one socket, connected alone before the C, and a change delivered to it
(the pause that the resume undoes: the same fragment).

The file-descriptor limit is raised (soft up to the hard limit) before the server starts, which inherits it;
if the hard limit cannot hold C sockets on each side, C is lowered and the table says so.

    .venv/bin/python bench/ws_clients.py [--clients C] [--deadline S] [--no-compression]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import harness
import httpx
from websockets.asyncio.client import ClientConnection

TARGET_ALL = 1.0
FD_MARGIN = 256  # database files, logs, the HTTP clients, the server's own sockets
CONNECT_CONCURRENCY = 100  # handshakes in flight at once, as a crowd of browsers reconnecting would be


@dataclass
class Crowd:
    sockets: list[ClientConnection] = field(default_factory=list)
    connect_times: list[float] = field(default_factory=list)
    failures: int = 0
    connect_wall: float = 0.0


def raise_fd_limit(clients: int) -> tuple[int, str]:
    """Soft RLIMIT_NOFILE up to what C sockets need (at most the hard limit); returns C and what was done."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = clients + FD_MARGIN
    ceiling = needed if hard == resource.RLIM_INFINITY else hard
    if needed > ceiling:
        lowered = max(1, ceiling - FD_MARGIN)
        note = f"C lowered from {clients} to {lowered}: the hard file-descriptor limit is {hard}"
        clients, needed = lowered, ceiling
    else:
        note = ""
    new_soft = max(soft, min(ceiling, max(needed, soft)))
    if new_soft != soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (new_soft, hard))
    limits = f"RLIMIT_NOFILE soft {soft} -> {new_soft} (hard {hard})"
    return clients, f"{limits}; {note}" if note else limits


async def connect_crowd(server, cookie: str, path: str, count: int, compression: str | None) -> Crowd:
    crowd = Crowd()
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def one() -> None:
        async with gate:
            began = time.perf_counter()
            try:
                # No idle pings: C sockets pinging would be load the benchmark makes, not the dashboard.
                ws = await harness.open_socket(server, cookie, path, compression=compression, ping_interval=None)
            except Exception:
                crowd.failures += 1
                return
            crowd.connect_times.append(time.perf_counter() - began)
            crowd.sockets.append(ws)

    began = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(count)))
    crowd.connect_wall = time.perf_counter() - began
    return crowd


async def until_shown(ws: ClientConnection, probe: str, status: str, deadline: float) -> float | None:
    """Wall-clock arrival of the first frame that shows the probe in `status`; None past the deadline."""
    loop = asyncio.get_running_loop()
    while (left := deadline - loop.time()) > 0:
        try:
            message = await asyncio.wait_for(ws.recv(), left)
        except Exception:  # past the deadline, or the socket closed
            return None
        arrival = time.time()
        text = message if isinstance(message, str) else message.decode()
        if harness.shown_status("detail", text, probe) == status:
            return arrival
    return None


async def change_and_watch(api: httpx.AsyncClient, probe: str, action: str, sockets, deadline: float) -> dict:
    """Make one change; collect each socket's arrival of it; the commit time from the change's audit event."""
    status = {"pause": "paused", "resume": "running"}[action]
    loop = asyncio.get_running_loop()
    end = loop.time() + deadline
    watching = [asyncio.create_task(until_shown(ws, probe, status, end)) for ws in sockets]
    await asyncio.sleep(0)  # every reader is waiting before the change commits
    response = await api.post(f"/api/v1/executions/{probe}/{action}/", json={})
    response.raise_for_status()
    arrivals = [a for a in await asyncio.gather(*watching) if a is not None]
    committed = await harness.commit_time(api, probe, action)
    return {"delays": sorted(a - committed for a in arrivals), "sockets": len(sockets)}


async def measure(server: harness.Server, args: argparse.Namespace) -> dict:
    cookie = server.login()
    compression = None if args.no_compression else "deflate"
    async with server.api() as api:
        probe = await harness.start_probe(api)
        path = f"/ws/executions/{probe}/"
        alone = await connect_crowd(server, cookie, path, 1, compression)
        single = await change_and_watch(api, probe, "pause", alone.sockets, args.deadline)
        await asyncio.sleep(0.5)
        rss_before = server.rss_kib()
        crowd = await connect_crowd(server, cookie, path, args.clients, compression)
        await asyncio.sleep(1.0)  # let the server finish the handshakes' work before reading its memory
        rss_after = server.rss_kib()
        try:
            fanout = await change_and_watch(api, probe, "resume", crowd.sockets, args.deadline)
        finally:
            closing = [ws.close() for ws in crowd.sockets + alone.sockets]
            await asyncio.wait_for(asyncio.gather(*closing, return_exceptions=True), 60)
    return {
        "alone": alone,
        "single": single,
        "crowd": crowd,
        "fanout": fanout,
        "rss": (rss_before, rss_after),
    }


def report(args: argparse.Namespace, result: dict, fd_note: str) -> str:
    crowd, alone, fanout, single = result["crowd"], result["alone"], result["fanout"], result["single"]
    ms, pct = harness.ms, harness.percentile
    before, after = result["rss"]
    per_client = (after - before) / max(len(crowd.sockets), 1)
    last = fanout["delays"][-1] if fanout["delays"] else float("nan")
    single_delay = single["delays"][0] if single["delays"] else float("nan")
    received, connected = len(fanout["delays"]), len(crowd.sockets)
    within = sum(1 for d in fanout["delays"] if d <= TARGET_ALL)

    def ratio(measured: float, baseline: float) -> str:
        return harness.times(measured / baseline) if baseline > 0 else "n/a"

    rows = [
        ["sockets connected", f"{args.clients}", f"{connected} ({crowd.failures} failed)", "1", "—",
         "yes" if connected == args.clients else "NO"],
        ["connect time, all C", "—", f"{crowd.connect_wall:.2f} s", ms(alone.connect_wall),
         ratio(crowd.connect_wall, alone.connect_wall), "—"],
        ["connect time per socket, p50 / p99", "—",
         f"{ms(pct(crowd.connect_times, 50))} / {ms(pct(crowd.connect_times, 99))}", ms(pct(alone.connect_times, 50)),
         ratio(pct(crowd.connect_times, 50), pct(alone.connect_times, 50)), "—"],
        ["update: commit to the last socket", f"<= {TARGET_ALL:.0f} s", ms(last), ms(single_delay),
         ratio(last, single_delay), "yes" if last <= TARGET_ALL and received == connected else "NO"],
        ["update: commit to socket, p50", "—", ms(pct(fanout["delays"], 50)), ms(single_delay),
         ratio(pct(fanout["delays"], 50), single_delay), "—"],
        ["sockets that received the update", f"all {connected}", f"{received} ({within} within 1 s)",
         f"{len(single['delays'])} of 1", "—", "yes" if received == connected else "NO"],
        ["server memory per socket (VmRSS delta / C)", "—", f"{per_client:.0f} KiB",
         f"{before / 1024:.0f} MiB idle", "—", "—"],
        ["server VmRSS before / after connecting", "—", f"{before / 1024:.0f} / {after / 1024:.0f} MiB", "—", "—", "—"],
    ]  # fmt: skip
    lines = [
        "### ws_clients: websocket clients per web process",
        "",
        f"machine: {harness.machine_line()}",
        harness.others_line(result["others"]),
        f"settings: C={args.clients} sockets on one execution's page socket, one web process (uvicorn, "
        f"embedded engine, SQLite), clients in one asyncio loop, {CONNECT_CONCURRENCY} handshakes at a time, "
        f"permessage-deflate {'off' if args.no_compression else 'on (as browsers negotiate)'}, "
        f"delivery deadline {args.deadline:g} s; baseline: the same with 1 socket; {fd_note}",
        "",
        harness.markdown_table(["figure", "target", "measured", "baseline", "ratio", "met"], rows),
    ]
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=int(os.environ.get("BENCH_C", "1000")), help="C (env BENCH_C)")
    parser.add_argument("--deadline", type=float, default=60.0, help="seconds to wait for the update to arrive")
    parser.add_argument("--no-compression", action="store_true", help="do not offer permessage-deflate")
    args = parser.parse_args(argv)
    if args.clients < 1 or args.deadline <= 0:
        parser.error("--clients must be at least 1 and --deadline positive")
    return args


def main(argv: list[str] | None = None) -> int:
    harness.exit_on_sigterm()
    args = parse_args(argv)
    cpu = harness.CpuShare()
    requested = args.clients
    args.clients, fd_note = raise_fd_limit(args.clients)
    if args.clients != requested:
        print(f"ws_clients: {fd_note}", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="bench-ws-clients-") as tmp:
        server = harness.Server(Path(tmp), specs={harness.PROBE_WORKFLOW: harness.PROBE_SPEC})
        with server:
            try:
                result = asyncio.run(measure(server, args))
            except Exception:
                harness.fail("ws_clients: the measurement failed", server)
                raise
    result["others"] = cpu.others()
    print(report(args, result, fd_note))
    return 0


if __name__ == "__main__":
    sys.exit(main())
