"""Conformance cases: parallel, foreach, while, nesting, and operator requests mid-run."""

from __future__ import annotations

from conformance_helpers import Case, all_of, parents, record_is, wf
from driver import Driver, Fail

from executions.engine.protocol import (
    CancelStep,
    DeadlineExceeded,
    Limits,
    PauseRequested,
    ResumeRequested,
    RetryRequested,
    RunStep,
    StepSucceeded,
    StopRequested,
    TerminateRequested,
)


def run_order(*paths: str):
    """Assert the order in which integration attempts were sent."""

    def check(driver: Driver) -> None:
        sent = [c.path for c in driver.commands if isinstance(c, RunStep)]
        assert sent == list(paths), sent

    return check


TWO_BRANCHES = r"""
p:
  parallel:
    branches:
      left:
        start: l
        steps:
          l: {functionCall: {functionId: f, output: '\({l: .})'}}
      right:
        start: r
        steps:
          r: {functionCall: {functionId: g, output: '\({r: .})'}}
    output: '\({both: .})'
    next: s
s: {success: {}}
"""

FOREACH_CALLS = r"""
e:
  foreach:
    input: '\(.items)'
    output: '\({out: .})'
    do:
      start: call
      steps:
        call: {functionCall: {functionId: sq, output: '\({sq: .})'}}
"""

NESTED = r"""
loop:
  while:
    maxIterations: 2
    input: '\({lists: .lists})'
    do:
      start: par
      steps:
        par:
          parallel:
            branches:
              b:
                start: each
                steps:
                  each:
                    foreach:
                      input: '\(.lists[$counter] | map({v: .}))'
                      output: '\({sums: .})'
                      do:
                        start: inc
                        steps:
                          inc: {functionCall: {functionId: inc, input: '\(.v)', output: '\({v: .})'}}
"""


def in_flight_then_settle(driver: Driver, count: int) -> None:
    assert len(driver.inflight) == count, driver.inflight
    driver.settle()


def stop_midway(driver: Driver) -> None:
    driver.execute(min(driver.inflight))
    driver.send(StopRequested())
    driver.settle()


def terminate_midway(driver: Driver) -> None:
    driver.send(TerminateRequested())
    assert driver.outcomes[-1].commands == (CancelStep(2), CancelStep(3))


def pause_then_resume(driver: Driver) -> None:
    driver.send(PauseRequested())
    driver.execute(min(driver.inflight))
    assert driver.status == "PAUSED" and not driver.inflight
    driver.send(ResumeRequested())
    driver.settle()


def fail_then_redrive(driver: Driver) -> None:
    driver.settle()
    assert driver.status == "FAILED"
    driver.send(RetryRequested())
    driver.settle()


def duplicate_outcomes(driver: Driver) -> None:
    driver.send(StepSucceeded(2, 1, 1))
    before = len(driver.records)
    driver.send(StepSucceeded(2, 1, 999))
    assert len(driver.records) == before
    driver.settle()


def deadline(driver: Driver) -> None:
    driver.send(DeadlineExceeded())


