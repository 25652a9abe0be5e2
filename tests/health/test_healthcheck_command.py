"""`manage.py healthcheck --process worker|scheduler|web`: exit code 0 only when the process is healthy."""

from __future__ import annotations

import os
import time
from io import StringIO

import pytest
from django.core.management import call_command

from executions import health

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _heartbeats_here(settings, tmp_path):
    settings.WORKFLOWS_HEARTBEAT_DIR = tmp_path


def healthcheck(*args: str) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("healthcheck", *args, stdout=out)
    except SystemExit as exit:
        return int(exit.code), out.getvalue()
    return 0, out.getvalue()


def test_a_scheduler_that_never_beat_is_unhealthy():
    code, out = healthcheck("--process", "scheduler")
    assert code == 1
    assert "heartbeat: no heartbeat yet" in out
    assert "database: ok" in out


def test_a_scheduler_that_beat_recently_is_healthy():
    health.beat("scheduler")
    assert healthcheck("--process", "scheduler") == (0, "database: ok\nchannel_layer: ok\nheartbeat: ok\n")


def test_a_scheduler_whose_heartbeat_is_older_than_the_limit_is_unhealthy():
    health.beat("scheduler")
    old = time.time() - 60
    os.utime(health.heartbeat_path("scheduler"), (old, old))
    code, out = healthcheck("--process", "scheduler", "--max-age", "30")
    assert code == 1
    assert "heartbeat: last heartbeat 60" in out


def test_a_worker_is_checked_on_its_own_heartbeat():
    health.beat("scheduler")
    assert healthcheck("--process", "worker")[0] == 1
    health.beat("worker")
    assert healthcheck("--process", "worker") == (0, "database: ok\nchannel_layer: ok\nbroker: ok\nheartbeat: ok\n")


def test_a_web_process_needs_no_heartbeat():
    assert healthcheck("--process", "web") == (0, "database: ok\nchannel_layer: ok\n")
