from __future__ import annotations

import pytest

from executions import services
from executions.actors import Actor
from tests.conftest import FINISHING_SPEC

pytestmark = pytest.mark.django_db


@pytest.fixture
def workflow():
    return services.workflow_create(
        actor=Actor(label="test", source="cli"),
        name="greeter",
        yaml_text=FINISHING_SPEC,
        description="Says <b>hello</b>",
        labels={"team": "ops"},
    )


def test_it_shows_the_workflow_and_its_yaml(client, viewer, workflow):
    client.force_login(viewer)

    response = client.get(f"/workflows/{workflow.pk}/")

    content = response.content.decode()
    assert response.status_code == 200
    assert "<h1>greeter</h1>" in content
    assert "Says &lt;b&gt;hello&lt;/b&gt;" in content
    assert "team=ops" in content
    assert "Revision" in content
    assert '<span class="y-key">start</span><span class="y-punct">:</span> <span class="y-str">hello</span>' in content
    assert (
        '<span class="y-key">yawl</span><span class="y-punct">:</span> <span class="y-str">&quot;0.1&quot;</span>'
        in content
    )


def test_it_offers_the_start_form_to_an_operator(client, operator, workflow):
    client.force_login(operator)
    content = client.get(f"/workflows/{workflow.pk}/").content.decode()
    assert f'action="/workflows/{workflow.pk}/start/"' in content
    assert ">\n{}</textarea>" in content


def test_it_offers_no_start_form_to_a_viewer(client, viewer, workflow):
    client.force_login(viewer)
    content = client.get(f"/workflows/{workflow.pk}/").content.decode()
    assert "/start/" not in content
    assert "may view this workflow" in content


def test_it_finds_a_workflow_by_name_too(client, viewer, workflow):
    client.force_login(viewer)
    assert client.get("/workflows/greeter/").context["workflow"] == workflow


def test_it_answers_an_unknown_workflow_with_a_404_page(client, viewer):
    client.force_login(viewer)
    response = client.get("/workflows/nosuchworkflow/")
    assert response.status_code == 404
    assert b"Workflow nosuchworkflow not found" in response.content