CASES: list[Case] = [
    # -- parallel -----------------------------------------------------------------------------------------
    Case(
        "parallel_results_are_keyed_by_branch",
        wf(TWO_BRANCHES, start="p"),
        functions={"f": lambda _: 1, "g": lambda _: 2},
        result={"both": {"left": {"l": 1}, "right": {"r": 2}}},
        history=[
            ("p", "COMPLETED"),
            ("p/left/l", "COMPLETED"),
            ("p/right/r", "COMPLETED"),
            ("s", "COMPLETED"),
        ],
        check=parents({"p/left/l": "p", "p/right/r": "p", "p": None}),
    ),
    Case(
        "parallel_branches_start_from_copies_of_the_input",
        wf(
            r"""
            p:
              parallel:
                input: '\({seed: .n})'
                branches:
                  one: {start: x, steps: {x: {noOp: {output: '\({seed: (.seed + 1), saw: .})', next: y}},
                                           y: {noOp: {output: '\({final: .seed})', next: z}},
                                           z: {success: {}}}}
            """,
            start="p",
        ),
        input={"n": 1},
        result={"final": 2},
        check=record_is("p/one/x", input={"seed": 1}),
    ),
    Case(
        "a_branch_without_output_contributes_an_empty_object",
        wf(
            r"""
            p:
              parallel:
                branches:
                  quiet: {start: w, steps: {w: {wait: {duration: 1s}}}}
                  loud: {start: n, steps: {n: {noOp: {output: '\({v: 1})'}}}}
            """,
            start="p",
        ),
        result={"quiet": {}, "loud": {"v": 1}},
        ext=True,
    ),
    Case(
        "parallel_output_is_merged_into_the_state",
        wf(
            r"""
            p:
              parallel:
                branches:
                  a:
                    start: x
                    steps: {x: {noOp: {output: '\({v: 1})', next: y}}, y: {noOp: {output: '\({w: 2})'}}}
                output: '\({merged: .a.w})'
                next: after
            after: {noOp: {output: '\({seen: .merged, state: (keys)})', next: s}}
            s: {success: {}}
            """,
            start="p",
        ),
        result={"seen": 2, "state": ["input", "merged"]},
        check=record_is("p", output={"merged": 2}),
        ext=True,
    ),
    Case(
        "parallel_concurrency_limits_running_branches",
        wf(
            r"""
            p:
              parallel:
                concurrency: 1
                branches:
                  first: {start: x, steps: {x: {functionCall: {functionId: f, output: '\({x: .})'}}}}
                  second: {start: y, steps: {y: {functionCall: {functionId: f, output: '\({y: .})'}}}}
                  third: {start: z, steps: {z: {functionCall: {functionId: f, output: '\({z: .})'}}}}
            """,
            start="p",
        ),
        functions={"f": lambda _: 1},
        script=lambda d: in_flight_then_settle(d, 1),
        result={"first": {"x": 1}, "second": {"y": 1}, "third": {"z": 1}},
        check=run_order("p/first/x", "p/second/y", "p/third/z"),
        ext=True,
    ),
    Case(
        "a_failing_branch_fails_the_parallel_and_cancels_siblings",
        wf(TWO_BRANCHES, start="p"),
        functions={"f": Fail("LEFT_DOWN"), "g": lambda _: 2},
        status="FAILED",
        error="LEFT_DOWN",
        history=[("p", "FAILED"), ("p/left/l", "FAILED"), ("p/right/r", "CANCELLED")],
        check=lambda d: CancelStep(3) in d.commands,
    ),
    Case(
        "parallel_input_must_be_an_object",
        wf(TWO_BRANCHES.replace("parallel:\n", "parallel:\n    input: '\\(.list)'\n", 1), start="p"),
        input={"list": [1]},
        status="FAILED",
        error="STEP_INVALID_ARGUMENT",
    ),
    Case(
        "success_in_a_branch_ends_everything",
        wf(
            r"""
            p:
              parallel:
                branches:
                  slow: {start: call, steps: {call: {functionCall: {functionId: f}}}}
                  fast: {start: done, steps: {done: {success: {}}}}
            """,
            start="p",
        ),
        functions={"f": {}},
        result=None,
        history=[("p", "COMPLETED"), ("p/slow/call", "CANCELLED"), ("p/fast/done", "COMPLETED")],
        check=lambda d: CancelStep(2) in d.commands,
    ),
    Case(
        "fail_in_a_branch_fails_the_execution",
        wf(
            r"""
            p:
              parallel:
                branches:
                  bad: {start: nope, steps: {nope: {fail: {errorMessage: 'nope'}}}}
                  good: {start: call, steps: {call: {functionCall: {functionId: f}}}}
            """,
            start="p",
        ),
        functions={"f": {}},
        status="FAILED",
        error="STEP_FAIL",
        history=[("p", "FAILED"), ("p/bad/nope", "FAILED")],
    ),
    # -- foreach ------------------------------------------------------------------------------------------
    Case(
        "foreach_results_keep_input_order",
        wf(FOREACH_CALLS, start="e"),
        input={"items": [{"n": 3}, {"n": 1}, {"n": 2}]},
        functions={"sq": lambda item: item["n"] ** 2},
        result={"out": [{"sq": 9}, {"sq": 1}, {"sq": 4}]},
        history=[
            ("e", "COMPLETED"),
            ("e[0]/call", "COMPLETED"),
            ("e[1]/call", "COMPLETED"),
            ("e[2]/call", "COMPLETED"),
        ],
        check=all_of(
            parents({"e[1]/call": "e"}),
            record_is("e[1]/call", input={"n": 1}),
            run_order("e[0]/call", "e[1]/call", "e[2]/call"),
        ),
    ),
    Case(
        "foreach_over_an_empty_array",
        wf(FOREACH_CALLS, start="e"),
        input={"items": []},
        result={"out": []},
        history=[("e", "COMPLETED")],
    ),
    Case(
        "foreach_input_must_be_an_array",
        wf(FOREACH_CALLS, start="e"),
        input={"items": {"n": 1}},
        status="FAILED",
        error="STEP_INVALID_ARGUMENT",
    ),
    Case(
        "foreach_elements_must_be_objects",
        wf(FOREACH_CALLS, start="e"),
        input={"items": [1, 2]},
        status="FAILED",
        error="STEP_INVALID_ARGUMENT",
    ),
    Case(
        "foreach_output_must_be_an_object",
        wf(FOREACH_CALLS.replace("output: '\\({out: .})'", "output: '\\(.)'"), start="e"),
        input={"items": [{"n": 1}]},
        functions={"sq": lambda item: 1},
        status="FAILED",
        error="STEP_INVALID_OUTPUT",
    ),
    Case(
        "foreach_concurrency_runs_iterations_together",
        wf(FOREACH_CALLS.replace("foreach:\n", "foreach:\n    concurrency: 2\n"), start="e"),
        input={"items": [{"n": 1}, {"n": 2}, {"n": 3}]},
        functions={"sq": lambda item: item["n"]},
        script=lambda d: in_flight_then_settle(d, 2),
        result={"out": [{"sq": 1}, {"sq": 2}, {"sq": 3}]},
        ext=True,
    ),
    Case(
        "foreach_counter_is_the_index",
        wf(
            r"""
            e:
              foreach:
                input: '\([{}, {}])'
                output: '\({idx: map(.i)})'
                do: {start: x, steps: {x: {noOp: {output: '\({i: $counter})'}}}}
            """,
            start="e",
        ),
        result={"idx": [0, 1]},
        ext=True,
    ),
    Case(
        "an_iteration_without_output_gives_an_empty_object",
        wf(
            r"""
            e:
              foreach:
                input: '\([{}])'
                output: '\({r: .})'
                do: {start: x, steps: {x: {switch: {choices: [], default: y}}, y: {noOp: {}}}}
            """,
            start="e",
        ),
        result={"r": [{}]},
        ext=True,
    ),
    Case(
        "a_failing_iteration_fails_the_foreach",
        wf(FOREACH_CALLS, start="e"),
        input={"items": [{"n": 1}, {"n": 2}]},
        functions={"sq": [lambda _: 1, Fail("BAD_ITEM", "2 is bad")]},
        status="FAILED",
        error="BAD_ITEM",
        history=[("e", "FAILED"), ("e[0]/call", "COMPLETED"), ("e[1]/call", "FAILED")],
    ),
    Case(
        "foreach_counts_toward_the_quota",
        wf(FOREACH_CALLS, start="e"),
        input={"items": [{"n": 1}] * 5},
        functions={"sq": lambda _: 1},
        limits=Limits(max_step_runs=4),
        status="FAILED",
        error="STEP_QUOTA_EXCEEDED",
    ),
    # -- while --------------------------------------------------------------------------------------------
    Case(
        "while_checks_its_condition_before_each_iteration",
        wf(
            r"""
            w:
              while:
                condition: '.n < 3'
                input: '\({n: .start})'
                output: '\({final: .n})'
                do: {start: inc, steps: {inc: {noOp: {output: '\({n: (.n + 1)})'}}}}
            """,
            start="w",
        ),
        input={"start": 0},
        result={"final": 3},
        check=record_is("w", input={"n": 0}, output={"final": 3}),
        ext=True,
    ),
    Case(
        "while_carries_state_between_iterations",
        wf(
            r"""
            w:
              while:
                condition: '.n < 3'
                input: '\({n: .start})'
                do: {start: inc, steps: {inc: {noOp: {output: '\({n: (.n + 1)})'}}}}
            """,
            start="w",
        ),
        input={"start": 0},
        result={"n": 3},
        history=[
            ("w", "COMPLETED"),
            ("w[0]/inc", "COMPLETED"),
            ("w[1]/inc", "COMPLETED"),
            ("w[2]/inc", "COMPLETED"),
        ],
        ext=True,
    ),
    Case(
        "while_may_run_zero_times",
        wf(
            r"""
            w:
              while:
                condition: '.n < 3'
                input: '\({n: 5})'
                do: {start: inc, steps: {inc: {noOp: {output: '\({n: (.n + 1)})'}}}}
            """,
            start="w",
        ),
        result={},
        history=[("w", "COMPLETED")],
        ext=True,
    ),
    Case(
        "while_with_only_max_iterations",
        wf(
            r"""
            w:
              while:
                maxIterations: 3
                do: {start: tick, steps: {tick: {noOp: {output: '\({i: $counter})'}}}}
            """,
            start="w",
        ),
        result={"i": 2},
        history=[
            ("w", "COMPLETED"),
            ("w[0]/tick", "COMPLETED"),
            ("w[1]/tick", "COMPLETED"),
            ("w[2]/tick", "COMPLETED"),
        ],
        ext=True,
    ),
    Case(
        "while_accepts_max_iterations_in_snake_case",
        wf(
            r"""
            w:
              while:
                max_iterations: 2
                condition: 'true'
                do: {start: tick, steps: {tick: {noOp: {output: '\({i: $counter})'}}}}
            """,
            start="w",
        ),
        result={"i": 1},
        ext=True,
    ),
    Case(
        "while_condition_sees_the_counter",
        wf(
            r"""
            w:
              while:
                condition: '$counter < 2'
                do:
                  start: tick
                  steps:
                    tick: {functionCall: {functionId: f, input: '\({c: $counter})', output: '\({seen: .})'}}
            """,
            start="w",
        ),
        functions={"f": lambda data: data["c"]},
        result={"seen": 1},
        ext=True,
    ),
    Case(
        "while_output_filters_the_last_output",
        wf(
            r"""
            w:
              while:
                maxIterations: 2
                output: '\({last: .i})'
                next: after
                do: {start: tick, steps: {tick: {noOp: {output: '\({i: $counter})'}}}}
            after: {noOp: {output: '\({saw: .last})'}}
            """,
            start="w",
        ),
        result={"saw": 1},
        ext=True,
    ),
    Case(
        "a_while_condition_error_fails_the_step",
        wf(
            r"""
            w:
              while:
                condition: '.n | keys'
                input: '\({n: 1})'
                do: {start: tick, steps: {tick: {noOp: {}}}}
            """,
            start="w",
        ),
        status="FAILED",
        error="STEP_INVALID_TEMPLATE_EXPRESSION",
        message="condition",
        ext=True,
    ),
    # -- nesting ------------------------------------------------------------------------------------------
    Case(
        "foreach_inside_parallel_inside_while",
        wf(NESTED, start="loop"),
        input={"lists": [[1, 2], [10]]},
        functions={"inc": lambda v: v + 1},
        result={"b": {"sums": [{"v": 11}]}},
        history=[
            ("loop", "COMPLETED"),
            ("loop[0]/par", "COMPLETED"),
            ("loop[0]/par/b/each", "COMPLETED"),
            ("loop[0]/par/b/each[0]/inc", "COMPLETED"),
            ("loop[0]/par/b/each[1]/inc", "COMPLETED"),
            ("loop[1]/par", "COMPLETED"),
            ("loop[1]/par/b/each", "COMPLETED"),
            ("loop[1]/par/b/each[0]/inc", "COMPLETED"),
        ],
        check=parents(
            {
                "loop[0]/par": "loop",
                "loop[0]/par/b/each": "loop[0]/par",
                "loop[0]/par/b/each[1]/inc": "loop[0]/par/b/each",
            }
        ),
        ext=True,
    ),
    Case(
        "a_deep_failure_fails_every_container_up_the_chain",
        wf(NESTED, start="loop"),
        input={"lists": [[1, 2]]},
        functions={"inc": [lambda v: v, Fail("DEEP")]},
        status="FAILED",
        error="DEEP",
        history=[
            ("loop", "FAILED"),
            ("loop[0]/par", "FAILED"),
            ("loop[0]/par/b/each", "FAILED"),
            ("loop[0]/par/b/each[0]/inc", "COMPLETED"),
            ("loop[0]/par/b/each[1]/inc", "FAILED"),
        ],
        ext=True,
    ),
    Case(
        "next_inside_a_block_stays_in_the_block",
        wf(
            r"""
            e:
              foreach:
                input: '\([{n: 1}])'
                output: '\({r: .})'
                do:
                  start: one
                  steps:
                    one: {noOp: {output: '\({n: (.n + 1)})', next: two}}
                    two: {noOp: {output: '\({m: (.n * 10)})', next: end}}
                    end: {success: {}}
                next: s
            s: {success: {}}
            """,
            start="e",
        ),
        result={"m": 20},
        history=[
            ("e", "COMPLETED"),
            ("e[0]/one", "COMPLETED"),
            ("e[0]/two", "COMPLETED"),
            ("e[0]/end", "COMPLETED"),
        ],
    ),
    # -- operator requests mid-run ------------------------------------------------------------------------
    Case(
        "stop_between_steps",
        wf(
            TWO_BRANCHES.replace("next: s", "next: t") + "t: {functionCall: {functionId: f, next: s}}\n",
            start="p",
        ),
        functions={"f": lambda _: 1, "g": lambda _: 2},
        script=stop_midway,
        status="STOPPED",
        history=[("p", "COMPLETED"), ("p/left/l", "COMPLETED"), ("p/right/r", "COMPLETED")],
        check=lambda d: d.cursor["pending"] == [{"do": "step", "frame": "1", "step": "t"}],
    ),
    Case(
        "terminate_cancels_what_runs",
        wf(TWO_BRANCHES, start="p"),
        script=terminate_midway,
        status="STOPPED",
        history=[("p", "CANCELLED"), ("p/left/l", "CANCELLED"), ("p/right/r", "CANCELLED")],
    ),
    Case(
        "pause_and_resume_in_a_foreach",
        wf(FOREACH_CALLS, start="e"),
        input={"items": [{"n": 1}, {"n": 2}]},
        functions={"sq": lambda item: item["n"]},
        script=pause_then_resume,
        result={"out": [{"sq": 1}, {"sq": 2}]},
    ),
    Case(
        "redrive_a_foreach_keeps_finished_iterations",
        wf(FOREACH_CALLS, start="e"),
        input={"items": [{"n": 1}, {"n": 2}]},
        functions={"sq": [lambda _: 1, Fail("FLAKY"), lambda _: 2]},
        script=fail_then_redrive,
        result={"out": [{"sq": 1}, {"sq": 2}]},
        history=[
            ("e", "FAILED"),
            ("e[0]/call", "COMPLETED"),
            ("e[1]/call", "FAILED"),
            ("e", "COMPLETED"),
            ("e[1]/call", "COMPLETED"),
        ],
    ),
    Case(
        "duplicated_outcomes_are_applied_once",
        wf(FOREACH_CALLS, start="e"),
        input={"items": [{"n": 1}, {"n": 2}]},
        functions={"sq": lambda item: item["n"]},
        script=duplicate_outcomes,
        result={"out": [{"sq": 1}, {"sq": 2}]},
    ),
    Case(
        "a_deadline_fails_a_parallel",
        wf(TWO_BRANCHES, start="p"),
        script=deadline,
        status="FAILED",
        error="EXECUTION_TIMEOUT",
        history=[("p", "CANCELLED"), ("p/left/l", "CANCELLED"), ("p/right/r", "CANCELLED")],
    ),
]
