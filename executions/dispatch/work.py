"""What an executor runs: begin an execution, run one attempt of an integration step, terminate a child.

Each job opens and closes its own database work and never lets an exception escape (a crashed job is
recovered by the scheduler through the attempt's lease).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

from executions import services
from executions.actors import SYSTEM_ENGINE
from executions.engine.protocol import RunStep
from executions.engine.states import StepStatus
from executions.errors import DomainError
from executions.models import HistoryEntry
from executions.steps import StepFailure, run_handler

log = logging.getLogger(__name__)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.current_thread().name}"


class RunningAttempts:
    """Attempts running in this process, so terminate can interrupt them and the heartbeat renew them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: dict[tuple[str, int], threading.Event] = {}

    def add(self, execution_id: str, run_id: int) -> threading.Event:
        event = threading.Event()
        with self._lock:
            self._events[(execution_id, run_id)] = event
        return event

    def remove(self, execution_id: str, run_id: int) -> None:
        with self._lock:
            self._events.pop((execution_id, run_id), None)

    def cancel(self, execution_id: str, run_id: int) -> None:
        with self._lock:
            event = self._events.get((execution_id, run_id))
        if event is not None:
            event.set()

    def keys(self) -> list[tuple[str, int]]:
        with self._lock:
            return list(self._events)


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
    """Compare-and-swap the attempt's lease to this worker; False if the attempt is stale or finished."""
    lease = timezone.now() + timedelta(seconds=settings.WORKFLOWS_LEASE_SECONDS)
    return bool(
        HistoryEntry.objects.filter(
            execution_id=execution_id,
            run_id=command.run_id,
            attempts=command.attempt,
            status__in=[StepStatus.STARTED, StepStatus.CANCEL_REQUESTED],
        ).update(worker=worker, lease_expires_at=lease)
    )


@_guarded("step")
def run_step(execution_id: str, command: RunStep) -> None:
    worker = worker_name()
    if not claim(execution_id, command, worker):
        return
    cancelled = RUNNING.add(execution_id, command.run_id)
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


def renew_leases() -> int:
    """Heartbeat: extend the leases of the attempts this process is running."""
    keys = RUNNING.keys()
    if not keys:
        return 0
    lease = timezone.now() + timedelta(seconds=settings.WORKFLOWS_LEASE_SECONDS)
    renewed = 0
    for execution_id, run_id in keys:
        renewed += HistoryEntry.objects.filter(
            execution_id=execution_id, run_id=run_id, lease_expires_at__isnull=False
        ).update(lease_expires_at=lease)
    return renewed
