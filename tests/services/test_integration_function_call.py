"""functionCall steps end to end: the registry, the step handler, the executor and the shell."""

from __future__ import annotations

import pytest

from executions import scheduler
from executions.errors import InvalidInput
from executions.functions import FunctionError, unregister_function, workflow_function
from executions.models import Workflow
from tests.services.helpers_integration import clean_function_registry, entry, history, make_flow, reload, start

pytestmark = pytest.mark.django_db(transaction=True)

PRICE_SPEC = """\
yawl: "0.1"
start: price
steps:
  price:
    functionCall:
      functionId: test.price
      input: '\\({sku: .sku, qty: .qty})'
      output: '\\({total: .})'
      next: done
  done:
    success: {}
"""

RETRIED_SPEC = """\
yawl: "0.1"
start: price
steps:
  price:
    functionCall:
      functionId: test.price
      retryPolicy: {errorList: [OUT_OF_STOCK], retryCount: 2, initialDelay: 5s, maxDelay: 5s}
      output: '\\({total: .})'
"""


@pytest.fixture(autouse=True)
def _registry():
    with clean_function_registry():
        yield


def test_a_registered_functions_result_is_merged_into_the_state_and_becomes_the_result():
    seen = []

    @workflow_function("test.price")
    def price(data):
        seen.append(data)
        return data["qty"] * 5

    execution = start(PRICE_SPEC, {"sku": "A-1", "qty": 3, "note": "not for the function"})
    assert execution.status == "FINISHED"
    assert execution.result == {"total": 15}
    assert seen == [{"sku": "A-1", "qty": 3}]
    step = entry(execution, "price")
    assert (step.type, step.status, step.attempts) == ("FunctionCall", "COMPLETED", 1)
    assert step.input == {"sku": "A-1", "qty": 3}
    assert step.output == {"total": 15}
    assert history(execution) == [("price", "COMPLETED", 1), ("done", "COMPLETED", 1)]


def test_a_function_error_fails_the_step_and_the_execution_with_the_code_the_function_chose():
    @workflow_function("test.price")
    def price(data):
        raise FunctionError("X_CODE", f"no price for {data['sku']}")

    execution = start(PRICE_SPEC, {"sku": "A-1", "qty": 3})
    assert execution.status == "FAILED"
    assert (execution.error_code, execution.error_message) == ("X_CODE", "no price for A-1")
    step = entry(execution, "price")
    assert (step.status, step.error_code, step.error_message) == ("FAILED", "X_CODE", "no price for A-1")
    assert history(execution) == [("price", "FAILED", 1)]


def test_a_function_raising_any_other_exception_fails_with_an_invalid_response():
    @workflow_function("test.price")
    def price(data):
        return {}["missing"]

    execution = start(PRICE_SPEC, {"sku": "A-1", "qty": 3})
    assert execution.status == "FAILED"
    assert execution.error_code == "FUNCTION_CALL_INVALID_RESPONSE"
    assert "KeyError" in execution.error_message
    assert entry(execution, "price").error_code == "FUNCTION_CALL_INVALID_RESPONSE"


def test_a_function_returning_something_that_is_not_json_fails_with_an_invalid_response():
    @workflow_function("test.price")
    def price(data):
        return {"when": object()}

    execution = start(PRICE_SPEC, {"sku": "A-1", "qty": 3})
    assert execution.status == "FAILED"
    assert execution.error_code == "FUNCTION_CALL_INVALID_RESPONSE"


def test_a_spec_naming_an_unregistered_function_is_refused_at_create_and_nothing_is_stored():
    with pytest.raises(InvalidInput) as refused:
        make_flow(PRICE_SPEC)
    assert any("test.price" in d["message"] for d in refused.value.details), refused.value.details
    assert not Workflow.objects.exists()


def test_a_function_unregistered_after_create_fails_the_step_with_a_failed_precondition():
    workflow_function("test.price")(lambda data: 1)
    workflow = make_flow(PRICE_SPEC)
    unregister_function("test.price")
    execution = start(workflow, {"sku": "A-1", "qty": 3})
    assert execution.status == "FAILED"
    assert execution.error_code == "STEP_FAILED_PRECONDITION"
    assert "test.price" in execution.error_message


def test_a_function_error_in_the_retry_list_is_retried_after_a_durable_timer():
    outcomes = [FunctionError("OUT_OF_STOCK", "try later"), 42]

    @workflow_function("test.price")
    def price(data):
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    execution = start(RETRIED_SPEC, {})
    step = entry(execution, "price")
    assert (step.status, step.attempts, step.last_error_code) == ("STARTED", 1, "OUT_OF_STOCK")
    assert step.timer_at is not None and step.timer_at == step.next_attempt_at

    assert scheduler.tick(step.timer_at).timers == 1
    execution = reload(execution)
    assert execution.status == "FINISHED"
    assert execution.result == {"total": 42}
    step = entry(execution, "price")
    assert (step.status, step.attempts, step.last_error_code) == ("COMPLETED", 2, "OUT_OF_STOCK")
    assert step.timer_at is None and step.next_attempt_at is None
