from __future__ import annotations

import pytest

from executions import services
from tests.api.conftest import TEST_ACTOR, client_with, error_of, token_for
from tests.conftest import FAILING_SPEC, FINISHING_SPEC, WAITING_SPEC, make_workflow

pytestmark = pytest.mark.django_db


def workflow_with_three_revisions():
    workflow = make_workflow("greeter", FINISHING_SPEC)
    services.workflow_update(actor=TEST_ACTOR, workflow=workflow, yaml_text=FAILING_SPEC)
    services.workflow_update(actor=TEST_ACTOR, workflow=workflow, yaml_text=WAITING_SPEC)
    return workflow


def test_revisions_are_listed_newest_first_without_their_text(viewer_api):
    workflow = workflow_with_three_revisions()

    response = viewer_api.get(f"/api/v1/workflows/{workflow.pk}/revisions/")

    assert response.status_code == 200
    body = response.json()
    assert [item["number"] for item in body["results"]] == [3, 2, 1]
    assert [item["current"] for item in body["results"]] == [True, False, False]
    assert body["results"][0]["created_by"] == "test"
    assert body["results"][0]["workflow_id"] == workflow.pk
    assert "specification" not in body["results"][0]
    assert body["next_cursor"] is None


def test_the_list_pages_with_a_cursor(viewer_api):
    workflow = workflow_with_three_revisions()

    first = viewer_api.get(f"/api/v1/workflows/{workflow.pk}/revisions/?page_size=2").json()
    second = viewer_api.get(f"/api/v1/workflows/{workflow.pk}/revisions/?page_size=2&cursor={first['next_cursor']}")

    assert [item["number"] for item in first["results"]] == [3, 2]
    assert [item["number"] for item in second.json()["results"]] == [1]
    assert second.json()["next_cursor"] is None


def test_a_bad_cursor_is_a_400(viewer_api):
    workflow = make_workflow("greeter")

    response = viewer_api.get(f"/api/v1/workflows/{workflow.pk}/revisions/?cursor=garbage")

    assert response.status_code == 400
    assert "cursor" in error_of(response)["message"]


def test_one_revision_shows_its_yaml_exactly_as_submitted(viewer_api):
    workflow = workflow_with_three_revisions()

    response = viewer_api.get("/api/v1/workflows/greeter/revisions/2/")

    assert response.status_code == 200
    body = response.json()
    assert body["number"] == 2 and body["current"] is False
    assert body["specification"] == FAILING_SPEC
    assert body["created_at"] and body["created_by"] == "test"
    assert body["workflow_id"] == workflow.pk


@pytest.mark.parametrize("number", ["4", "0", "99999999999999999999999"])
def test_a_revision_that_does_not_exist_is_a_404(viewer_api, number):
    workflow_with_three_revisions()

    response = viewer_api.get(f"/api/v1/workflows/greeter/revisions/{number}/")

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_revisions_of_an_unknown_workflow_are_a_404(viewer_api):
    assert viewer_api.get("/api/v1/workflows/nosuchworkflow/revisions/").status_code == 404
    assert viewer_api.get("/api/v1/workflows/nosuchworkflow/revisions/1/").status_code == 404


def test_someone_without_a_role_may_not_see_revisions(outsider):
    make_workflow("greeter")
    client = client_with(token_for(outsider, "read"))

    assert client.get("/api/v1/workflows/greeter/revisions/").status_code == 403
    assert client.get("/api/v1/workflows/greeter/revisions/1/").status_code == 403
