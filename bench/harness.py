"""What the websocket benchmarks share: a real `manage.py serve`, logging in, the machine line, Markdown tables.

The server is the embedded mode as `./scripts/run` starts it (SQLite in its own data dir, thread executor,
in-process channel layer), bound to 127.0.0.1 only, and always stopped (SIGTERM, then SIGKILL) in `finally`.
"""

from __future__ import annotations

import asyncio
import ctypes
import math
import os
import platform
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))  # the floor measurements use the product's channel layer
HOST = "127.0.0.1"
USERNAME, PASSWORD = "operator", "operator-demo"  # a demo account of `manage.py load_demo`

# The status badge of an execution page's status line, in a pushed fragment.
DETAIL_STATUS = re.compile(r'class="status-line">.{0,400}?badge--(\w+)', re.S)

# The probe: a change to it is what the benchmarks time. It waits an hour, so it stays RUNNING (or PAUSED)
# until the benchmark stops it.
PROBE_WORKFLOW = "bench-probe"
PROBE_SPEC = """\
yawl: "0.1"
start: nap
steps:
  nap:
    wait:
      duration: 3600s
      next: after
  after:
    noOp: {}
"""
SETUP = """
import io

from django.contrib.auth.models import User
from django.core.management import call_command
from executions import services
from executions.actors import Actor
from executions.models import Workflow

call_command("load_demo", stdout=io.StringIO())
actor = Actor(label="system:bench", source="cli")
for name, spec in SPECS.items():
    if not Workflow.objects.filter(name=name).exists():
        services.workflow_create(actor=actor, name=name, yaml_text=spec)
_, text = services.api_token_create(
    actor=actor, owner=User.objects.get(username=USERNAME), name="bench", scope="operate", expires_at=None
)
print("TOKEN=" + text)
"""


def exit_on_sigterm() -> None:
    """SIGTERM unwinds like Ctrl-C, so the `finally` that stops the server runs."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


def _die_with_parent() -> None:
    # In the child before exec: the kernel sends it SIGTERM when the benchmark dies, even by SIGKILL, so no
    # server outlives its benchmark. (Tied to the forking thread: servers are started from the main thread.)
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def machine_line() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f", {int(line.split()[1]) / 1024 / 1024:.1f} GiB RAM"
    except OSError:
        pass
    return (
        f"{os.cpu_count()} CPU (nproc {len(os.sched_getaffinity(0))}), {model}{memory}, "
        f"Linux {platform.release()}, Python {platform.python_version()}"
    )


class CpuShare:
    """How much of the host's CPU other processes used while a benchmark ran: /proc/stat minus our own.

    Our own: this process and its reaped children (the setup commands and the server, once stopped), so read
    `others()` after the server has stopped.
    """

    def __init__(self) -> None:
        self.start = self._sample()

    @staticmethod
    def _sample() -> tuple[float, float, float]:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
        user, nice, system, idle, iowait, irq, softirq, steal = fields
        hz = os.sysconf("SC_CLK_TCK")
        busy = (user + nice + system + irq + softirq + steal) / hz
        own = sum(os.times()[:4])  # user, system, children's user, children's system
        return busy, busy + (idle + iowait) / hz, own

    def others(self) -> float:
        """Other processes' CPU time over the run, as a fraction of all the host's CPU time."""
        (busy0, total0, own0), (busy1, total1, own1) = self.start, self._sample()
        return max(0.0, (busy1 - busy0) - (own1 - own0)) / max(total1 - total0, 1e-9)


def others_line(share: float) -> str:
    line = f"other processes on the host used {share:.0%} of its CPU during the run"
    if share > 0.1:
        line += ": it was busy, so these figures are slower than on an idle host and not comparable with them"
    return line


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def ms(seconds: float) -> str:
    if math.isnan(seconds):
        return "n/a"
    return f"{seconds:.2f} s" if seconds >= 1 else f"{seconds * 1000:.1f} ms"


def times(ratio: float) -> str:
    """A ratio as "7x" (or "1.4x" below 10)."""
    if math.isnan(ratio) or math.isinf(ratio):
        return "n/a"
    return f"{ratio:.1f}x" if ratio < 10 else f"{ratio:.0f}x"


def wait_until(check, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.05)
    raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")


class Server:
    """`manage.py serve` in embedded mode over a fresh SQLite data dir, with the demo accounts and a token."""

    def __init__(self, data_dir: Path, *, specs: dict[str, str], threads: int = 8) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.origin = self.url
        self.specs = specs
        self.env = {
            **os.environ,
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(40),
            "LOG_LEVEL": "WARNING",
            "WORKFLOWS_DATA_DIR": str(data_dir),
            "WORKFLOWS_EXECUTOR": "thread",
            "WORKFLOWS_THREADS": str(threads),
            "WORKFLOWS_SCHEDULER_INTERVAL": "0.1",
            # The load and the timed changes go through the native API: its per-token rates would cap them.
            "WORKFLOWS_API_RATE": "off",
            "WORKFLOWS_API_START_RATE": "off",
        }
        for name in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE"):
            self.env.pop(name, None)
        self.process: subprocess.Popen | None = None
        self.log_path = data_dir / "serve.log"
        self.token = ""

    def manage(self, *args: str, timeout: float = 120) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {args[0]} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def start(self) -> None:
        self.manage("migrate", "--noinput")
        code = f"SPECS = {self.specs!r}\nUSERNAME = {USERNAME!r}\n" + SETUP
        output = self.manage("shell", "-c", code)
        self.token = next(line[6:] for line in output.splitlines() if line.startswith("TOKEN="))
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "manage.py", "serve", "--host", HOST, "--port", str(self.port)],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,
            )
        wait_until(self._responds, 60, "the server to answer")

    def _responds(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"the server exited with {self.process.returncode}: see {self.log_path}")
        try:
            return httpx.get(self.url + "/login/", timeout=1, trust_env=False).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def __enter__(self) -> Server:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def rss_kib(self) -> int:
        """The server's resident set (VmRSS), in KiB."""
        assert self.process is not None
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError("no VmRSS in /proc/<pid>/status")

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def api(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.url,
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=30,
            trust_env=False,
        )

    def login(self) -> str:
        """Log in through the login form, as a browser does; returns the Cookie header of that session."""
        with httpx.Client(base_url=self.url, timeout=10, trust_env=False) as client:
            page = client.get("/login/")
            match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
            if match is None:
                raise RuntimeError("the login page has no CSRF token")
            response = client.post(
                "/login/",
                data={"username": USERNAME, "password": PASSWORD, "csrfmiddlewaretoken": match.group(1)},
                headers={"Origin": self.origin, "Referer": self.url + "/login/"},
            )
            if response.status_code != 302 or "sessionid" not in client.cookies:
                raise RuntimeError(f"logging in failed: HTTP {response.status_code}")
            return "; ".join(f"{name}={client.cookies[name]}" for name in ("sessionid", "csrftoken"))


