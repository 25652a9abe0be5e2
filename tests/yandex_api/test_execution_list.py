from __future__ import annotations

from datetime import UTC, datetime

import pytest
from yandex.cloud.serverless.workflows.v1 import execution_service_pb2 as pb

from executions import services
from executions.errors import InvalidInput
from executions.models import Execution
from executions.yandex_api import pages
from tests.api.conftest import with_engine
from tests.conftest import FAILING_SPEC, FINISHING_SPEC, actor_for, make_workflow
from tests.yandex_api.conftest import assert_message, rpc_error

pytestmark = pytest.mark.django_db


def start_many(user, workflow, count: int) -> list[Execution]:
    return [services.execution_start(actor=actor_for(user), workflow=workflow, input={"n": n}) for n in range(count)]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def listing(client, query: str):
    response = client.get(f"/workflows/v1/execution?{query}")
    assert response.status_code == 200, response.content
    assert_message(response.json(), pb.ListExecutionsResponse)
    return response.json()


def test_it_lists_a_workflows_executions_newest_first_as_previews(operator, viewer_api):
    workflow = make_workflow()
    other = make_workflow("other")
    executions = start_many(operator, workflow, 3)
    start_many(operator, other, 2)

    body = listing(viewer_api, f"workflowId={workflow.pk}")

    assert [e["id"] for e in body["executions"]] == [e.pk for e in reversed(executions)]
    assert set(body["executions"][0]) == {"id", "workflowId", "status", "startedAt", "duration"}
    assert "nextPageToken" not in body


def test_it_pages_with_tokens_and_never_repeats_an_execution(operator, viewer_api):
    workflow = make_workflow("greeter")
    executions = start_many(operator, workflow, 7)

    seen, sizes, token = [], [], ""
    for _ in range(5):
        body = listing(viewer_api, f"workflowId=greeter&pageSize=3&pageToken={token}")
        seen += [e["id"] for e in body["executions"]]
        sizes.append(len(body["executions"]))
        token = body.get("nextPageToken", "")
        if not token:
            break

    assert sizes == [3, 3, 1]
    assert seen == [e.pk for e in reversed(executions)]


def test_page_size_is_100_by_default_at_most_1000_and_never_negative():
    assert [pages.page_size(n) for n in (0, 1, 100, 1000, 1001, 2**31 - 1)] == [100, 1, 100, 1000, 1000, 1000]
    assert pages.page_size(1000, limit=1000) == 1000
    with pytest.raises(InvalidInput, match="pageSize must be between 0 and 1000"):
        pages.page_size(1001, limit=1000)
    with pytest.raises(InvalidInput, match="pageSize must be between 0 and 2147483647"):
        pages.page_size(-1)


def test_an_absent_or_zero_page_size_is_the_default_and_a_huge_one_is_served(operator, viewer_api, monkeypatch):
    workflow = make_workflow()
    start_many(operator, workflow, 4)
    monkeypatch.setattr(pages, "DEFAULT_PAGE_SIZE", 3)

    assert len(listing(viewer_api, f"workflowId={workflow.pk}")["executions"]) == 3
    assert len(listing(viewer_api, f"workflowId={workflow.pk}&pageSize=0")["executions"]) == 3
    assert len(listing(viewer_api, f"workflowId={workflow.pk}&pageSize=&pageToken=&filter=")["executions"]) == 3
    assert len(listing(viewer_api, f"workflowId={workflow.pk}&pageSize=2147483647")["executions"]) == 4


def test_it_filters_by_status_in_any_case_quoted_or_not(operator, viewer_api):
    workflow = make_workflow()
    _, stopped = start_many(operator, workflow, 2)
    services.execution_stop(actor=actor_for(operator), execution_id=stopped.pk)

    for text in ("status=STOPPED", "status=stopped", 'status="Stopped"', "status = 'STOPPED'"):
        body = listing(viewer_api, f"workflowId={workflow.pk}&filter={text}")
        assert [e["id"] for e in body["executions"]] == [stopped.pk], text
    assert "executions" not in listing(viewer_api, f"workflowId={workflow.pk}&filter=status=RUNNING")


def test_it_filters_by_start_and_finish_times(operator, viewer_api):
    workflow = make_workflow()
    early, middle, late = start_many(operator, workflow, 3)
    for execution, started in ((early, "2026-01-01T10:00:00"), (middle, "2026-01-02T10:00:00"), (late, None)):
        Execution.objects.filter(pk=execution.pk).update(started_at=started and at(started))
    Execution.objects.filter(pk=early.pk).update(finished_at=at("2026-01-01T11:00:00"))

    def ids(text: str) -> list[str]:
        return [e["id"] for e in listing(viewer_api, f"workflowId={workflow.pk}&filter={text}").get("executions", [])]

    assert ids("started_at>2026-01-01T10:00:00Z") == [middle.pk]
    assert ids('startedAt<"2026-01-02T10:00:00Z"') == [early.pk]
    assert ids("started_at=2026-01-02T10:00:00Z") == [middle.pk]
    assert ids("started_at=2026-01-02T13:00:00%2B03:00") == [middle.pk]
    assert ids("finished_at<2026-01-01T12:00:00Z") == [early.pk]
    assert ids("finishedAt>2026-01-01T11:00:00Z") == []


