from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from executions import services
from executions.models import Execution
from tests.api.conftest import error_of
from tests.conftest import actor_for, make_workflow

pytestmark = pytest.mark.django_db
URL = "/api/v1/executions/"


def start_many(user, count: int, workflow=None, **kwargs) -> list[str]:
    workflow = workflow or make_workflow()
    return [
        services.execution_start(actor=actor_for(user), workflow=workflow, input={"n": i}, **kwargs).pk
        for i in range(count)
    ]


def test_it_lists_executions_newest_first(operator, viewer_api):
    ids = start_many(operator, 3)

    response = viewer_api.get(URL)

    assert response.status_code == 200
    body = response.json()
    assert [item["id"] for item in body["results"]] == ids[::-1]
    assert body["next_cursor"] is None
    assert body["results"][0]["deployment_id"].endswith(":1")


def test_it_pages_through_every_execution_once_with_a_cursor(operator, viewer_api):
    ids = start_many(operator, 7)

    seen, cursor, pages = [], "", 0
    while cursor is not None and pages < 10:
        body = viewer_api.get(URL, {"page_size": 3, "cursor": cursor}).json()
        seen += [item["id"] for item in body["results"]]
        cursor = body["next_cursor"]
        pages += 1

    assert pages == 3
    assert len(seen) == len(set(seen)) == 7
    assert set(seen) == set(ids)


def test_it_filters_by_status_with_api_names(operator, viewer_api):
    queued, stopped = start_many(operator, 2)
    services.execution_stop(actor=actor_for(operator), execution_id=stopped)

    cancelled = viewer_api.get(URL, {"status": "cancelled"}).json()["results"]
    both = viewer_api.get(URL, {"status": "queued,CANCELLED"}).json()["results"]
    repeated = viewer_api.get(f"{URL}?status=queued&status=cancelled").json()["results"]
    completed = viewer_api.get(URL, {"status": "completed"}).json()["results"]
    unfiltered = viewer_api.get(URL, {"status": ""}).json()["results"]

    assert [item["id"] for item in cancelled] == [stopped]
    assert cancelled[0]["status"] == "cancelled"
    assert {item["id"] for item in both} == {queued, stopped}
    assert {item["id"] for item in repeated} == {queued, stopped}
    assert completed == []
    assert len(unfiltered) == 2


def test_it_filters_by_workflow_queue_and_batch(operator, viewer_api):
    greeter = make_workflow("greeter")
    other = make_workflow("other")
    [mine] = start_many(operator, 1, greeter, queue_name="bulk", batch_id="b-1")
    start_many(operator, 2, other)

    for query in (
        {"workflow_id": "greeter"},
        {"workflow_id": greeter.pk},
        {"queue_name": "bulk"},
        {"batch_id": "b-1"},
    ):
        results = viewer_api.get(URL, query).json()["results"]
        assert [item["id"] for item in results] == [mine], query


def test_it_filters_by_creation_time(operator, viewer_api):
    old, new = start_many(operator, 2)
    Execution.objects.filter(pk=old).update(created_at=timezone.now() - timedelta(days=2))
    yesterday = (timezone.now() - timedelta(days=1)).isoformat().replace("+00:00", "Z")

    after = viewer_api.get(URL, {"created_after": yesterday}).json()["results"]
    before = viewer_api.get(URL, {"created_before": yesterday}).json()["results"]

    assert [item["id"] for item in after] == [new]
    assert [item["id"] for item in before] == [old]


@pytest.mark.parametrize(
    ("parameter", "value"),
    [
        ("status", "finished"),
        ("created_after", "yesterday"),
        ("started_before", "2024-13-01T00:00:00Z"),
        ("finished_after", "2024-01-01T25:00:00Z"),
        ("page_size", "0"),
        ("page_size", "501"),
        ("stauts", "queued"),
    ],
)
def test_an_invalid_query_parameter_is_a_400_naming_it(viewer_api, parameter, value):
    response = viewer_api.get(URL, {parameter: value})

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid"
    assert error["details"][0]["field"] == parameter
    assert parameter in error["message"]


@pytest.mark.parametrize(
    "cursor",
    [
        "not a cursor",
        "eyJjIjoiMjAyNC0xMy0wMVQwMDowMDowMFoiLCJpIjoiYSJ9",  # month 13
        "eyJjIjoiMjAyNC0wMS0wMVQwMDowMDowMFoiLCJpIjoxfQ",  # id not a string
        "eyJjIjoiMjAyNC0wMS0wMVQwMDowMDowMFoiLCJpIjoiXHUwMDAwIn0",  # a NUL in the id
        "W10",  # a list
    ],
)
def test_a_tampered_cursor_is_a_400(viewer_api, cursor):
    response = viewer_api.get(URL, {"cursor": cursor})

    assert response.status_code == 400
    assert error_of(response)["message"] == "invalid page cursor"
