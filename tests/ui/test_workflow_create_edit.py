from __future__ import annotations

from executions.models import AuditEvent, Workflow, WorkflowRevision
from tests.conftest import FINISHING_SPEC, make_workflow
from tests.ui.helpers import ENGINE_DB

pytestmark = ENGINE_DB

BROKEN_SPEC = """\
yawl: "0.1"
start: hello
steps:
  hello:
    noOp:
      next: nowhere
"""


def test_it_offers_an_admin_the_new_workflow_form(client, admin_user):
    client.force_login(admin_user)
    assert 'href="/workflows/new/"' in client.get("/workflows/").content.decode()
    response = client.get("/workflows/new/")
    assert response.status_code == 200
    assert 'name="yaml_text"' in response.content.decode()


def test_it_creates_a_workflow(client, admin_user):
    client.force_login(admin_user)

    response = client.post(
        "/workflows/new/",
        {"name": "greeter", "description": "Says hello", "labels": "team=ops, tier=gold", "yaml_text": FINISHING_SPEC},
        follow=True,
    )

    workflow = Workflow.objects.get()
    assert response.redirect_chain == [(f"/workflows/{workflow.pk}/", 302)]
    assert "Workflow greeter created." in response.content.decode()
    assert workflow.labels == {"team": "ops", "tier": "gold"}
    assert workflow.current_revision.yaml_text == FINISHING_SPEC
    assert AuditEvent.objects.get(action="workflow.create").source == "ui"


def test_it_places_spec_errors_at_their_yaml_line_and_creates_nothing(client, admin_user):
    client.force_login(admin_user)

    response = client.post("/workflows/new/", {"name": "broken", "yaml_text": BROKEN_SPEC})

    content = response.content.decode()
    assert response.status_code == 400
    assert 'class="codeview__line codeview__line--problem"' in content
    line = content[content.index('id="L6"') :]
    line = line[: line.index("</tr>")]
    assert "no step &#x27;nowhere&#x27; in this block" in line
    assert "problem(s), shown at their lines below" in content
    assert not Workflow.objects.exists()


def test_it_shows_a_taken_name_as_a_409(client, admin_user):
    make_workflow("greeter")
    client.force_login(admin_user)
    response = client.post("/workflows/new/", {"name": "greeter", "yaml_text": FINISHING_SPEC})
    assert response.status_code == 409
    assert "already exists" in response.content.decode()
    assert Workflow.objects.count() == 1


def test_it_refuses_a_bad_name_and_bad_labels_with_a_400(client, admin_user):
    client.force_login(admin_user)
    response = client.post("/workflows/new/", {"name": "Bad Name", "labels": "X=1", "yaml_text": FINISHING_SPEC})
    content = response.content.decode()
    assert response.status_code == 400
    assert "label key &#x27;X&#x27; is invalid" in content
    assert not Workflow.objects.exists()


def test_it_edits_a_workflow_into_a_new_revision(client, admin_user):
    workflow = make_workflow("greeter")
    client.force_login(admin_user)
    edit = client.get(f"/workflows/{workflow.pk}/edit/").content.decode()
    assert "start: hello" in edit

    client.post(
        f"/workflows/{workflow.pk}/edit/",
        {"description": "Now with a comment", "labels": "", "yaml_text": FINISHING_SPEC + "# v2\n"},
    )

    workflow.refresh_from_db()
    assert workflow.current_revision.number == 2
    assert workflow.description == "Now with a comment"


def test_it_keeps_the_revision_when_the_spec_is_unchanged(client, admin_user):
    workflow = make_workflow("greeter")
    client.force_login(admin_user)
    client.post(f"/workflows/{workflow.pk}/edit/", {"description": "x", "labels": "", "yaml_text": FINISHING_SPEC})
    assert WorkflowRevision.objects.filter(workflow=workflow).count() == 1


def test_it_refuses_an_invalid_edit_and_changes_nothing(client, admin_user):
    workflow = make_workflow("greeter")
    client.force_login(admin_user)
    response = client.post(f"/workflows/{workflow.pk}/edit/", {"description": "x", "yaml_text": BROKEN_SPEC})
    assert response.status_code == 400
    workflow.refresh_from_db()
    assert workflow.description == ""
    assert WorkflowRevision.objects.filter(workflow=workflow).count() == 1


def test_it_refuses_operators_and_viewers(client, operator, viewer):
    workflow = make_workflow("greeter")
    for user in (operator, viewer):
        client.force_login(user)
        assert 'href="/workflows/new/"' not in client.get("/workflows/").content.decode()
        assert f"/workflows/{workflow.pk}/edit/" not in client.get(f"/workflows/{workflow.pk}/").content.decode()
        for method, url in (
            (client.get, "/workflows/new/"),
            (client.post, "/workflows/new/"),
            (client.get, f"/workflows/{workflow.pk}/edit/"),
            (client.post, f"/workflows/{workflow.pk}/edit/"),
        ):
            response = method(url, {"name": "x", "yaml_text": FINISHING_SPEC} if method == client.post else None)
            assert response.status_code == 403, (user, url)
            assert "Only administrators" in response.content.decode()
    assert Workflow.objects.count() == 1
    assert WorkflowRevision.objects.count() == 1
