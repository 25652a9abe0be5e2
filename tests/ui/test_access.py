from __future__ import annotations

import pytest

from executions.models import Execution
from tests.conftest import WAITING_SPEC, make_workflow
from tests.ui.helpers import ENGINE_DB, start_execution

pytestmark = ENGINE_DB


@pytest.fixture
def urls():
    workflow = make_workflow("sleeper", WAITING_SPEC)
    execution = start_execution(workflow)
    return {
        "get": [
            "/",
            "/workflows/",
            f"/workflows/{workflow.pk}/",
            "/executions/",
            f"/executions/{execution.pk}/",
        ],
        "post": [
            f"/workflows/{workflow.pk}/start/",
            f"/executions/{execution.pk}/stop/",
            f"/executions/{execution.pk}/terminate/",
        ],
    }


def test_it_redirects_anonymous_to_login_from_every_page(client, urls):
    for url in urls["get"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url == f"/login/?next={url}"


def test_it_redirects_anonymous_posts_to_login_and_changes_nothing(client, urls):
    for url in urls["post"]:
        response = client.post(url, {"input": "{}"})
        assert response.status_code == 302, url
        assert response.url.startswith("/login/")
    assert list(Execution.objects.values_list("status", flat=True)) == ["RUNNING"]
    assert Execution.objects.count() == 1


def test_it_refuses_every_page_to_a_user_without_a_role(client, outsider, urls):
    client.force_login(outsider)
    for url in urls["get"]:
        response = client.get(url)
        assert response.status_code == 403, url
        assert b"no role" in response.content


def test_it_refuses_every_action_to_a_user_without_a_role(client, outsider, urls):
    client.force_login(outsider)
    for url in urls["post"]:
        assert client.post(url, {"input": "{}"}).status_code == 403, url
