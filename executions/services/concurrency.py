"""Concurrency limits: at most N executions that share a `concurrency_key` run at once.

The limit of an execution with a non-empty key is its workflow's `concurrency_limit`, else the setting
WORKFLOWS_CONCURRENCY_LIMIT (0: no limit). Executions without a key are never limited, and neither are child
executions (they get no key: a parent holding the last slot must not wait for a child that waits for a slot).
RUNNING and PAUSED executions hold a slot.

An execution beyond the limit stays QUEUED when its begin comes (`execution_begin`). When a keyed execution
ends, the oldest execution waiting on the same key is sent its begin after commit; the scheduler does the
same for every key with a free slot (a lost message, a raised limit). Operator actions (resume, retry) are
not held back: they act on executions that already began.

Counting and beginning happen under a per-key lock, so two workers beginning two executions of one key at
once cannot both take the last slot: a transaction-scoped advisory lock on PostgreSQL; on SQLite every write
transaction is IMMEDIATE and holds the database's write lock, which serialises them already.
"""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.db import connection
from django.db.models import Q

from executions import dispatch
from executions.engine.states import ExecutionStatus
from executions.models import Execution, Workflow

log = logging.getLogger(__name__)

HOLDING_A_SLOT = [ExecutionStatus.RUNNING, ExecutionStatus.PAUSED]


def never_begun() -> Q:
    return Q(status=ExecutionStatus.QUEUED) & (Q(cursor={}) | Q(cursor__isnull=True))


def limit_for(*, concurrency_key: str, workflow_limit: int | None) -> int:
    """The limit for one key (0: none)."""
    if not concurrency_key:
        return 0
    return workflow_limit or settings.WORKFLOWS_CONCURRENCY_LIMIT


def holding(concurrency_key: str) -> int:
    """How many executions hold a slot of this key (served by the (concurrency_key, status) index)."""
    return Execution.objects.filter(concurrency_key=concurrency_key, status__in=HOLDING_A_SLOT).count()


def slot_free(execution: Execution) -> bool:
    """Whether the execution, about to begin, may take a slot; called inside the begin's transaction."""
    if not execution.concurrency_key:
        return True
    workflow_limit = Workflow.objects.filter(pk=execution.workflow_id).values_list("concurrency_limit", flat=True)
    limit = limit_for(concurrency_key=execution.concurrency_key, workflow_limit=workflow_limit.first())
    if not limit:
        return True
    lock_key(execution.concurrency_key)
    return holding(execution.concurrency_key) < limit


def lock_key(concurrency_key: str) -> None:
    if connection.vendor != "postgresql":
        return
    digest = hashlib.blake2b(concurrency_key.encode(), digest_size=8).digest()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest, "big", signed=True)])


def begin_next_waiting(concurrency_key: str) -> None:
    """After a keyed execution ended: send its begin to the oldest execution waiting on the key."""
    try:
        waiting = (
            Execution.objects.filter(never_begun(), concurrency_key=concurrency_key)
            .order_by("created_at", "id")
            .values_list("pk", "queue_name")
            .first()
        )
        if waiting is not None:
            dispatch.begin(waiting[0], queue=waiting[1])
    except Exception:
        log.warning("could not begin the next execution of key %r; the scheduler will", concurrency_key, exc_info=True)
