"""Parallel and foreach steps around real integration steps: nested history rows, results in order."""

from __future__ import annotations

import pytest

from executions.functions import FunctionError, workflow_function
from executions.models import HistoryEntry
from tests.services.helpers_integration import Reply, clean_function_registry, entry, history, serving, start

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _registry():
    with clean_function_registry():
        yield


@pytest.fixture(autouse=True)
def _loopback_allowed(settings):
    settings.WORKFLOWS_HTTP_ALLOW = ["127.0.0.1/32"]


@pytest.fixture
def server():
    with serving() as running:
        yield running


def parallel_spec(url: str, *, price_first: bool = False) -> str:
    stock = f"""\
        stock:
          start: ask
          steps:
            ask:
              httpCall:
                url: '{url}'
                output: '\\({{stock: .available}})'
"""
    return f"""\
yawl: "0.1"
start: gather
steps:
  gather:
    parallel:
      branches:
{"" if price_first else stock}\
        price:
          start: quote
          steps:
            quote:
              functionCall:
                functionId: test.quote
                output: '\\({{price: .}})'
                next: round
            round:
              noOp:
                output: '\\({{price: (.price | floor)}})'
{stock if price_first else ""}\
      output: '\\({{offer: .}})'
      next: done
  done:
    success: {{}}
"""


FOREACH_SPEC = """\
yawl: "0.1"
start: each
steps:
  each:
    foreach:
      input: '\\(.items)'
      output: '\\({squares: .})'
      concurrency: 2
      do:
        start: square
        steps:
          square:
            functionCall:
              functionId: test.square
              output: '\\({sq: .})'
"""


def test_parallel_branches_run_real_steps_and_their_rows_nest_under_the_parallel(server):
    server.script("/stock", Reply(body={"available": 7}))
    workflow_function("test.quote")(lambda data: 9.75)

    execution = start(parallel_spec(server.url("/stock")), {})

    assert execution.status == "FINISHED", execution.error_message
    assert execution.result == {"offer": {"stock": {"stock": 7}, "price": {"price": 9}}}
    assert history(execution) == [
        ("gather", "COMPLETED", 1),
        ("gather/stock/ask", "COMPLETED", 1),
        ("gather/price/quote", "COMPLETED", 1),
        ("gather/price/round", "COMPLETED", 1),
        ("done", "COMPLETED", 1),
    ]
    gather = entry(execution, "gather")
    nested = HistoryEntry.objects.filter(execution=execution, parent=gather).values_list("path", flat=True)
    assert sorted(nested) == ["gather/price/quote", "gather/price/round", "gather/stock/ask"]
    assert entry(execution, "done").parent is None
    assert gather.parent is None


def test_a_failing_branch_fails_the_parallel_and_its_sibling_never_calls_out(server):
    server.script("/stock", Reply(body={"available": 7}))

    @workflow_function("test.quote")
    def quote(data):
        raise FunctionError("NO_QUOTE", "pricing is down")

    # The price branch starts first; its failure cancels the stock branch before that attempt runs.
    execution = start(parallel_spec(server.url("/stock"), price_first=True), {})

    assert (execution.status, execution.error_code) == ("FAILED", "NO_QUOTE")
    statuses = dict(HistoryEntry.objects.filter(execution=execution).values_list("path", "status"))
    assert statuses == {
        "gather": "FAILED",
        "gather/price/quote": "FAILED",
        "gather/stock/ask": "CANCELLED",
    }
    assert server.requests == []


def test_foreach_results_keep_the_input_order_and_each_iteration_has_its_own_row():
    seen = []

    @workflow_function("test.square")
    def square(data):
        seen.append(data["n"])
        return data["n"] ** 2

    execution = start(FOREACH_SPEC, {"items": [{"n": 3}, {"n": 1}, {"n": 2}]})

    assert execution.status == "FINISHED", execution.error_message
    assert execution.result == {"squares": [{"sq": 9}, {"sq": 1}, {"sq": 4}]}
    assert sorted(seen) == [1, 2, 3]
    assert history(execution) == [
        ("each", "COMPLETED", 1),
        ("each[0]/square", "COMPLETED", 1),
        ("each[1]/square", "COMPLETED", 1),
        ("each[2]/square", "COMPLETED", 1),
    ]
    each = entry(execution, "each")
    rows = HistoryEntry.objects.filter(execution=execution, parent=each).order_by("run_id")
    assert [(r.path, r.input) for r in rows] == [
        ("each[0]/square", {"n": 3}),
        ("each[1]/square", {"n": 1}),
        ("each[2]/square", {"n": 2}),
    ]


def test_a_failing_iteration_fails_the_foreach_with_its_code():
    @workflow_function("test.square")
    def square(data):
        if data["n"] < 0:
            raise FunctionError("NEGATIVE", f"{data['n']} is negative")
        return data["n"] ** 2

    execution = start(FOREACH_SPEC.replace("concurrency: 2", "concurrency: 1"), {"items": [{"n": 2}, {"n": -1}]})

    assert (execution.status, execution.error_code, execution.error_message) == ("FAILED", "NEGATIVE", "-1 is negative")
    assert history(execution) == [
        ("each", "FAILED", 1),
        ("each[0]/square", "COMPLETED", 1),
        ("each[1]/square", "FAILED", 1),
    ]
