from __future__ import annotations

import pytest

from executions import services
from executions.actors import Actor
from tests.conftest import FINISHING_SPEC, make_workflow

pytestmark = pytest.mark.django_db


def test_it_lists_workflows_by_name_with_their_revision(client, viewer):
    zebra = make_workflow("zebra")
    alpha = make_workflow("alpha")
    services.workflow_update(
        actor=Actor(label="test", source="cli"), workflow=alpha, yaml_text=FINISHING_SPEC + "\n# v2\n"
    )
    client.force_login(viewer)

    response = client.get("/workflows/")

    content = response.content.decode()
    assert response.status_code == 200
    assert content.index(">alpha<") < content.index(">zebra<")
    assert f'href="/workflows/{zebra.pk}/"' in content
    assert [w.current_revision.number for w in response.context["workflows"]] == [2, 1]


def test_it_says_when_there_are_no_workflows(client, viewer):
    client.force_login(viewer)
    assert b"No workflows yet" in client.get("/workflows/").content
