"""Start-up refuses invalid configuration with a message naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load_settings(**env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY", "DEBUG", "REDIS_URL"}}
    return subprocess.run(
        [sys.executable, "-c", "import workflows_ui.settings as s; print(s.DATABASES['default']['ENGINE'])"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_it_starts_with_sqlite_by_default_in_debug(tmp_path):
    result = load_settings(DEBUG="1", WORKFLOWS_DATA_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.db.backends.sqlite3"


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"DEBUG": "1", "DATABASE_URL": "mysql://root@localhost/x"}, "DATABASE_URL"),
        ({"DEBUG": "1", "WORKFLOWS_EXECUTOR": "rockets"}, "WORKFLOWS_EXECUTOR"),
        ({"DEBUG": "1", "WORKFLOWS_THREADS": "many"}, "WORKFLOWS_THREADS"),
        ({"DEBUG": "1", "WORKFLOWS_THREADS": "0"}, "WORKFLOWS_THREADS"),
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({"DEBUG": "1", "REDIS_URL": "http://localhost:6379"}, "REDIS_URL"),
        ({}, "SECRET_KEY"),
    ],
)
def test_it_refuses_an_invalid_value_naming_the_variable(tmp_path, env, variable):
    result = load_settings(WORKFLOWS_DATA_DIR=str(tmp_path), **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert variable in result.stderr.strip().splitlines()[-1]


def test_a_postgres_url_selects_postgres(tmp_path):
    result = load_settings(SECRET_KEY="x", DATABASE_URL="postgres://u@127.0.0.1:5432/test")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.db.backends.postgresql"
