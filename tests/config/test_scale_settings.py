"""Scale-out settings from the environment: PostgreSQL's connection pool, the Celery broker, Redis."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCALE_VARIABLES = {
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "WORKFLOWS_EXECUTOR",
    "DATABASE_POOL",
    "DATABASE_POOL_MAX_SIZE",
    "WORKFLOWS_LEASE_SECONDS",
    "WORKFLOWS_DISPATCH_LEASE_SECONDS",
}
SHOW = (
    "import json, workflows_ui.settings as s; db = s.DATABASES['default']; "
    "print(json.dumps({'options': db.get('OPTIONS', {}), 'health': db.get('CONN_HEALTH_CHECKS'), "
    "'age': db.get('CONN_MAX_AGE'), 'broker': s.CELERY_BROKER_URL, 'layer': s.CHANNEL_LAYERS['default'], "
    "'dispatch_lease': s.WORKFLOWS_DISPATCH_LEASE_SECONDS}))"
)


def settings_with(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in SCALE_VARIABLES}
    return subprocess.run(
        [sys.executable, "-c", SHOW],
        cwd=ROOT,
        env={**clean, "SECRET_KEY": "x", "WORKFLOWS_DATA_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def loaded(tmp_path: Path, **env: str) -> dict:
    result = settings_with(tmp_path, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def refused(tmp_path: Path, variable: str, **env: str) -> None:
    result = settings_with(tmp_path, **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert variable in result.stderr.strip().splitlines()[-1]


def test_postgres_gets_a_connection_pool_with_health_checks_and_no_persistent_connections(tmp_path):
    config = loaded(tmp_path, DATABASE_URL="postgres://u@db:5432/app", DATABASE_POOL_MAX_SIZE="7")
    assert config["options"]["pool"]["max_size"] == 7
    assert (config["health"], config["age"]) == (True, 0)


def test_the_pool_can_be_turned_off_for_a_pgbouncer_in_front(tmp_path):
    config = loaded(tmp_path, DATABASE_URL="postgres://u@db:5432/app", DATABASE_POOL="0")
    assert config["options"] == {}


def test_the_celery_executor_needs_a_broker(tmp_path):
    refused(tmp_path, "CELERY_BROKER_URL", WORKFLOWS_EXECUTOR="celery")


def test_the_broker_defaults_to_redis_url_and_can_be_rabbitmq(tmp_path):
    assert loaded(tmp_path, REDIS_URL="redis://r:6379/2", WORKFLOWS_EXECUTOR="celery")["broker"] == "redis://r:6379/2"
    config = loaded(tmp_path, CELERY_BROKER_URL="amqp://guest:guest@mq:5672//", WORKFLOWS_EXECUTOR="celery")
    assert config["broker"] == "amqp://guest:guest@mq:5672//"
    refused(tmp_path, "CELERY_BROKER_URL", CELERY_BROKER_URL="http://mq/")


def test_redis_url_selects_the_redis_channel_layer(tmp_path):
    layer = loaded(tmp_path, REDIS_URL="redis://r:6379/2")["layer"]
    assert layer["BACKEND"] == "channels_redis.core.RedisChannelLayer"
    (host,) = layer["CONFIG"]["hosts"]
    assert host["address"] == "redis://r:6379/2"
    # Reads must outlast channels_redis's 5 s blocking receive, or idle sockets fail with a timeout.
    assert host["socket_timeout"] > 5


def test_work_waits_longer_on_a_broker_before_it_is_sent_again(tmp_path):
    assert loaded(tmp_path)["dispatch_lease"] == 30
    assert loaded(tmp_path, REDIS_URL="redis://r/0", WORKFLOWS_EXECUTOR="celery")["dispatch_lease"] == 120
