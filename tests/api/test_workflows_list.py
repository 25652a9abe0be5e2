from __future__ import annotations

import pytest

from tests.api.conftest import client_with, error_of, token_for
from tests.conftest import make_workflow

pytestmark = pytest.mark.django_db
URL = "/api/v1/workflows/"


def test_it_lists_workflows_by_name(viewer_api):
    for name in ("charlie", "alpha", "bravo"):
        make_workflow(name)

    response = viewer_api.get(URL)

    assert response.status_code == 200
    body = response.json()
    assert [item["name"] for item in body["results"]] == ["alpha", "bravo", "charlie"]
    assert body["next_cursor"] is None
    assert body["results"][0]["revision"] == 1


def test_it_pages_through_every_workflow_once_with_a_cursor(viewer_api):
    names = [f"wf-{i:02d}" for i in range(7)]
    for name in names:
        make_workflow(name)

    seen, cursor = [], ""
    for _ in range(10):
        body = viewer_api.get(URL, {"page_size": 3, "cursor": cursor}).json()
        seen += [item["name"] for item in body["results"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break

    assert seen == names


@pytest.mark.parametrize("page_size", ["0", "501", "many"])
def test_an_invalid_page_size_is_a_400_naming_it(viewer_api, page_size):
    response = viewer_api.get(URL, {"page_size": page_size})

    assert response.status_code == 400
    assert error_of(response)["details"][0]["field"] == "page_size"


@pytest.mark.parametrize("cursor", ["garbage!", "eyJ4IjoxfQ", "WzFd"])
def test_a_tampered_cursor_is_a_400(viewer_api, cursor):
    response = viewer_api.get(URL, {"cursor": cursor})

    assert response.status_code == 400
    assert error_of(response)["message"] == "invalid page cursor"


def test_an_outsider_may_not_list_workflows(outsider):
    response = client_with(token_for(outsider, "read")).get(URL)

    assert response.status_code == 403
