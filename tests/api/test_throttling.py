"""Request rates: per token, per logged-in user, per IP without credentials, and a stricter one for starts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from executions.models import Execution
from tests.api.conftest import client_with, error_of, token_for
from tests.conftest import make_workflow

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def rates(settings):
    def set_rates(**rates: str | None) -> None:
        current = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {**current, **rates},
        }

    return set_rates


def test_a_token_over_its_rate_gets_a_429_with_retry_after(rates, operator_api):
    rates(user="2/min")

    assert operator_api.get("/api/v1/executions/").status_code == 200
    assert operator_api.get("/api/v1/workflows/").status_code == 200
    response = operator_api.get("/api/v1/executions/")

    assert response.status_code == 429
    error = error_of(response)
    assert error["code"] == "throttled"
    assert error["message"].startswith("too many requests: try again in ")
    assert 1 <= int(response["Retry-After"]) <= 60


def test_each_token_has_its_own_budget(rates, operator):
    rates(user="1/min")
    first, second = client_with(token_for(operator)), client_with(token_for(operator))

    assert first.get("/api/v1/executions/").status_code == 200
    assert first.get("/api/v1/executions/").status_code == 429
    assert second.get("/api/v1/executions/").status_code == 200


def test_a_logged_in_user_is_counted_too(rates, operator):
    rates(user="1/min")
    client = client_with(None)
    client.force_login(operator)

    assert client.get("/api/v1/executions/").status_code == 200
    assert client.get("/api/v1/executions/").status_code == 429


def test_starts_have_a_stricter_rate_that_reads_do_not_use(rates, operator_api):
    rates(user="100/min", start="1/min")
    make_workflow("greeter")

    assert operator_api.post("/api/v1/executions/", {"workflow_id": "greeter"}, format="json").status_code == 201
    refused = operator_api.post("/api/v1/executions/batch/", {"workflow_id": "greeter", "inputs": [{}]}, format="json")

    assert refused.status_code == 429
    assert refused["Retry-After"]
    assert Execution.objects.count() == 1
    assert operator_api.get("/api/v1/executions/").status_code == 200


def test_requests_without_credentials_are_counted_by_ip(rates):
    rates(anon="2/min")
    alice, bob = client_with(None), client_with(None)

    assert alice.get("/api/v1/executions/", REMOTE_ADDR="10.0.0.1").status_code == 401
    assert alice.get("/api/v1/executions/", REMOTE_ADDR="10.0.0.1").status_code == 401
    throttled = alice.get("/api/v1/executions/", REMOTE_ADDR="10.0.0.1")
    assert throttled.status_code == 429
    assert throttled["Retry-After"]
    assert bob.get("/api/v1/executions/", REMOTE_ADDR="10.0.0.2").status_code == 401


def test_a_bad_token_counts_against_its_ip(rates):
    rates(anon="1/min")
    client = client_with("wfu_000000000000_not-a-secret")

    assert client.get("/api/v1/executions/").status_code == 401
    assert client.get("/api/v1/executions/").status_code == 429


def test_a_rate_turned_off_never_throttles(rates, operator_api):
    rates(user=None)

    assert all(operator_api.get("/api/v1/workflows/").status_code == 200 for _ in range(5))


def load_rates(data_dir: Path, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("WORKFLOWS_API_")}
    return subprocess.run(
        [sys.executable, "-c", "import workflows_ui.settings as s; print(s.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES'])"],
        cwd=ROOT,
        env={**clean, "SECRET_KEY": "x", "WORKFLOWS_DATA_DIR": str(data_dir), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_rates_come_from_the_environment(tmp_path):
    result = load_rates(tmp_path, WORKFLOWS_API_RATE="50/hour", WORKFLOWS_API_START_RATE="off")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "{'user': '50/hour', 'start': None, 'anon': '60/min'}"


def test_an_invalid_rate_stops_start_up_naming_the_variable(tmp_path):
    result = load_rates(tmp_path, WORKFLOWS_API_ANON_RATE="lots")

    assert result.returncode != 0
    assert "WORKFLOWS_API_ANON_RATE" in result.stderr.strip().splitlines()[-1]
