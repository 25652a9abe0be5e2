"""Crash tests: real worker and scheduler processes over one SQLite file, SIGKILLed at chosen instants.

Each test gets its own data directory holding a copy of a database migrated once per session, and a local
HTTP server its httpCall steps talk to. On teardown every process still running gets SIGTERM (SIGKILL if it
will not stop) and their logs are printed, which pytest shows when the test failed.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.crash.harness import Deployment
from tests.crash.server import RecordingServer


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory) -> Path:
    data_dir = tmp_path_factory.mktemp("crash-template")
    Deployment(data_dir).manage("migrate", "--noinput")
    assert not (data_dir / "db.sqlite3-wal").exists() or (data_dir / "db.sqlite3-wal").stat().st_size == 0
    return data_dir / "db.sqlite3"


@pytest.fixture
def http_server() -> Iterator[RecordingServer]:
    server = RecordingServer().start()
    yield server
    server.stop()


@pytest.fixture
def deployment(tmp_path, migrated_database, http_server) -> Iterator[Deployment]:
    shutil.copy(migrated_database, tmp_path / "db.sqlite3")
    deployment = Deployment(tmp_path)
    yield deployment
    # Release held requests first: a SIGTERMed engine drains the attempts it is running.
    http_server.release_all()
    deployment.stop_all()
    print(deployment.logs())
