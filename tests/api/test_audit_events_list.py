from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from executions import services
from executions.models import AuditEvent
from tests.api.conftest import client_with, error_of, token_for
from tests.conftest import actor_for, make_workflow

pytestmark = pytest.mark.django_db
URL = "/api/v1/audit-events/"


def some_history(user):
    """workflow.create (cli), start (api, by the user), stop (ui, by the user)."""
    workflow = make_workflow("greeter")
    execution = services.execution_start(actor=actor_for(user, "api"), workflow=workflow, input={})
    services.execution_stop(actor=actor_for(user, "ui"), execution_id=execution.pk, reason="done")
    return workflow, execution


def actions(response) -> list[str]:
    return [event["action"] for event in response.json()["results"]]


def test_events_are_listed_newest_first(operator, viewer_api):
    _, execution = some_history(operator)

    response = viewer_api.get(URL)

    assert response.status_code == 200
    assert actions(response)[:3] == ["stop", "start", "workflow.create"]
    stop = response.json()["results"][0]
    assert stop["actor"] == "user:olga"
    assert stop["source"] == "ui"
    assert (stop["target_type"], stop["target_id"], stop["execution_id"]) == ("execution", execution.pk, execution.pk)
    assert stop["reason"] == "done"
    assert stop["created_at"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("target_type=workflow", ["workflow.create"]),
        ("action=start", ["start"]),
        ("source=ui", ["stop"]),
        ("actor=user:olga", ["stop", "start"]),
    ],
)
def test_events_are_filtered(operator, viewer_api, query, expected):
    some_history(operator)

    response = viewer_api.get(f"{URL}?{query}")

    assert response.status_code == 200
    assert actions(response) == expected


def test_events_are_filtered_by_target_id(operator, viewer_api):
    _, execution = some_history(operator)

    response = viewer_api.get(f"{URL}?target_id={execution.pk}")

    assert actions(response) == ["stop", "start"]


def test_events_are_filtered_by_time(operator, viewer_api):
    some_history(operator)
    AuditEvent.objects.filter(action="workflow.create").update(created_at=timezone.now() - timedelta(days=2))
    yesterday = (timezone.now() - timedelta(days=1)).isoformat().replace("+00:00", "Z")

    older = viewer_api.get(URL, {"created_before": yesterday})
    newer = viewer_api.get(URL, {"created_after": yesterday, "target_type": "execution"})

    assert actions(older) == ["workflow.create"]
    assert actions(newer) == ["stop", "start"]


def test_the_list_pages_with_a_cursor(viewer_api):
    for number in range(5):
        AuditEvent.objects.create(
            actor="system:test", source="cli", action=f"a{number}", target_type="workflow", target_id="w"
        )
    query = {"target_id": "w", "page_size": 2}

    pages, cursor = [], ""
    for _ in range(3):
        body = viewer_api.get(URL, {**query, **({"cursor": cursor} if cursor else {})}).json()
        pages.append([event["action"] for event in body["results"]])
        cursor = body["next_cursor"]

    assert pages == [["a4", "a3"], ["a2", "a1"], ["a0"]]
    assert cursor is None


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("source=somewhere", "source"),
        ("created_after=yesterday", "created_after"),
        ("colour=red", "colour"),
        ("page_size=0", "page_size"),
    ],
)
def test_a_bad_filter_is_a_400_naming_it(viewer_api, query, field):
    response = viewer_api.get(f"{URL}?{query}")

    assert response.status_code == 400
    assert error_of(response)["details"][0]["field"] == field


def test_a_bad_cursor_is_a_400(viewer_api):
    response = viewer_api.get(f"{URL}?cursor=eyJjIjoxfQ")

    assert response.status_code == 400
    assert error_of(response)["message"] == "invalid page cursor"


def test_someone_without_a_role_may_not_read_the_audit_trail(outsider):
    response = client_with(token_for(outsider, "read")).get(URL)

    assert response.status_code == 403


def test_it_needs_credentials():
    assert client_with(None).get(URL).status_code == 401


def test_mutations_through_the_api_are_recorded_with_source_api(admin_api):
    admin_api.post("/api/v1/workflows/", {"name": "greeter", "specification": "x: 1"}, format="json")
    make_workflow("greeter")
    admin_api.patch("/api/v1/workflows/greeter/", {"description": "d"}, format="json")

    response = admin_api.get(URL, {"source": "api"})

    assert actions(response) == ["workflow.update"]
    assert response.json()["results"][0]["actor"] == "token:tests (ada)"
