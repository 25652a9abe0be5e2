from __future__ import annotations

from executions import services
from executions.actors import Actor
from tests.conftest import FINISHING_SPEC, make_workflow
from tests.ui.helpers import ENGINE_DB

pytestmark = ENGINE_DB


def test_it_shows_the_lines_that_changed_between_two_revisions(client, viewer):
    workflow = make_workflow("greeter")
    changed = FINISHING_SPEC.replace("Hello, ", "Hi <b>there</b>, ")
    services.workflow_update(actor=Actor(label="test", source="cli"), workflow=workflow, yaml_text=changed)
    client.force_login(viewer)

    response = client.get(f"/workflows/{workflow.pk}/diff/?old=1&new=2")

    content = response.content.decode()
    assert response.status_code == 200
    assert "Revision 1 → 2" in content
    assert "+1</span>" in content and "\u22121</span>" in content  # a minus sign, not a hyphen
    assert 'class="diff__row diff__row--added"' in content
    assert "Hi &lt;b&gt;there&lt;/b&gt;" in content
    assert "<b>there</b>" not in content


def test_the_workflow_page_links_each_revision_to_its_changes(client, viewer):
    workflow = make_workflow("greeter")
    services.workflow_update(
        actor=Actor(label="test", source="cli"), workflow=workflow, yaml_text=FINISHING_SPEC + "# v2\n"
    )
    client.force_login(viewer)
    content = client.get(f"/workflows/{workflow.pk}/").content.decode()
    assert f'href="/workflows/{workflow.pk}/diff/?old=1&amp;new=2"' in content


def test_it_explains_missing_revisions_with_a_400_and_unknown_ones_with_a_404(client, viewer):
    workflow = make_workflow("greeter")
    client.force_login(viewer)
    assert client.get(f"/workflows/{workflow.pk}/diff/").status_code == 400
    assert client.get(f"/workflows/{workflow.pk}/diff/?old=1&new=x").status_code == 400
    assert client.get(f"/workflows/{workflow.pk}/diff/?old=1&new=9").status_code == 404