async def start_probe(api: httpx.AsyncClient) -> str:
    """Start a probe and wait until it runs (it begins on the executor, behind any load)."""
    response = await api.post("/api/v1/executions/", json={"workflow_id": PROBE_WORKFLOW, "input": {}})
    response.raise_for_status()
    probe = response.json()["id"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if (await api.get(f"/api/v1/executions/{probe}/")).json()["status"] == "running":
            return probe
        await asyncio.sleep(0.02)
    raise TimeoutError(f"probe {probe} never started running")


async def commit_time(api: httpx.AsyncClient, probe: str, action: str, nth: int = -1) -> float:
    """When the probe's `nth` change of this kind committed: its audit event, written in that transaction."""
    events = (await api.get(f"/api/v1/executions/{probe}/audit/")).json()["events"]
    return datetime.fromisoformat([e for e in events if e["action"] == action][nth]["created_at"]).timestamp()


async def open_socket(server: Server, cookie: str, path: str, **options: Any) -> ClientConnection:
    """A websocket as the dashboard's page opens it: the session cookie and a same-origin Origin header."""
    return await connect(
        f"ws://{HOST}:{server.port}{path}",
        origin=server.origin,
        additional_headers={"Cookie": cookie},
        proxy=None,  # 127.0.0.1 only, whatever the environment's proxy settings
        max_size=16 * 1024 * 1024,
        open_timeout=60,
        **options,
    )


def shown_status(kind: str, text: str, probe: str) -> str | None:
    """The probe's status in a pushed fragment: the execution page's status line, or the probe's list row."""
    if kind == "detail":
        match = DETAIL_STATUS.search(text)
        return match.group(1) if match else None
    start = text.find(f'<tr id="execution-row-{probe}"')
    if start < 0:
        return None
    match = re.search(r"badge--(\w+)", text[start : text.find("</tr>", start)])
    return match.group(1) if match else None


def fail(message: str, server: Server | None = None) -> None:
    print(message, file=sys.stderr)
    if server is not None:
        print(f"--- last lines of {server.log_path}:\n{server.log_tail()}", file=sys.stderr)
