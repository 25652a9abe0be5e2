"""The proto3 JSON mapping itself, on objects in memory: no database, no HTTP."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from google.protobuf import duration_pb2, timestamp_pb2
from yandex.cloud.serverless.workflows.v1 import execution_service_pb2, history_entry_pb2, workflow_pb2

from executions import yandex_mapping as mapping
from executions.models import Execution, HistoryEntry, Workflow, WorkflowRevision
from tests.yandex_api.conftest import assert_message

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 25, 18, 0, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    "value",
    [
        datetime(2026, 11, 25, 18, 0, 0, tzinfo=UTC),
        datetime(2026, 11, 25, 18, 0, 0, 123000, tzinfo=UTC),
        datetime(2026, 11, 25, 18, 0, 0, 123456, tzinfo=UTC),
        datetime(2026, 11, 25, 18, 0, 0, 5, tzinfo=UTC),
    ],
)
def test_timestamps_are_written_as_protobuf_writes_them(value):
    expected = timestamp_pb2.Timestamp()
    expected.FromDatetime(value)

    assert mapping.timestamp(value) == expected.ToJsonString()


def test_timestamps_in_another_zone_are_written_in_utc():
    moscow = datetime(2026, 1, 1, 3, 0, 0, 500000, tzinfo=ZoneInfo("Europe/Moscow"))

    assert mapping.timestamp(moscow) == "2026-01-01T00:00:00.500Z"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (timedelta(0), "0s"),
        (timedelta(seconds=12, milliseconds=500), "12.500s"),
        (timedelta(seconds=3, microseconds=7), "3.000007s"),
        (timedelta(hours=49), "176400s"),
        (timedelta(seconds=-1), "0s"),
    ],
)
def test_durations_are_seconds_as_protobuf_writes_them(value, text):
    expected = duration_pb2.Duration()
    expected.FromTimedelta(max(value, timedelta(0)))

    assert mapping.duration(value) == text == expected.ToJsonString()


def test_a_step_that_was_retried_shows_its_attempts_as_a_string_and_its_last_error():
    entry = HistoryEntry(
        step_id="charge",
        title="Charge the card",
        type="HttpCall",
        status="STARTED",
        input={"amount": 5},
        attempts=3,
        last_error_code="HTTP_CALL_503",
        last_error_message="service unavailable",
        scheduled_at=NOW - timedelta(seconds=9),
        started_at=NOW - timedelta(seconds=4),
    )

    message = mapping.history_entry_message(entry, now=NOW)

    assert_message(message, history_entry_pb2.HistoryEntry)
    assert message == {
        "id": "charge",
        "title": "Charge the card",
        "startedAt": "2026-11-25T18:00:06Z",
        "duration": "4s",
        "input": {"inputJson": '{"amount":5}'},
        "status": "STARTED",
        "type": "HttpCall",
        "attempts": "3",
        "lastError": {"message": "service unavailable", "errorCode": "HTTP_CALL_503"},
    }


def test_a_step_not_yet_started_counts_from_when_it_was_scheduled():
    entry = HistoryEntry(step_id="wait", type="Wait", status="SCHEDULED", scheduled_at=NOW - timedelta(seconds=1))

    message = mapping.history_entry_message(entry, now=NOW)

    assert (message["startedAt"], message["duration"], message["title"]) == ("2026-11-25T18:00:09Z", "1s", "wait")


def test_a_finished_execution_with_a_null_result_still_has_a_result():
    execution = Execution(
        id="01hzzzzzzzzzzzzzzzzzzzzzzz",
        workflow_id="w" * 20,
        status="FINISHED",
        input=None,
        result=None,
        created_at=NOW - timedelta(seconds=3),
        started_at=NOW - timedelta(seconds=2),
        finished_at=NOW - timedelta(seconds=1),
    )

    message = mapping.get_execution_response(execution, now=NOW)

    assert_message(message, execution_service_pb2.GetExecutionResponse)
    assert message["execution"]["result"] == {"resultJson": "null"} and "input" not in message["execution"]
    assert message["execution"]["duration"] == "1s"


def test_text_in_json_keeps_its_characters():
    assert mapping.json_text({"город": "Москва"}) == '{"город":"Москва"}'


def test_a_workflow_shows_its_schedule_and_cloud_fields_when_stored():
    revision = WorkflowRevision(number=1, yaml_text="yawl: '0.1'\n")
    workflow = Workflow(
        id="a" * 20,
        name="nightly",
        folder_id="b1g",
        status="ACTIVE",
        schedule_cron="0 3 * * *",
        schedule_timezone="Europe/Moscow",
        express=True,
        network_id="enp",
        log_options={"disabled": True},
        created_at=NOW,
        current_revision=revision,
    )

    message = mapping.workflow_message(workflow)

    assert_message(message, workflow_pb2.Workflow)
    assert message["schedule"] == {"cronExpression": "0 3 * * *", "timezone": "Europe/Moscow"}
    assert (message["express"], message["networkId"], message["logOptions"]) == (True, "enp", {"disabled": True})


def test_the_mapping_needs_neither_django_nor_drf_nor_protobuf():
    code = (
        "import sys, executions.yandex_mapping\n"
        "bad = sorted(n for n in sys.modules if n.split('.')[0] in ('django', 'rest_framework', 'google'))\n"
        "print(bad)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"
