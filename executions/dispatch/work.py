"""What an executor runs: begin an execution, run one attempt of an integration step, terminate a child.

Each job opens and closes its own database work and never lets an exception escape (a crashed job is
recovered by the scheduler through the attempt's lease).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import close_old_connections
from django.db.models import Q
from django.utils import timezone

from executions import services
from executions.actors import SYSTEM_ENGINE
from executions.engine.protocol import RunStep
from executions.engine.states import StepStatus
from executions.errors import DomainError
from executions.models import HistoryEntry
from executions.steps import CancelToken, StepFailure, run_handler

log = logging.getLogger(__name__)

ACTIVE_STEP = [StepStatus.STARTED, StepStatus.CANCEL_REQUESTED]


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.current_thread().name}"


@dataclass(frozen=True)
class Attempt:
    execution_id: str
    run_id: int
    attempt: int
    worker: str


class RunningAttempts:
    """Attempts running in this process, so terminate can interrupt them and the heartbeat renew them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: dict[tuple[str, int], tuple[Attempt, CancelToken]] = {}

    def add(self, attempt: Attempt) -> CancelToken:
        event = CancelToken()
        with self._lock:
            self._running[(attempt.execution_id, attempt.run_id)] = (attempt, event)
        return event

    def remove(self, execution_id: str, run_id: int) -> None:
        with self._lock:
            self._running.pop((execution_id, run_id), None)

    def cancel(self, execution_id: str, run_id: int) -> None:
        with self._lock:
            item = self._running.get((execution_id, run_id))
        if item is not None:
            item[1].set()

    def attempts(self) -> list[Attempt]:
        with self._lock:
            return [attempt for attempt, _ in self._running.values()]


RUNNING = RunningAttempts()


def _guarded(job_name: str):
    def wrap(func):
        def run(*args, **kwargs):
            close_old_connections()
            try:
                return func(*args, **kwargs)
            except DomainError as exc:
                log.info("%s %s: %s", job_name, args[:1], exc)
            except Exception:
                log.exception("%s %s failed; the scheduler will retry it", job_name, args[:1])
            finally:
                close_old_connections()
            return None

        return run

    return wrap


@_guarded("begin")
def begin(execution_id: str) -> None:
    services.execution_begin(execution_id=execution_id)


@_guarded("terminate")
def terminate(execution_id: str) -> None:
    services.execution_terminate(actor=SYSTEM_ENGINE, execution_id=execution_id, reason="parent step cancelled")


def claim(execution_id: str, command: RunStep, worker: str) -> bool:
    """Compare-and-swap the attempt's lease to this worker; False if the attempt is stale or finished, or if
    another live worker holds it.

    A held attempt is claimed again only once its holder's lease ran out: a message delivered twice (the
    scheduler re-sent it while the first copy waited behind a backlog, a broker redelivered it) must not run
    the same attempt twice at once.
    """
    now = timezone.now()
    return bool(
        HistoryEntry.objects.filter(
            Q(worker="") | Q(lease_expires_at__lte=now),
            execution_id=execution_id,
            run_id=command.run_id,
            attempts=command.attempt,
            status__in=ACTIVE_STEP,
        ).update(worker=worker, lease_expires_at=now + timedelta(seconds=settings.WORKFLOWS_LEASE_SECONDS))
    )


@_guarded("step")
def run_step(execution_id: str, command: RunStep) -> None:
    worker = worker_name()
    if not claim(execution_id, command, worker):
        return
    cancelled = RUNNING.add(Attempt(execution_id, command.run_id, command.attempt, worker))
    try:
        close_old_connections()
        result = run_handler(command, cancelled=cancelled)
    except StepFailure as failure:
        services.step_failed(
            execution_id=execution_id,
            run_id=command.run_id,
            attempt=command.attempt,
            code=failure.code,
            message=failure.message,
        )
    else:
        services.step_completed(
            execution_id=execution_id, run_id=command.run_id, attempt=command.attempt, result=result
        )
    finally:
        RUNNING.remove(execution_id, command.run_id)


def check_running(*, renew: bool) -> int:
    """Heartbeat of a process running attempts: interrupt those that ended elsewhere and, with `renew`, extend
    the leases of the others. Returns how many leases were renewed.

    An attempt ended elsewhere when its entry no longer holds it: terminated (CANCELLED), timed out (the
    scheduler cleared its lease), retried under a new attempt number, or claimed by another worker after this
    one's lease ran out. This is how a cancel reaches an attempt running in another process (Celery workers):
    the database says so, no message needed.
    """
    running = RUNNING.attempts()
    if not running:
        return 0
    held = Q()
    for attempt in running:
        held |= Q(execution_id=attempt.execution_id, run_id=attempt.run_id)
    rows = HistoryEntry.objects.filter(held, status__in=ACTIVE_STEP, lease_expires_at__isnull=False)
    current = {(e, r): (a, w) for e, r, a, w in rows.values_list("execution_id", "run_id", "attempts", "worker")}
    lease = timezone.now() + timedelta(seconds=settings.WORKFLOWS_LEASE_SECONDS)
    renewed = 0
    for attempt in running:
        if current.get((attempt.execution_id, attempt.run_id)) != (attempt.attempt, attempt.worker):
            RUNNING.cancel(attempt.execution_id, attempt.run_id)
        elif renew:
            renewed += HistoryEntry.objects.filter(
                execution_id=attempt.execution_id,
                run_id=attempt.run_id,
                attempts=attempt.attempt,
                worker=attempt.worker,
                lease_expires_at__isnull=False,
            ).update(lease_expires_at=lease)
    return renewed


def renew_leases() -> int:
    """Extend the leases of the attempts this process is running (and interrupt those that ended elsewhere)."""
    return check_running(renew=True)


@_guarded("step")
def run_step_message(execution_id: str, command: dict[str, Any]) -> None:
    """`run_step` for a command that came through a broker as JSON (`command_to_json`)."""
    run_step(execution_id, services.shell.command_from_json(command))
