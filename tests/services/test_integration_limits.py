"""The engine's limits come from settings and hold through the shell."""

from __future__ import annotations

import pytest

from executions.errors import InvalidInput
from executions.functions import workflow_function
from executions.models import Execution, HistoryEntry
from tests.services.helpers_integration import (
    Reply,
    clean_function_registry,
    entry,
    history,
    make_flow,
    serving,
    start,
)

pytestmark = pytest.mark.django_db(transaction=True)

LOOP_SPEC = """\
yawl: "0.1"
start: count
steps:
  count:
    noOp:
      output: '\\({n: (.n + 1)})'
      next: again
  again:
    switch:
      choices: [{condition: 'true', next: count}]
"""

BLOB_SPEC = """\
yawl: "0.1"
start: fetch
steps:
  fetch:
    functionCall:
      functionId: test.blob
      next: done
  done:
    success: {}
"""


@pytest.fixture(autouse=True)
def _registry():
    with clean_function_registry():
        yield


def test_a_runaway_loop_fails_with_step_quota_exceeded_at_the_configured_limit(settings):
    settings.WORKFLOWS_MAX_STEP_RUNS = 5
    execution = start(LOOP_SPEC, {"n": 0})
    assert (execution.status, execution.error_code) == ("FAILED", "STEP_QUOTA_EXCEEDED")
    assert "5" in execution.error_message
    assert HistoryEntry.objects.filter(execution=execution).count() == 5
    assert history(execution)[-1] == ("count", "COMPLETED", 1)


def test_a_step_output_over_the_configured_data_cap_fails_with_step_data_limit_exceeded(settings):
    settings.WORKFLOWS_MAX_DATA_BYTES = 2000
    workflow_function("test.blob")(lambda data: {"blob": "x" * 5000})
    execution = start(BLOB_SPEC, {})
    assert (execution.status, execution.error_code) == ("FAILED", "STEP_DATA_LIMIT_EXCEEDED")
    assert entry(execution, "fetch").status == "FAILED"
    assert history(execution) == [("fetch", "FAILED", 1)]


def test_an_http_response_over_the_data_cap_fails_the_step(settings):
    settings.WORKFLOWS_MAX_DATA_BYTES = 2000
    settings.WORKFLOWS_HTTP_ALLOW = ["127.0.0.1/32"]
    with serving() as server:
        server.script("/big", Reply(body={"blob": "x" * 5000}))
        spec = f'yawl: "0.1"\nstart: get\nsteps:\n  get:\n    httpCall:\n      url: {server.url("/big")}\n'
        execution = start(spec, {})
    assert (execution.status, execution.error_code) == ("FAILED", "STEP_DATA_LIMIT_EXCEEDED")


def test_an_execution_input_over_the_data_cap_is_refused_at_start_and_nothing_is_created(settings):
    settings.WORKFLOWS_MAX_DATA_BYTES = 2000
    workflow_function("test.blob")(lambda data: {})
    workflow = make_flow(BLOB_SPEC)
    with pytest.raises(InvalidInput, match="over the limit of 2000 bytes"):
        start(workflow, {"blob": "x" * 5000})
    assert not Execution.objects.exists()
