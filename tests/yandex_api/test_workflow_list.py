from __future__ import annotations

import pytest
from yandex.cloud.serverless.workflows.v1 import workflow_service_pb2 as pb

from tests.conftest import make_workflow
from tests.yandex_api.conftest import assert_message, rpc_error

pytestmark = pytest.mark.django_db


def listing(client, query: str):
    response = client.get(f"/workflows/v1/workflow?{query}")
    assert response.status_code == 200, response.content
    assert_message(response.json(), pb.ListWorkflowsResponse)
    return response.json()


def test_it_lists_workflow_previews_by_name(viewer_api):
    for name in ("beta", "alpha"):
        make_workflow(name)

    body = listing(viewer_api, "folderId=b1gfolder")

    assert [w["name"] for w in body["workflows"]] == ["alpha", "beta"]
    assert set(body["workflows"][0]) == {"id", "folderId", "createdAt", "name", "status", "executionUrl"}
    assert "nextPageToken" not in body


def test_it_pages_with_tokens_and_never_repeats_a_workflow(viewer_api):
    names = [f"flow-{n}" for n in range(5)]
    for name in names:
        make_workflow(name)

    seen, token = [], ""
    for _ in range(4):
        body = listing(viewer_api, f"folderId=f&pageSize=2&pageToken={token}")
        seen += [w["name"] for w in body["workflows"]]
        token = body.get("nextPageToken", "")
        if not token:
            break

    assert seen == names


def test_it_filters_by_name(viewer_api):
    for name in ("alpha", "beta"):
        make_workflow(name)

    body = listing(viewer_api, 'folderId=f&filter=name="beta"')

    assert [w["name"] for w in body["workflows"]] == ["beta"]


def test_an_empty_list_is_an_empty_message(viewer_api):
    assert listing(viewer_api, "folder_id=f") == {}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "folderId is required"),
        ("folderId=f&filter=status=ACTIVE", "unknown filter field 'status'; expected one of name"),
        ("folderId=f&filter=name>a", "name can only be compared with ="),
        ("folderId=f&pageToken=garbage", "invalid page token"),
        ("folderId=f&pageSize=many", "pageSize must be an integer"),
    ],
)
def test_a_bad_query_is_invalid_argument(viewer_api, query, message):
    response = viewer_api.get(f"/workflows/v1/workflow?{query}")

    assert message in rpc_error(response, 3, 400)
