from __future__ import annotations

import pytest

from executions import services
from executions.actors import Actor
from executions.errors import Conflict, InvalidInput
from executions.models import AuditEvent, Execution
from tests.conftest import FAILING_SPEC, FINISHING_SPEC, make_workflow

pytestmark = pytest.mark.django_db(transaction=True)
ACTOR = Actor(label="user:test", source="api")


def test_it_runs_a_workflow_to_its_result():
    workflow = make_workflow("greeter", FINISHING_SPEC)
    execution = services.execution_start(actor=ACTOR, workflow=workflow, input={"name": "Ada"})
    execution.refresh_from_db()
    assert execution.status == "FINISHED"
    assert execution.result == {"greeting": "Hello, Ada"}
    assert execution.started_at <= execution.finished_at
    steps = list(execution.history.order_by("run_id").values_list("step_id", "status"))
    assert steps == [("hello", "COMPLETED"), ("done", "COMPLETED")]


def test_it_records_who_started_it():
    workflow = make_workflow("greeter", FINISHING_SPEC)
    execution = services.execution_start(actor=ACTOR, workflow=workflow, input={"name": "Ada"})
    assert execution.started_by == "user:test"
    event = AuditEvent.objects.get(action="start", target_id=execution.pk)
    assert event.actor == "user:test" and event.source == "api"


def test_a_fail_step_fails_the_execution_with_its_message():
    workflow = make_workflow("checker", FAILING_SPEC)
    execution = services.execution_start(actor=ACTOR, workflow=workflow, input={"order_id": 7})
    execution.refresh_from_db()
    assert execution.status == "FAILED"
    assert execution.error_code == "STEP_FAIL"
    assert execution.error_message == "order 7 is invalid"


@pytest.mark.parametrize("bad", [float("nan"), {"x": float("inf")}, {"x": object()}])
def test_it_refuses_input_that_is_not_json_and_writes_nothing(bad):
    workflow = make_workflow("greeter", FINISHING_SPEC)
    with pytest.raises(InvalidInput):
        services.execution_start(actor=ACTOR, workflow=workflow, input=bad)
    assert not Execution.objects.exists()
    assert not AuditEvent.objects.filter(action="start").exists()


def test_it_refuses_input_over_the_size_cap(settings):
    settings.WORKFLOWS_MAX_DATA_BYTES = 1024
    workflow = make_workflow("greeter", FINISHING_SPEC)
    with pytest.raises(InvalidInput, match="over the limit"):
        services.execution_start(actor=ACTOR, workflow=workflow, input={"blob": "x" * 2000})
    assert not Execution.objects.exists()


def test_the_same_idempotency_key_and_input_returns_the_same_execution():
    workflow = make_workflow("greeter", FINISHING_SPEC)
    first = services.execution_start(actor=ACTOR, workflow=workflow, input={"name": "A"}, idempotency_key="k1")
    again = services.execution_start(actor=ACTOR, workflow=workflow, input={"name": "A"}, idempotency_key="k1")
    assert again.pk == first.pk
    assert Execution.objects.count() == 1


def test_the_same_idempotency_key_with_other_input_is_a_conflict():
    workflow = make_workflow("greeter", FINISHING_SPEC)
    services.execution_start(actor=ACTOR, workflow=workflow, input={"name": "A"}, idempotency_key="k1")
    with pytest.raises(Conflict):
        services.execution_start(actor=ACTOR, workflow=workflow, input={"name": "B"}, idempotency_key="k1")
    assert Execution.objects.count() == 1


def test_a_running_execution_keeps_its_revision_when_the_workflow_changes():
    from tests.conftest import WAITING_SPEC

    workflow = make_workflow("sleeper", WAITING_SPEC)
    execution = services.execution_start(actor=ACTOR, workflow=workflow, input={})
    services.workflow_update(actor=ACTOR, workflow=workflow, yaml_text=FINISHING_SPEC)
    execution.refresh_from_db()
    assert execution.revision.number == 1
    assert execution.status == "RUNNING"
