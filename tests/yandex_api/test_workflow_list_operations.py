from __future__ import annotations

import pytest
from yandex.cloud.serverless.workflows.v1 import workflow_service_pb2 as pb

from executions import services
from executions.models import AuditEvent
from tests.api.conftest import TEST_ACTOR
from tests.conftest import make_workflow
from tests.yandex_api.conftest import assert_message, rpc_error

pytestmark = pytest.mark.django_db

TYPES = "type.googleapis.com/yandex.cloud.serverless.workflows.v1."


def listing(client, workflow_id: str, query: str = ""):
    response = client.get(f"/workflows/v1/workflow/{workflow_id}/operations?{query}")
    assert response.status_code == 200, response.content
    assert_message(response.json(), pb.ListOperationsResponse)
    return response.json()


def test_it_lists_the_workflows_operations_newest_first(viewer_api):
    workflow = make_workflow("greeter")
    services.workflow_update(actor=TEST_ACTOR, workflow=workflow, description="x")
    make_workflow("other")

    body = listing(viewer_api, workflow.pk)

    update, create = body["operations"]
    assert (update["description"], create["description"]) == ("Update workflow", "Create workflow")
    assert create["metadata"] == {"@type": TYPES + "CreateWorkflowMetadata", "workflowId": workflow.pk}
    assert create["done"] is True and "response" not in create
    events = AuditEvent.objects.filter(target_id=workflow.pk).order_by("-id")
    assert [op["id"] for op in body["operations"]] == [f"op{e.pk:018d}" for e in events]


def test_it_pages_with_tokens(viewer_api):
    workflow = make_workflow("greeter")
    for n in range(4):
        services.workflow_update(actor=TEST_ACTOR, workflow=workflow, description=str(n))

    first = listing(viewer_api, "greeter", "pageSize=3")
    second = listing(viewer_api, "greeter", f"pageSize=3&pageToken={first['nextPageToken']}")

    ids = [op["id"] for op in first["operations"] + second["operations"]]
    assert len(ids) == len(set(ids)) == 5 and "nextPageToken" not in second
    assert len(first["nextPageToken"]) <= 100  # ListOperationsRequest.page_token: length <= 100


def test_a_deleted_workflow_keeps_its_operations(admin_api):
    workflow = make_workflow("greeter")
    admin_api.delete(f"/workflows/v1/workflow/{workflow.pk}")

    body = listing(admin_api, workflow.pk)

    assert [op["description"] for op in body["operations"]] == ["Delete workflow", "Create workflow"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("pageSize=1001", "pageSize must be between 0 and 1000"),
        ("filter=status=DONE", "ListOperations supports no filter"),
        ("pageToken=forged", "invalid page token"),
    ],
)
def test_a_bad_query_is_invalid_argument(viewer_api, query, message):
    make_workflow("greeter")

    response = viewer_api.get(f"/workflows/v1/workflow/greeter/operations?{query}")

    assert message in rpc_error(response, 3, 400)


def test_a_token_of_another_workflow_is_refused(viewer_api):
    for name in ("greeter", "other"):
        workflow = make_workflow(name)
        services.workflow_update(actor=TEST_ACTOR, workflow=workflow, description="x")
    token = listing(viewer_api, "greeter", "pageSize=1")["nextPageToken"]

    response = viewer_api.get(f"/workflows/v1/workflow/other/operations?pageSize=1&pageToken={token}")

    assert rpc_error(response, 3, 400).startswith("invalid page token")


def test_an_unknown_workflow_is_not_found(viewer_api):
    response = viewer_api.get("/workflows/v1/workflow/nosuchworkflow/operations")

    rpc_error(response, 5, 404)
