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
    # False when work handed over here would be dropped: the scheduler must not claim what it cannot run.
    accepts_work: bool
    begin_grace_seconds: float

    def submit_begin(self, execution_id: str, *, queue: str | None = None) -> None: ...
    def submit_step(self, execution_id: str, command: RunStep, *, queue: str | None = None) -> None: ...
    def submit_terminate(self, execution_id: str, *, queue: str | None = None) -> None: ...
    def cancel_step(self, execution_id: str, run_id: int) -> None: ...


# An in-process executor hands a begin over at once: one not begun after this long was lost.
IN_PROCESS_BEGIN_GRACE = 2.0


class InlineBackend:
    """Runs work in the calling thread once the current work item is done.

    Work submitted while draining is queued, not recursed into: a long workflow would otherwise nest one
    stack level per step.
    """

    accepts_work = True
    begin_grace_seconds = IN_PROCESS_BEGIN_GRACE

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

    def submit_begin(self, execution_id: str, *, queue: str | None = None) -> None:
        self._run(lambda: work.begin(execution_id))

    def submit_step(self, execution_id: str, command: RunStep, *, queue: str | None = None) -> None:
        self._run(lambda: work.run_step(execution_id, command))

    def submit_terminate(self, execution_id: str, *, queue: str | None = None) -> None:
        self._run(lambda: work.terminate(execution_id))

    def cancel_step(self, execution_id: str, run_id: int) -> None:
        work.RUNNING.cancel(execution_id, run_id)


class ThreadBackend:
    """A thread pool inside this process, started by the serve command (never as an import side effect).

    Work submitted while no pool runs (a management command, a shell) is dropped here; the scheduler of the
    serving process finds it in the database and sends it again. A scheduler in a process without a pool
    (`run_scheduler` with this executor) sees `accepts_work` False and leaves that work to the processes
    that have one, instead of claiming it and dropping it.
    """

    begin_grace_seconds = IN_PROCESS_BEGIN_GRACE

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

    @property
    def accepts_work(self) -> bool:
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

    def submit_begin(self, execution_id: str, *, queue: str | None = None) -> None:
        self._submit(lambda: work.begin(execution_id))

    def submit_step(self, execution_id: str, command: RunStep, *, queue: str | None = None) -> None:
        self._submit(lambda: work.run_step(execution_id, command))

    def submit_terminate(self, execution_id: str, *, queue: str | None = None) -> None:
        self._submit(lambda: work.terminate(execution_id))

    def cancel_step(self, execution_id: str, run_id: int) -> None:
        work.RUNNING.cancel(execution_id, run_id)


class CeleryBackend:
    """Celery workers: each job is a task on the Celery queue named by the execution's `queue_name`.

    Publishing happens after commit. A failed publish (broker down) is logged and dropped, never raised into
    the request that committed: the attempt's dispatch lease, or the begin grace, runs out and the scheduler
    sends the work again. Cancelling a running attempt needs no message: the heartbeat of the worker running
    it sees the attempt end in the database and interrupts it (`work.check_running`).
    """

    accepts_work = True

    def __init__(self) -> None:
        from executions import tasks  # Celery is imported only by processes that chose this executor

        self._tasks = tasks

    @property
    def begin_grace_seconds(self) -> float:
        # A begin may sit behind a backlog on the broker: resending it after 2 s would only add duplicates.
        return settings.WORKFLOWS_DISPATCH_LEASE_SECONDS

    def _send(self, task, execution_id: str, *args, queue: str | None) -> None:
        try:
            task.apply_async(args=(execution_id, *args), queue=queue or _queue_of(execution_id))
        except Exception:
            log.warning(
                "could not send %s for %s to Celery; the scheduler will send it again",
                task.name,
                execution_id,
                exc_info=True,
            )

    def submit_begin(self, execution_id: str, *, queue: str | None = None) -> None:
        self._send(self._tasks.begin, execution_id, queue=queue)

    def submit_step(self, execution_id: str, command: RunStep, *, queue: str | None = None) -> None:
        from executions.services.shell import command_to_json

        self._send(self._tasks.run_step, execution_id, command_to_json(command), queue=queue)

    def submit_terminate(self, execution_id: str, *, queue: str | None = None) -> None:
        self._send(self._tasks.terminate, execution_id, queue=queue)

    def cancel_step(self, execution_id: str, run_id: int) -> None:
        work.RUNNING.cancel(execution_id, run_id)  # when it runs in this process; else its worker's heartbeat


def _queue_of(execution_id: str) -> str:
    from executions.models import Execution

    queue = Execution.objects.filter(pk=execution_id).values_list("queue_name", flat=True).first()
    return queue or settings.CELERY_TASK_DEFAULT_QUEUE


@cache
def _backend(name: str) -> Backend:
    if name == "inline":
        return InlineBackend()
    if name == "thread":
        return ThreadBackend()
    if name == "celery":
        return CeleryBackend()
    raise ValueError(f"unknown executor {name!r}")


def get_backend() -> Backend:
    return _backend(settings.WORKFLOWS_EXECUTOR)
