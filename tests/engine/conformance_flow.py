"""Conformance cases: state and templating, noOp, success, fail, switch, wait, limits."""

from __future__ import annotations

from conformance_helpers import Case, all_of, record_is, wf
from driver import T0

from executions.engine.protocol import Limits

OUT_SEEN = r"""
a: {noOp: {output: '\({seen: .})', next: s}}
s: {success: {}}
"""

CASES: list[Case] = [
    # -- state and the execution input -------------------------------------------------------------------
    Case(
        "state_starts_with_input_and_its_keys",
        wf(OUT_SEEN),
        input={"a": 1},
        result={"seen": {"input": {"a": 1}, "a": 1}},
        history=[("a", "COMPLETED"), ("s", "COMPLETED")],
    ),
    Case("non_object_input_lives_under_input", wf(OUT_SEEN), input=[1, 2], result={"seen": {"input": [1, 2]}}),
    Case("null_input", wf(OUT_SEEN), input=None, result={"seen": {"input": None}}),
    Case(
        "an_input_key_of_the_input_stays_nested",
        wf(OUT_SEEN),
        input={"input": 5, "b": 1},
        result={"seen": {"input": {"input": 5, "b": 1}, "b": 1}},
    ),
    Case(
        "noop_output_is_merged_and_is_the_result",
        wf(r"""
            a: {noOp: {output: '\({b: (.a + 1)})', next: b}}
            b: {noOp: {output: '\({c: (.a + .b)})', next: s}}
            s: {success: {}}
            """),
        input={"a": 1},
        result={"c": 3},
        check=record_is("b", input={"input": {"a": 1}, "a": 1, "b": 2}, output={"c": 3}),
    ),
    Case(
        "merge_is_shallow",
        wf(r"""
            a: {noOp: {output: '\({o: {x: 9}})', next: b}}
            b: {noOp: {output: '\({after: .o})', next: s}}
            s: {success: {}}
            """),
        input={"o": {"x": 1, "y": 2}},
        result={"after": {"x": 9}},
    ),
    Case(
        "the_result_is_the_last_output_not_the_state",
        wf(r"""
            a: {noOp: {output: '\({x: 1})', next: b}}
            b: {noOp: {output: '\({y: 2})', next: s}}
            s: {success: {}}
            """),
        result={"y": 2},
    ),
    Case(
        "steps_without_output_leave_the_result_alone",
        wf(r"""
            a: {noOp: {output: '\({x: 1})', next: b}}
            b: {switch: {choices: [{condition: 'true', next: c}]}}
            c: {noOp: {next: s}}
            s: {success: {}}
            """),
        result={"x": 1},
        ext=True,
    ),
    Case("no_output_at_all_gives_a_null_result", wf("a: {noOp: {}}"), result=None, ext=True),
    Case(
        "a_step_without_next_ends_the_workflow",
        wf(r"""
            a: {noOp: {output: '\({x: 1})'}}
            """),
        result={"x": 1},
        history=[("a", "COMPLETED", 1)],
        ext=True,
    ),
    Case(
        "output_must_be_an_object",
        wf(r"""
            a: {noOp: {output: '\(.a)', next: s}}
            s: {success: {}}
            """),
        input={"a": [1]},
        status="FAILED",
        error="STEP_INVALID_OUTPUT",
        history=[("a", "FAILED")],
    ),
    Case(
        "an_output_with_no_result_is_null_and_invalid",
        wf(r"""
            a: {noOp: {output: '\(empty)', next: s}}
            s: {success: {}}
            """),
        status="FAILED",
        error="STEP_INVALID_OUTPUT",
    ),
    Case(
        "a_runtime_template_error_fails_the_step",
        wf(r"""
            a: {noOp: {output: '\({x: (.a | keys)})', next: s}}
            s: {success: {}}
            """),
        input={"a": 1},
        status="FAILED",
        error="STEP_INVALID_TEMPLATE_EXPRESSION",
        message="output: ",
    ),
    # -- templating edge cases -----------------------------------------------------------------------------
    Case(
        "string_interpolation_renders_text",
        wf(r"""
            a: {noOp: {output: '\({msg: "Hello, \(.name)! obj=\(.o) n=\(.n)"})', next: s}}
            s: {success: {}}
            """),
        input={"name": "Ann", "o": {"k": [1]}, "n": 2.5},
        result={"msg": 'Hello, Ann! obj={"k":[1]} n=2.5'},
    ),
    Case(
        "an_object_template_renders_leaf_by_leaf",
        wf(r"""
            a:
              noOp:
                output: {greeting: 'Hello, \(.name)!', name: '\(.name)', n: '\(.n)', lit: 'x', num: 3}
            """),
        input={"name": "Ann", "n": 2},
        result={"greeting": "Hello, Ann!", "name": "Ann", "n": 2, "lit": "x", "num": 3},
        ext=True,
    ),
    Case(
        "several_results_take_the_first",
        wf(r"""
            a: {noOp: {output: '\({v: (1, 2)})', next: s}}
            s: {success: {}}
            """),
        result={"v": 1},
    ),
    Case(
        "now_is_the_event_time",
        wf(r"""
            a: {noOp: {output: '\({t: (now | todate)})', next: s}}
            s: {success: {}}
            """),
        result={"t": "2025-01-01T12:00:00Z"},
    ),
    Case(
        "env_is_hidden_from_templates",
        wf(r"""
            a: {noOp: {output: '\({e: env, E: $ENV})', next: s}}
            s: {success: {}}
            """),
        result={"e": {}, "E": {}},
    ),
    Case(
        "global_is_the_top_level_state",
        wf(r"""
            a: {noOp: {output: '\({top: 1})', next: e}}
            e:
              foreach:
                input: '\([{i: 1}])'
                output: '\({r: .})'
                do:
                  start: x
                  steps:
                    x: {noOp: {output: '\({g: $global.top, i: .i, own: .top})', next: y}}
                    y: {success: {}}
            """),
        result={"g": 1, "i": 1, "own": None},
        history=[("a", "COMPLETED"), ("e", "COMPLETED"), ("e[0]/x", "COMPLETED"), ("e[0]/y", "COMPLETED")],
    ),
    Case(
        "secret_reads_the_resolver",
        wf(r"""
            a: {noOp: {output: '\({auth: "Bearer \(secret("api-token"))"})'}}
            """),
        secrets={"api-token": "t0k"},
        result={"auth": "Bearer t0k"},
        ext=True,
    ),
    Case(
        "an_unknown_secret_fails_without_leaking_values",
        wf(r"""
            a: {noOp: {output: '\({a: secret("known"), b: secret("missing")})'}}
            """),
        secrets={"known": "VALUE"},
        status="FAILED",
        error="STEP_INVALID_TEMPLATE_EXPRESSION",
        message='secret "missing" is not defined',
        check=lambda d: "VALUE" not in d.error.message,
        ext=True,
    ),
    # -- success and fail ---------------------------------------------------------------------------------
    Case(
        "success_ends_the_execution",
        wf(r"""
            a: {noOp: {output: '\({x: 1})', next: s}}
            s: {success: {}}
            """),
        result={"x": 1},
        history=[("a", "COMPLETED"), ("s", "COMPLETED")],
    ),
    Case("success_with_a_null_body", wf("a: {success: }"), result=None, ext=True),
    Case(
        "fail_renders_its_message",
        wf(r"""
            a: {fail: {errorMessage: 'order \(.id) rejected'}}
            """),
        input={"id": 7},
        status="FAILED",
        error="STEP_FAIL",
        message="order 7 rejected",
        history=[("a", "FAILED")],
        check=record_is("a", input={"input": {"id": 7}, "id": 7}),
    ),
    Case(
        "fail_with_a_non_string_message_is_json_text",
        wf(r"""
            a: {fail: {errorMessage: '\(.why)'}}
            """),
        input={"why": {"code": 1}},
        status="FAILED",
        error="STEP_FAIL",
        message='{"code":1}',
    ),
    # -- switch -------------------------------------------------------------------------------------------
    Case(
        "switch_takes_the_first_true_choice",
        wf(r"""
            a:
              switch:
                choices:
                  - {condition: '.n > 10', next: big}
                  - {condition: '.n > 1', next: mid}
                  - {condition: '.n > 0', next: small}
            big: {noOp: {output: '\({size: "big"})', next: s}}
            mid: {noOp: {output: '\({size: "mid"})', next: s}}
            small: {noOp: {output: '\({size: "small"})', next: s}}
            s: {success: {}}
            """),
        input={"n": 5},
        result={"size": "mid"},
        history=[("a", "COMPLETED"), ("mid", "COMPLETED"), ("s", "COMPLETED")],
        check=record_is("a", output=None),
    ),
    Case(
        "switch_default_as_a_mapping",
        wf(r"""
            a:
              switch:
                choices: [{condition: '.n > 10', next: big}]
                default: {next: other}
            big: {noOp: {output: '\({size: "big"})', next: s}}
            other: {noOp: {output: '\({size: "other"})', next: s}}
            s: {success: {}}
            """),
        input={"n": 1},
        result={"size": "other"},
    ),
    Case(
        "switch_default_as_a_bare_id",
        wf(r"""
            a: {switch: {choices: [{condition: 'false', next: s}], default: other}}
            other: {noOp: {output: '\({size: "other"})'}}
            s: {success: {}}
            """),
        result={"size": "other"},
        ext=True,
    ),
    Case(
        "switch_without_a_match_or_default_fails",
        wf(r"""
            a: {switch: {choices: [{condition: '.n == 2', next: s}]}}
            s: {success: {}}
            """),
        input={"n": 1},
        status="FAILED",
        error="STEP_NO_CHOICE_MATCHED",
    ),
    Case(
        "switch_conditions_see_the_filtered_input",
        wf(r"""
            a:
              switch:
                input: '\(.order)'
                choices: [{condition: '.total > 100', next: vip}]
                default: {next: s}
            vip: {noOp: {output: '\({vip: true})', next: s}}
            s: {success: {}}
            """),
        input={"order": {"total": 150}},
        result={"vip": True},
    ),
    Case(
        "null_and_empty_conditions_are_false",
        wf(r"""
            a:
              switch:
                choices:
                  - {condition: '.missing', next: x}
                  - {condition: 'empty', next: x}
                  - {condition: '0', next: y}
            x: {noOp: {output: '\({took: "x"})', next: s}}
            y: {noOp: {output: '\({took: "y"})', next: s}}
            s: {success: {}}
            """),
        result={"took": "y"},
    ),
    Case(
        "a_condition_error_fails_the_switch",
        wf(r"""
            a: {switch: {choices: [{condition: '.n | keys', next: s}]}}
            s: {success: {}}
            """),
        input={"n": 1},
        status="FAILED",
        error="STEP_INVALID_TEMPLATE_EXPRESSION",
        message="choices[0].condition",
    ),
    Case(
        "switch_can_loop_back",
        wf(r"""
            a: {noOp: {output: '\({n: (.n + 1)})', next: check}}
            check: {switch: {choices: [{condition: '.n < 3', next: a}], default: {next: s}}}
            s: {success: {}}
            """),
        input={"n": 0},
        result={"n": 3},
        history=[("a", "COMPLETED"), ("check", "COMPLETED")] * 3 + [("s", "COMPLETED")],
    ),
    Case(
        "yawl_1_0_is_accepted",
        wf(
            r"""
            a: {noOp: {output: '\({v: 1})', next: s}}
            s: {success: {}}
            """,
            version='"1.0"',
        ),
        result={"v": 1},
        ext=True,
    ),
    # -- wait ---------------------------------------------------------------------------------------------
    Case(
        "wait_sleeps_durably",
        wf(r"""
            a: {wait: {duration: 90s, next: b}}
            b: {noOp: {output: '\({t: (now | todate)})'}}
            """),
        result={"t": "2025-01-01T12:01:30Z"},
        timers=[90],
        history=[("a", "COMPLETED"), ("b", "COMPLETED")],
        ext=True,
    ),
    Case(
        "wait_duration_from_the_state_in_seconds",
        wf(r"""
            a: {wait: {duration: '\(.delay)', next: b}}
            b: {wait: {duration: '\(.again)s'}}
            """),
        input={"delay": 2.5, "again": 1},
        timers=[2.5, 3.5],
        ext=True,
    ),
    Case(
        "wait_until_a_time",
        wf(r"""
            a: {wait: {until: '2025-01-01T13:00:00+00:00'}}
            """),
        timers=[3600],
        check=record_is("a", finished_at=T0.replace(hour=13)),
        ext=True,
    ),
    Case(
        "wait_until_the_past_continues_at_once",
        wf(r"""
            a: {wait: {until: '\(.when)', next: b}}
            b: {wait: {duration: '\(.zero)'}}
            """),
        input={"when": "2000-01-01T00:00:00Z", "zero": 0},
        timers=[],
        history=[("a", "COMPLETED"), ("b", "COMPLETED")],
        ext=True,
    ),
    Case(
        "a_malformed_rendered_duration_is_an_invalid_argument",
        wf(r"""
            a: {wait: {duration: '\(.delay)'}}
            """),
        input={"delay": "soon"},
        status="FAILED",
        error="STEP_INVALID_ARGUMENT",
        ext=True,
    ),
    # -- limits -------------------------------------------------------------------------------------------
    Case(
        "the_step_run_quota_fails_a_runaway_loop",
        wf(r"""
            a: {noOp: {output: '\({n: (.n + 1)})', next: b}}
            b: {switch: {choices: [{condition: 'true', next: a}]}}
            """),
        input={"n": 0},
        limits=Limits(max_step_runs=5),
        status="FAILED",
        error="STEP_QUOTA_EXCEEDED",
        history=[("a", "COMPLETED"), ("b", "COMPLETED")] * 2 + [("a", "COMPLETED")],
    ),
    Case(
        "a_step_input_over_the_data_cap_fails",
        wf(r"""
            a: {noOp: {output: '\({x: 1})', next: s}}
            s: {success: {}}
            """),
        input={"blob": "x" * 200},
        limits=Limits(max_data_bytes=100),
        status="FAILED",
        error="STEP_DATA_LIMIT_EXCEEDED",
        message="step input",
    ),
    Case(
        "a_step_output_over_the_data_cap_fails",
        wf(r"""
            a: {noOp: {output: '\({big: ([range(100)] | tostring)})', next: s}}
            s: {success: {}}
            """),
        limits=Limits(max_data_bytes=200),
        status="FAILED",
        error="STEP_DATA_LIMIT_EXCEEDED",
        message="step output",
        check=all_of(record_is("a", status="FAILED")),
    ),
]
