"""Real OS processes (`manage.py serve`, `run_engine`, `run_scheduler`, `shell`) over one SQLite file.

The test process never opens the database through Django: it reads the same file with the stdlib sqlite3
module (a fresh connection per read, so each read sees the latest commit) and changes it only through
`manage.py shell -c` subprocesses that go through the services, like any other process would.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parents[2]
LEASE_SECONDS = 2
T = TypeVar("T")

ENGINE_ENV = {
    "DJANGO_SETTINGS_MODULE": "workflows_ui.settings",
    "SECRET_KEY": "crash-tests-only",
    "DEBUG": "0",
    "WORKFLOWS_EXECUTOR": "thread",
    "WORKFLOWS_LEASE_SECONDS": str(LEASE_SECONDS),
    "WORKFLOWS_SCHEDULER_INTERVAL": "0.1",
    "WORKFLOWS_HTTP_ALLOW": "127.0.0.1/32",
    "WORKFLOWS_HTTP_CONNECT_TIMEOUT": "2",
    "LOG_LEVEL": "INFO",
    "PYTHONUNBUFFERED": "1",
}

CREATE_WORKFLOW = """
from executions import services
from executions.actors import Actor
services.workflow_create(actor=Actor(label="test:crash", source="cli"), name=params["name"], yaml_text=params["spec"])
result = params["name"]
"""

START_EXECUTIONS = """
from executions import services
from executions.actors import Actor
from executions.models import Workflow
workflow = Workflow.objects.get(name=params["workflow"])
actor = Actor(label="test:crash", source="api")
result = [services.execution_start(actor=actor, workflow=workflow, input=i).pk for i in params["inputs"]]
"""

# The process that received the start dies the instant the execution is committed, before its begin is
# handed to any executor: the on_commit callback registered first runs first.
START_AND_DIE_AFTER_COMMIT = """
import os, signal
from django.db import transaction
from executions import services
from executions.actors import Actor
from executions.models import Workflow
workflow = Workflow.objects.get(name=params["workflow"])
with transaction.atomic():
    transaction.on_commit(lambda: os.kill(os.getpid(), signal.SIGKILL))
    execution = services.execution_start(actor=Actor(label="test:crash", source="api"), workflow=workflow, input={})
    print("RESULT " + json.dumps(execution.pk), flush=True)
