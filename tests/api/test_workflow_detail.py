from __future__ import annotations

import pytest

from executions import services
from tests.api.conftest import TEST_ACTOR, error_of
from tests.conftest import FAILING_SPEC, FINISHING_SPEC, make_workflow

pytestmark = pytest.mark.django_db


def test_it_shows_a_workflow_by_id(viewer_api):
    workflow = make_workflow("greeter")

    response = viewer_api.get(f"/api/v1/workflows/{workflow.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "id",
        "name",
        "description",
        "labels",
        "status",
        "revision",
        "specification",
        "created_at",
        "updated_at",
        "created_by",
    }
    assert body["id"] == workflow.pk
    assert body["specification"] == FINISHING_SPEC


def test_it_shows_a_workflow_by_name_with_its_current_revision(viewer_api):
    workflow = make_workflow("greeter")
    services.workflow_update(actor=TEST_ACTOR, workflow=workflow, yaml_text=FAILING_SPEC)

    body = viewer_api.get("/api/v1/workflows/greeter/").json()

    assert body["id"] == workflow.pk
    assert body["revision"] == 2
    assert body["specification"] == FAILING_SPEC


def test_it_answers_404_for_an_unknown_workflow(viewer_api):
    response = viewer_api.get("/api/v1/workflows/no-such-workflow/")

    assert response.status_code == 404
    error = error_of(response)
    assert error["code"] == "not_found"
    assert "no-such-workflow" in error["message"]
