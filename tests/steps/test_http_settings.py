"""The httpCall settings: defaults, and start-up refusing a malformed allow-list entry."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRINT = (
    "import workflows_ui.settings as s; print(s.WORKFLOWS_HTTP_ALLOW, s.WORKFLOWS_HTTP_MAX_RESPONSE_BYTES,"
    " s.WORKFLOWS_HTTP_MAX_REDIRECTS, s.WORKFLOWS_HTTP_CONNECT_TIMEOUT)"
)


def load_settings(**env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("WORKFLOWS_HTTP_", "DATABASE_URL"))}
    return subprocess.run(
        [sys.executable, "-c", PRINT],
        cwd=ROOT,
        env={**clean, "SECRET_KEY": "x", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_it_defaults_to_no_allow_list_2_mib_5_redirects_and_a_10_second_connect(tmp_path):
    result = load_settings(WORKFLOWS_DATA_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["[]", "2097152", "5", "10.0"]


def test_it_reads_the_allow_list_as_comma_separated_entries(tmp_path):
    result = load_settings(WORKFLOWS_DATA_DIR=str(tmp_path), WORKFLOWS_HTTP_ALLOW="10.1.0.0/16, api.internal ,::1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("['10.1.0.0/16', 'api.internal', '::1']")


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("WORKFLOWS_HTTP_ALLOW", "10.0.0.0/33"),
        ("WORKFLOWS_HTTP_ALLOW", "10.0.0.300"),
        ("WORKFLOWS_HTTP_ALLOW", "fe80::zz"),
        ("WORKFLOWS_HTTP_MAX_RESPONSE_BYTES", "lots"),
        ("WORKFLOWS_HTTP_MAX_REDIRECTS", "-1"),
        ("WORKFLOWS_HTTP_CONNECT_TIMEOUT", "0"),
    ],
)
def test_it_refuses_an_invalid_value_naming_the_variable(tmp_path, variable, value):
    result = load_settings(WORKFLOWS_DATA_DIR=str(tmp_path), **{variable: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert variable in result.stderr.strip().splitlines()[-1]
