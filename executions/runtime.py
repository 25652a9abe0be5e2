"""The engine's loops: the scheduler loop, the embedded engine (executor pool + scheduler inside the serving
process) and the heartbeat of Celery worker processes.

Started by the serve, run_engine and run_scheduler commands and by Celery's worker signals; never started as
an import side effect.
"""

from __future__ import annotations

import logging
import os
import threading
import time

from django.conf import settings
from django.db import close_old_connections

from executions import health, scheduler
from executions.dispatch import work
from executions.dispatch.backends import ThreadBackend, get_backend

log = logging.getLogger(__name__)

# How often a worker checks whether the attempts it runs were cancelled elsewhere (terminate, step timeout).
CANCEL_CHECK_SECONDS = 1.0


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
                renew = time.monotonic() - last_heartbeat >= heartbeat_every
                work.check_running(renew=renew)
                if renew:
                    last_heartbeat = time.monotonic()
                health.beat("scheduler")
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


class WorkerHeartbeat:
    """A thread in each process that runs Celery tasks: renews the leases of the attempts it runs, interrupts
    those that ended elsewhere (a terminate, a step timeout: see `work.check_running`) and touches the
    worker's liveness file.

    Started per process id, so a child forked from a parent that already runs one starts its own (threads do
    not survive a fork).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._stop = threading.Event()

    def start(self) -> None:
        with self._lock:
            if self._pid == os.getpid():
                return
            self._pid = os.getpid()
            self._stop = threading.Event()
            threading.Thread(target=self._run, args=(self._stop,), name="workflows-heartbeat", daemon=True).start()

    def stop(self) -> None:
        with self._lock:
            self._stop.set()
            self._pid = None

    def _run(self, stop: threading.Event) -> None:
        renew_every = settings.WORKFLOWS_LEASE_SECONDS / 3
        last_renewal = 0.0
        while not stop.is_set():
            try:
                renew = time.monotonic() - last_renewal >= renew_every
                work.check_running(renew=renew)
                if renew:
                    last_renewal = time.monotonic()
                health.beat("worker")
            except Exception:
                log.exception("worker heartbeat failed")
            finally:
                close_old_connections()
            stop.wait(min(CANCEL_CHECK_SECONDS, renew_every))


_worker_heartbeat = WorkerHeartbeat()


def worker_heartbeat() -> WorkerHeartbeat:
    return _worker_heartbeat
