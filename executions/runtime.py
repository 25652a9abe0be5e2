"""The embedded engine: the executor pool and the scheduler thread inside the serving process.

Started by the serve command, stopped on shutdown; never started as an import side effect.
"""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from django.db import close_old_connections

from executions import scheduler
from executions.dispatch import work
from executions.dispatch.backends import ThreadBackend, get_backend

log = logging.getLogger(__name__)


class SchedulerLoop:
    """Ticks the scheduler and renews this process's leases until `stop` is set."""

    def __init__(self, stop: threading.Event) -> None:
        self.stop = stop

    def run(self) -> None:
        interval = settings.WORKFLOWS_SCHEDULER_INTERVAL
        heartbeat_every = settings.WORKFLOWS_LEASE_SECONDS / 3
        last_heartbeat = 0.0
        while not self.stop.is_set():
            try:
                close_old_connections()
                scheduler.tick()
                if time.monotonic() - last_heartbeat >= heartbeat_every:
                    work.renew_leases()
                    last_heartbeat = time.monotonic()
            except Exception:
                log.exception("scheduler tick failed")
            finally:
                close_old_connections()
            self.stop.wait(interval)


class EmbeddedEngine:
    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        backend = get_backend()
        if isinstance(backend, ThreadBackend):
            backend.start(settings.WORKFLOWS_THREADS)
        self._stop.clear()
        loop = SchedulerLoop(self._stop)
        self._thread = threading.Thread(target=loop.run, name="workflows-scheduler", daemon=True)
        self._thread.start()
        log.info("embedded engine started (%s executor)", settings.WORKFLOWS_EXECUTOR)

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        backend = get_backend()
        if isinstance(backend, ThreadBackend):
            backend.stop(wait=True)
        log.info("embedded engine stopped")