"""

_SCRIPT = """
import json, os
params = json.loads(os.environ["CRASH_PARAMS"])
result = None
{body}
print("RESULT " + json.dumps(result), flush=True)
"""


def wait_until(check: Callable[[], T], timeout: float, what: str, *, every: float = 0.05) -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(every)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Process:
    def __init__(self, name: str, args: list[str], env: dict[str, str], log: Path) -> None:
        self.name = name
        self.log = log
        with log.open("wb") as out:
            self.popen = subprocess.Popen(
                [sys.executable, "manage.py", *args], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
            )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def kill(self) -> None:
        """SIGKILL: no handler, no cleanup, no goodbye; whatever it held in memory is gone."""
        self.popen.send_signal(signal.SIGKILL)
        assert self.popen.wait(timeout=10) == -signal.SIGKILL

    def terminate(self, timeout: float = 15) -> int | None:
        if self.popen.poll() is not None:
            return self.popen.returncode
        self.popen.send_signal(signal.SIGTERM)
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(timeout=10)
            return None


class Deployment:
    """One data directory (one SQLite file in WAL mode) shared by every process a test starts."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.db_path = data_dir / "db.sqlite3"
        self.env = {**os.environ, **ENGINE_ENV, "WORKFLOWS_DATA_DIR": str(data_dir)}
        for name in ("DATABASE_URL", "REDIS_URL", "WORKFLOWS_THREADS"):
            self.env.pop(name, None)
        self.processes: list[Process] = []

    # -- processes ------------------------------------------------------------------------------------------

    def manage(self, *args: str) -> None:
        subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, check=True, capture_output=True, timeout=60
        )

    def django(self, body: str, params: Any = None, *, env: dict[str, str] | None = None) -> Any:
        """Run `body` in a `manage.py shell` process; it sets `result`, which comes back through JSON."""
        code, result = self.django_raw(body, params, env=env)
        assert code == 0, f"manage.py shell exited with {code}"
        return result

    def django_raw(self, body: str, params: Any = None, *, env: dict[str, str] | None = None) -> tuple[int, Any]:
        """Like `django`, but returns (exit code, the last result printed) for a process that may not exit 0."""
        completed = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", _SCRIPT.format(body=body)],
            cwd=ROOT,
            env={**self.env, **(env or {}), "CRASH_PARAMS": json.dumps(params)},
            capture_output=True,
            text=True,
            timeout=60,
        )
        if completed.stderr.strip():
            print(completed.stderr)
        lines = [line for line in completed.stdout.splitlines() if line.startswith("RESULT ")]
        return completed.returncode, json.loads(lines[-1].removeprefix("RESULT ")) if lines else None

    def spawn(self, name: str, *args: str) -> Process:
        process = Process(name, list(args), self.env, self.data_dir / f"{name}.log")
        self.processes.append(process)
        return process

    def engine(self, name: str) -> Process:
        """A worker process: executor pool + scheduler loop, no HTTP."""
        return self.spawn(name, "run_engine")

    def web(self, name: str) -> Process:
        """The embedded default: the web process that also runs the pool and the scheduler."""
        return self.spawn(name, "serve", "--port", str(free_port()))

    def scheduler(self, name: str) -> Process:
        return self.spawn(name, "run_scheduler")

    def stop_all(self) -> None:
        for process in self.processes:
            process.terminate()

    def logs(self) -> str:
        return "\n".join(
            f"===== {p.name} (pid {p.pid}) =====\n{p.log.read_text(errors='replace')}" for p in self.processes
        )

    # -- setup through the services -------------------------------------------------------------------------

    def create_workflow(self, name: str, spec: str) -> str:
        return self.django(CREATE_WORKFLOW, {"name": name, "spec": spec})

    def start(self, workflow: str, inputs: list[Any], *, executor: str = "thread") -> list[str]:
        """Start executions from a `manage.py shell` process.

        With the thread executor that process runs no pool, so the begin is not sent anywhere and an engine's
        scheduler begins the execution (after a 2 s grace); with `inline` the shell runs the first steps itself.
        """
        return self.django(
            START_EXECUTIONS, {"workflow": workflow, "inputs": inputs}, env={"WORKFLOWS_EXECUTOR": executor}
        )

    # -- reads ----------------------------------------------------------------------------------------------

    def query(self, sql: str, *params: Any) -> list[dict[str, Any]]:
        with closing(sqlite3.connect(self.db_path, timeout=20)) as conn:
            conn.row_factory = sqlite3.Row
            return [dict(row) for row in conn.execute(sql, params)]

    def execution(self, execution_id: str) -> dict[str, Any]:
        (row,) = self.query(
            "SELECT id, status, result, error_code, error_message, cursor FROM executions_execution WHERE id = ?",
            execution_id,
        )
        return {**row, "result": _json(row["result"]), "cursor": _json(row["cursor"])}

    def statuses(self, ids: list[str]) -> dict[str, str]:
        marks = ",".join("?" * len(ids))
        rows = self.query(f"SELECT id, status FROM executions_execution WHERE id IN ({marks})", *ids)
        return {row["id"]: row["status"] for row in rows}

    def all_finished(self, ids: list[str]) -> bool:
        return set(self.statuses(ids).values()) == {"FINISHED"}

    def history(self, execution_id: str) -> list[dict[str, Any]]:
        rows = self.query(
            "SELECT run_id, path, type, status, attempts, output, last_error_code, timer_at, worker,"
            " lease_expires_at, command FROM executions_historyentry WHERE execution_id = ? ORDER BY run_id",
            execution_id,
        )
        return [{**row, "output": _json(row["output"]), "command": _json(row["command"])} for row in rows]

    def entries(self, execution_id: str, path: str) -> list[dict[str, Any]]:
        return [entry for entry in self.history(execution_id) if entry["path"] == path]

    def pending_timers(self, ids: list[str]) -> list[datetime]:
        marks = ",".join("?" * len(ids))
        rows = self.query(
            f"SELECT timer_at FROM executions_historyentry WHERE timer_at IS NOT NULL AND execution_id IN ({marks})",
            *ids,
        )
        return [datetime.fromisoformat(row["timer_at"]) for row in rows]


def _json(text: str | None) -> Any:
    return None if text is None else json.loads(text)
