"""Health of this process and of what it depends on: `/healthz`, `/readyz` and `manage.py healthcheck`.

Liveness of the processes that serve no HTTP (Celery workers, schedulers) is a heartbeat file each touches
from its loop, `<WORKFLOWS_HEARTBEAT_DIR>/<process>.heartbeat`: a probe in the same container (or on the same
host) reads its age. Readiness checks reach the database, the channel layer (Redis, when configured) and, for
workers, the Celery broker. Each check returns None when healthy, or what is wrong.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from django.conf import settings
from django.db import connection

log = logging.getLogger(__name__)

PROCESSES = ("web", "worker", "scheduler")
CHECK_TIMEOUT_SECONDS = 2.0


def heartbeat_path(process: str) -> Path:
    return Path(settings.WORKFLOWS_HEARTBEAT_DIR) / f"{process}.heartbeat"


def beat(process: str) -> None:
    """Tell the liveness probe this process's loop is still turning. Never raises: a full disk must not stop
    the loop that runs executions, it only makes the probe fail."""
    path = heartbeat_path(process)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
    except OSError:
        log.warning("cannot touch the heartbeat file %s", path, exc_info=True)


def heartbeat_age(process: str) -> float | None:
    """Seconds since the process last beat, or None if it never did."""
    try:
        return max(0.0, time.time() - heartbeat_path(process).stat().st_mtime)
    except FileNotFoundError:
        return None


def check_heartbeat(process: str, max_age: float) -> str | None:
    age = heartbeat_age(process)
    if age is None:
        return f"no heartbeat yet ({heartbeat_path(process)} does not exist)"
    if age > max_age:
        return f"last heartbeat {age:.1f}s ago (more than {max_age:g}s)"
    return None


def check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:
        return f"database unreachable: {exc}".strip()
    return None


def check_channel_layer() -> str | None:
    """The Redis behind the channel layer answers PING (the in-process layer of the embedded mode always is)."""
    if not settings.REDIS_URL:
        return None
    import redis

    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=CHECK_TIMEOUT_SECONDS, socket_timeout=CHECK_TIMEOUT_SECONDS
    )
    try:
        client.ping()
    except Exception as exc:
        return f"channel layer (Redis) unreachable: {exc}"
    finally:
        client.close()
    return None


def check_broker() -> str | None:
    """The Celery broker accepts a connection (only with the celery executor)."""
    if settings.WORKFLOWS_EXECUTOR != "celery":
        return None
    from workflows_ui.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=CHECK_TIMEOUT_SECONDS)
    except Exception as exc:
        return f"Celery broker unreachable: {exc}"
    return None


def readiness() -> dict[str, str]:
    """The web's readiness: the database and the channel layer, each "ok" or what is wrong."""
    checks = {"database": check_database(), "channel_layer": check_channel_layer()}
    return {name: problem or "ok" for name, problem in checks.items()}
