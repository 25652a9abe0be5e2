"""Scale-out tests: real web, Celery worker and scheduler processes over PostgreSQL and Redis.

They run only when DATABASE_URL names a PostgreSQL server and REDIS_URL a Redis server (the second pass of
.ci/run); otherwise every test here is skipped with a message saying how to run them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.crash.server import RecordingServer
from tests.scale.harness import RedisDatabase, ScaleDeployment, create_database, drop_database, scale_skip_reason

SKIP = scale_skip_reason()


def pytest_collection_modifyitems(config, items) -> None:
    if SKIP is None:
        return
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.skip(reason=SKIP))


@pytest.fixture(scope="session")
def template_database(tmp_path_factory) -> Iterator[str]:
    """A database migrated once per session, copied for each test."""
    name = f"wfscale_{os.getpid()}_template"
    create_database(name)
    try:
        deployment = ScaleDeployment(tmp_path_factory.mktemp("scale-template"), name, "redis://127.0.0.1:1/0")
        deployment.manage("migrate", "--noinput")
        yield name
    finally:
        drop_database(name)


@pytest.fixture
def redis_database() -> Iterator[RedisDatabase]:
    database = RedisDatabase()
    yield database
    database.release()


@pytest.fixture
def http_server() -> Iterator[RecordingServer]:
    server = RecordingServer().start()
    yield server
    server.stop()


@pytest.fixture
def deployment(request, tmp_path, template_database, redis_database, http_server) -> Iterator[ScaleDeployment]:
    name = f"wfscale_{os.getpid()}_{abs(hash(request.node.nodeid)) % 10**8}"
    create_database(name, template=template_database)
    deployment = ScaleDeployment(tmp_path, name, redis_database.url)
    try:
        yield deployment
    finally:
        http_server.release_all()
        deployment.stop_all()
        print(deployment.logs())
        drop_database(name)
