"""The channel layer's Redis is down: broadcasts fail and are logged, and nothing else notices. Executions
run to the end and pages render (they read the database; only live updates are lost)."""

from __future__ import annotations

import logging

import pytest
from channels.layers import channel_layers

from executions import services
from tests.conftest import make_user, make_workflow
from tests.crash.harness import free_port
from tests.services.helpers_integration import ACTOR

pytest.importorskip("channels_redis", reason="needs the `scale` extra: pip install -e '.[scale]'")
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def redis_down(settings):
    url = f"redis://127.0.0.1:{free_port()}/0"
    settings.REDIS_URL = url
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [{"address": url, "socket_connect_timeout": 1}]},
        }
    }
    yield
    channel_layers.backends.clear()


def test_an_execution_finishes_and_its_page_renders_while_broadcasts_fail(redis_down, client, caplog):
    with caplog.at_level(logging.WARNING, logger="executions.broadcast"):
        execution = services.execution_start(actor=ACTOR, workflow=make_workflow(), input={"name": "Ada"})
    execution.refresh_from_db()
    assert execution.status == "FINISHED"
    assert execution.result == {"greeting": "Hello, Ada"}
    assert f"broadcast of execution {execution.pk} failed" in caplog.text

    client.force_login(make_user("victor", "viewer"))
    response = client.get(f"/executions/{execution.pk}/")
    assert response.status_code == 200
    assert execution.pk in response.content.decode()
    assert client.get("/readyz").status_code == 503
