"""Scale-out processes over PostgreSQL, Redis and Celery: the crash harness (tests/crash/harness.py), pointed
at a PostgreSQL database and a Redis database of this test's own, with Celery workers among the processes.

Each test gets a database copied from a template migrated once per session (`CREATE DATABASE ... TEMPLATE`)
and a Redis database number nobody else uses (broker queues and channel-layer groups both live there), so two
runs at once, or a run beside a deployment on the same servers, never see each other's messages. The test
process reads the database with psycopg directly (one autocommit connection per read) and changes it only
through the processes it starts, like any other client.
"""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
from contextlib import closing
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

from tests.crash.harness import ROOT, Deployment, Process, free_port, wait_until

LEASE_SECONDS = 3

SCALE_ENV = {
    "WORKFLOWS_EXECUTOR": "celery",
    "WORKFLOWS_LEASE_SECONDS": str(LEASE_SECONDS),
    # Work a killed worker had taken from the broker but not started is sent again after this long.
    "WORKFLOWS_DISPATCH_LEASE_SECONDS": "15",
    "WORKFLOWS_SCHEDULER_INTERVAL": "0.2",
    "WORKFLOWS_THREADS": "6",
    "DATABASE_POOL_MAX_SIZE": "10",
    # The API's rate limits are for clients on the internet, not for a test starting hundreds of executions.
    "WORKFLOWS_API_RATE": "off",
    "WORKFLOWS_API_START_RATE": "off",
}

HOW_TO_RUN = (
    "needs PostgreSQL, Redis and Celery: run with DATABASE_URL=postgres://postgres@127.0.0.1:5432/test "
    "REDIS_URL=redis://127.0.0.1:6379/0 (what .ci/run does in its second pass)"
)


def scale_skip_reason() -> str | None:
    """Why the scale-out tests cannot run here, or None when they can."""
    if urlparse(os.environ.get("DATABASE_URL", "")).scheme not in {"postgres", "postgresql", "pgsql"}:
        return f"DATABASE_URL is not PostgreSQL: {HOW_TO_RUN}"
    if not os.environ.get("REDIS_URL"):
        return f"REDIS_URL is not set: {HOW_TO_RUN}"
    try:
        import celery  # noqa: F401
        import channels_redis  # noqa: F401
        import psycopg  # noqa: F401
    except ImportError as exc:
        return f"{exc.name} is not installed (pip install -e '.[test]')"
    return None


def database_url(name: str) -> str:
    """DATABASE_URL with its database name replaced."""
    parts = urlparse(os.environ["DATABASE_URL"])
    return urlunparse(parts._replace(path=f"/{name}"))


def admin_connection():
    """An autocommit connection to the server's maintenance database, for CREATE and DROP DATABASE."""
    import psycopg

    return psycopg.connect(database_url("postgres"), autocommit=True)


def create_database(name: str, *, template: str | None = None) -> None:
    with closing(admin_connection()) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))


def drop_database(name: str) -> None:
    with closing(admin_connection()) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class RedisDatabase:
    """A Redis database number nobody uses, claimed with a marker key and emptied when released."""

    MARKER = "workflows-ui:test-claim"

    def __init__(self) -> None:
        import redis

        base = urlparse(os.environ["REDIS_URL"])
        for number in range(15, 0, -1):
            url = urlunparse(base._replace(path=f"/{number}"))
            client = redis.Redis.from_url(url)
            if client.dbsize() == 0 and client.set(self.MARKER, str(os.getpid()), nx=True):
                self.url, self.client = url, client
                return
            client.close()
        raise RuntimeError("no empty Redis database to run the scale-out test in")

    def release(self) -> None:
        self.client.flushdb()
        self.client.close()


