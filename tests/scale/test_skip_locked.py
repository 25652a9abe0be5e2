"""On PostgreSQL the scheduler skips rows another transaction holds (SKIP LOCKED) instead of waiting behind
them: a replica, or a worker advancing the execution, never stalls a sweep; the row is due again next tick."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from executions import scheduler
from executions.models import HistoryEntry
from tests.conftest import WAITING_SPEC
from tests.services.helpers_integration import serving, start, start_without_workers, use_inline_workers

pytestmark = [pytest.mark.scale, pytest.mark.django_db(transaction=True)]

CALL = "yawl: \"0.1\"\nstart: call\nsteps:\n  call:\n    httpCall:\n      url: 'URL'\n"


@contextmanager
def held_by_another_transaction(sql: str, *params) -> Iterator[None]:
    import psycopg

    db = connection.settings_dict
    with psycopg.connect(dbname=db["NAME"], host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"]) as other:
        other.execute(sql, params)  # psycopg opens a transaction: the lock is held until the block ends
        yield


def test_a_due_timer_of_an_execution_another_transaction_holds_is_left_for_the_next_tick():
    execution = start(WAITING_SPEC, {})
    due = timezone.now() + timedelta(seconds=31)
    with held_by_another_transaction("SELECT 1 FROM executions_execution WHERE id = %s FOR UPDATE", execution.pk):
        began = time.monotonic()
        assert scheduler.tick(due).timers == 0
        assert time.monotonic() - began < 5, "the sweep waited for the lock instead of skipping the row"
    assert scheduler.tick(due).timers == 1
    execution.refresh_from_db()
    assert execution.status == "FINISHED"


def test_an_expired_attempt_another_replica_is_resending_is_skipped(settings):
    settings.WORKFLOWS_HTTP_ALLOW = ["127.0.0.1/32"]
    with serving() as server:
        execution = start_without_workers(CALL.replace("URL", server.url("/x")))
        use_inline_workers()
        call = HistoryEntry.objects.get(execution=execution, path="call")
        expired = call.lease_expires_at + timedelta(seconds=1)
        with held_by_another_transaction("SELECT 1 FROM executions_historyentry WHERE id = %s FOR UPDATE", call.pk):
            assert scheduler.tick(expired).resent == 0
        assert scheduler.tick(expired).resent == 1
