"""/healthz and /readyz of the web process: public, cheap, and honest about what is unreachable."""

from __future__ import annotations

import pytest

from tests.crash.harness import free_port

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_a_login_and_without_touching_anything(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_readyz_is_ready_when_the_database_and_the_channel_layer_answer(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "channel_layer": "ok"}}


def test_readyz_says_the_channel_layer_is_unreachable_when_its_redis_is_down(client, settings):
    pytest.importorskip("redis")
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["channel_layer"].startswith("channel layer (Redis) unreachable")


def test_the_probes_refuse_writes(client):
    assert client.post("/healthz").status_code == 405
    assert client.post("/readyz").status_code == 405