class Program(Process):
    """A process that is not `manage.py` (a Celery worker)."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log: Path) -> None:
        self.name = name
        self.log = log
        with log.open("wb") as out:
            self.popen = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


class ScaleDeployment(Deployment):
    """Web, Celery worker and scheduler processes over one PostgreSQL database and one Redis database."""

    def __init__(self, data_dir: Path, database: str, redis_url: str) -> None:
        super().__init__(data_dir)
        self.database = database
        self.env.update(SCALE_ENV)
        self.env.update(
            DATABASE_URL=database_url(database),
            REDIS_URL=redis_url,
            CELERY_BROKER_URL=redis_url,
            WORKFLOWS_HEARTBEAT_DIR=str(data_dir / "heartbeat"),
        )
        self.env.pop("CELERY_WORKER_POOL", None)
        self.web_port: int | None = None

    # -- processes ------------------------------------------------------------------------------------------

    def web(self, name: str = "web", *, wait: bool = True) -> Process:
        """`serve --no-engine`: HTTP and websockets only; executions run on the workers."""
        self.web_port = free_port()
        process = self.spawn(name, "serve", "--no-engine", "--port", str(self.web_port))
        if wait:
            self.wait_web(process)
        return process

    def wait_web(self, web: Process) -> None:
        wait_until(
            lambda: self.http_status("/healthz") == 200 or web.popen.poll() is not None, 30, f"{web.name} to answer"
        )
        assert web.popen.poll() is None, f"{web.name} exited:\n{web.log.read_text(errors='replace')}"

    def worker(
        self, name: str, queues: list[str], *, threads: int = 6, env: dict[str, str] | None = None, wait: bool = True
    ) -> Process:
        """A Celery worker serving `queues`; with `wait`, returns once it beat (its heartbeat thread runs)."""
        argv = [sys.executable, "-m", "celery", "-A", "workflows_ui", "worker", "-Q", ",".join(queues)]
        argv += ["-c", str(threads), "-n", f"{name}@%h", "--without-gossip", "--without-mingle", "-l", "INFO"]
        process_env = {**self.env, "WORKFLOWS_HEARTBEAT_DIR": str(self.heartbeat_dir(name)), **(env or {})}
        process = Program(name, argv, process_env, self.data_dir / f"{name}.log")
        self.processes.append(process)
        if wait:
            self.wait_ready(process)
        return process

    def heartbeat_dir(self, name: str) -> Path:
        return self.data_dir / f"heartbeat-{name}"

    def wait_ready(self, worker: Process) -> None:
        beat = self.heartbeat_dir(worker.name) / "worker.heartbeat"
        wait_until(lambda: beat.exists() or worker.popen.poll() is not None, 60, f"{worker.name} to start")
        assert worker.popen.poll() is None, f"{worker.name} exited:\n{worker.log.read_text(errors='replace')}"

    # -- the web process ------------------------------------------------------------------------------------

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.web_port}{path}"

    def http_status(self, path: str) -> int | None:
        try:
            with urllib.request.urlopen(self.url(path), timeout=5) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code
        except OSError:
            return None

    # -- reads ----------------------------------------------------------------------------------------------

    def connect(self):
        import psycopg
        from psycopg.types.string import TextLoader

        conn = psycopg.connect(database_url(self.database), autocommit=True)
        # JSON as text, as the crash harness's sqlite3 reads it (its helpers parse it).
        for name in ("json", "jsonb"):
            conn.adapters.register_loader(name, TextLoader)
        return conn

    def query(self, sql: str, *params: Any) -> list[dict[str, Any]]:
        from psycopg.rows import dict_row

        with closing(self.connect()) as conn, conn.cursor(row_factory=dict_row) as cursor:
            cursor.execute(sql.replace("?", "%s"), params)
            return list(cursor.fetchall()) if cursor.description else []

    def statuses(self, ids: list[str]) -> dict[str, str]:
        rows = self.query("SELECT id, status FROM executions_execution WHERE id = ANY(?)", list(ids))
        return {row["id"]: row["status"] for row in rows}

    def finished_count(self, ids: list[str]) -> int:
        return list(self.statuses(ids).values()).count("FINISHED")
