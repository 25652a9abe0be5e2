from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import Protocol

from django.conf import settings

from executions.dispatch import work
from executions.engine.protocol import RunStep

log = logging.getLogger(__name__)


class Backend(Protocol):
    def submit_begin(self, execution_id: str) -> None: ...
    def submit_step(self, execution_id: str, command: RunStep) -> None: ...
    def submit_terminate(self, execution_id: str) -> None: ...
    def cancel_step(self, execution_id: str, run_id: int) -> None: ...


class InlineBackend:
    """Runs work in the calling thread once the current work item is done.

    Work submitted while draining is queued, not recursed into: a long workflow would otherwise nest one
    stack level per step.
    """

    def __init__(self) -> None:
        self._local = threading.local()

    def _run(self, job: Callable[[], None]) -> None:
        queue: deque[Callable[[], None]] | None = getattr(self._local, "queue", None)
        if queue is not None:
            queue.append(job)
            return
        self._local.queue = queue = deque([job])
        try:
            while queue:
                queue.popleft()()
        finally:
            self._local.queue = None

    def submit_begin(self, execution_id: str) -> None:
        self._run(lambda: work.begin(execution_id))

    def submit_step(self, execution_id: str, command: RunStep) -> None:
        self._run(lambda: work.run_step(execution_id, command))

    def submit_terminate(self, execution_id: str) -> None:
        self._run(lambda: work.terminate(execution_id))

    def cancel_step(self, execution_id: str, run_id: int) -> None:
        work.RUNNING.cancel(execution_id, run_id)


class ThreadBackend:
    """A thread pool inside this process, started by the serve command (never as an import side effect).

    Work submitted while no pool runs (a management command, a shell) is dropped here; the scheduler of the
    serving process finds it in the database and sends it again.
    """

    def __init__(self) -> None:
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def start(self, threads: int) -> None:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="workflows-step")

    def stop(self, wait: bool = True) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=wait, cancel_futures=True)

    @property
    def running(self) -> bool:
        return self._pool is not None

    def _submit(self, job: Callable[[], None]) -> None:
        pool = self._pool
        if pool is None:
            log.debug("no executor pool in this process; the scheduler will pick the work up")
            return
        try:
            pool.submit(job)
        except RuntimeError:  # shutting down
            log.info("executor pool is shutting down; the scheduler will pick the work up")

    def submit_begin(self, execution_id: str) -> None:
        self._submit(lambda: work.begin(execution_id))

    def submit_step(self, execution_id: str, command: RunStep) -> None:
        self._submit(lambda: work.run_step(execution_id, command))

    def submit_terminate(self, execution_id: str) -> None:
        self._submit(lambda: work.terminate(execution_id))

    def cancel_step(self, execution_id: str, run_id: int) -> None:
        work.RUNNING.cancel(execution_id, run_id)


@cache
def _backend(name: str) -> Backend:
    if name == "inline":
        return InlineBackend()
    if name == "thread":
        return ThreadBackend()
    raise NotImplementedError(f"executor {name!r} is not available yet")


def get_backend() -> Backend:
    return _backend(settings.WORKFLOWS_EXECUTOR)