@with_engine
def test_each_preview_has_the_status_and_timing_of_its_execution(operator, viewer_api):
    finished = services.execution_start(actor=actor_for(operator), workflow=make_workflow("ok", FINISHING_SPEC))
    failed = services.execution_start(actor=actor_for(operator), workflow=make_workflow("bad", FAILING_SPEC))

    [ok] = listing(viewer_api, "workflowId=ok")["executions"]
    [bad] = listing(viewer_api, "workflowId=bad")["executions"]

    assert (ok["id"], ok["status"], bad["id"], bad["status"]) == (finished.pk, "FINISHED", failed.pk, "FAILED")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "workflowId is required"),
        ("workflowId=&pageSize=5", "workflowId is required"),
        ("workflowId=greeter&pageSize=ten", "pageSize must be an integer"),
        ("workflowId=greeter&pageSize=-1", "pageSize must be between 0 and 2147483647"),
        ("workflowId=greeter&page=2", "unknown query parameter 'page'"),
        ("workflowId=greeter&workflowId=other", "query parameter 'workflowId' is given 2 times"),
        ("workflowId=greeter&filter=colour=red", "unknown filter field 'colour'"),
        ("workflowId=greeter&filter=status>RUNNING", "status can only be compared with ="),
        ("workflowId=greeter&filter=status=DONE", "unknown status 'DONE'"),
        ("workflowId=greeter&filter=status!=RUNNING", "unsupported filter operator '!='"),
        ("workflowId=greeter&filter=started_at>=2026-01-01T00:00:00Z", "unsupported filter operator '>='"),
        ("workflowId=greeter&filter=status", "has no operator after 'status'"),
        ("workflowId=greeter&filter=status=", "filter value is missing after status="),
        ("workflowId=greeter&filter=status=RUNNING AND status=FAILED", "unexpected text after the value"),
        ('workflowId=greeter&filter=status="RUNNING', 'has no closing "'),
        ("workflowId=greeter&filter=started_at>yesterday", "started_at in filter must be an RFC 3339 time"),
        ("workflowId=greeter&filter=started_at>2026-01-01T00:00:00", "must be an RFC 3339 time with a timezone"),
        ("workflowId=greeter&pageToken=not-a-token", "invalid page token"),
    ],
)
def test_a_bad_query_is_invalid_argument_saying_what_is_wrong(viewer_api, query, message):
    make_workflow("greeter")

    response = viewer_api.get(f"/workflows/v1/execution?{query}")

    assert message in rpc_error(response, 3, 400)


def test_a_tampered_token_is_refused(operator, viewer_api):
    workflow = make_workflow("greeter")
    start_many(operator, workflow, 3)
    token = listing(viewer_api, "workflowId=greeter&pageSize=1")["nextPageToken"]
    value, _, signature = token.rpartition(":")
    tampered = value[:-2] + ("AA" if value[-2:] != "AA" else "BB") + ":" + signature

    response = viewer_api.get(f"/workflows/v1/execution?workflowId=greeter&pageSize=1&pageToken={tampered}")

    assert rpc_error(response, 3, 400) == "invalid page token"


def test_a_token_from_another_query_is_refused(operator, viewer_api):
    workflow = make_workflow("greeter")
    start_many(operator, workflow, 3)
    token = listing(viewer_api, "workflowId=greeter&pageSize=1")["nextPageToken"]

    response = viewer_api.get(
        f"/workflows/v1/execution?workflowId=greeter&pageSize=1&filter=status=QUEUED&pageToken={token}"
    )

    assert rpc_error(response, 3, 400).startswith("invalid page token: it belongs to another query")


def test_a_token_from_another_list_is_refused(admin_user, viewer_api):
    for name in ("alpha", "beta"):
        make_workflow(name)
    token = viewer_api.get("/workflows/v1/workflow?folderId=f&pageSize=1").json()["nextPageToken"]
    make_workflow("greeter")

    response = viewer_api.get(f"/workflows/v1/execution?workflowId=greeter&pageToken={token}")

    assert rpc_error(response, 3, 400) == "invalid page token"


def test_a_token_signed_with_another_secret_is_refused(operator, viewer_api, settings):
    workflow = make_workflow("greeter")
    start_many(operator, workflow, 3)
    settings.SECRET_KEY = "another-installation-entirely-0123456789"
    token = listing(viewer_api, "workflowId=greeter&pageSize=1")["nextPageToken"]
    settings.SECRET_KEY = "insecure-key-for-the-test-suite-only"

    response = viewer_api.get(f"/workflows/v1/execution?workflowId=greeter&pageSize=1&pageToken={token}")

    assert rpc_error(response, 3, 400) == "invalid page token"


def test_an_unknown_workflow_is_not_found(viewer_api):
    response = viewer_api.get("/workflows/v1/execution?workflowId=nosuchworkflow")

    rpc_error(response, 5, 404)
