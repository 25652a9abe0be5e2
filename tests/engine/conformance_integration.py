"""Conformance cases: httpCall, functionCall, workflow; retries, backoff timing, catch, timeouts."""

from __future__ import annotations

from conformance_helpers import Case, all_of, params, record_is, wf
from driver import Driver, Fail, Status

from executions.engine.protocol import Limits, RunStep, StepError


def timeout_of(path: str, seconds: float):
    def check(driver: Driver) -> None:
        sent = [c for c in driver.commands if isinstance(c, RunStep) and c.path == path]
        assert [c.timeout_seconds for c in sent] == [seconds] * len(sent)

    return check


RETRY_503 = r"""
a:
  httpCall:
    url: https://api.test/flaky
    retryPolicy: {errorList: [HTTP_CALL_503], retryCount: 3, initialDelay: 1s, backoffRate: 2, maxDelay: 60s}
    next: s
s: {success: {}}
"""

CHILD_OK = wf(r"""
a: {noOp: {output: '\({doubled: (.n * 2)})'}}
""")
CHILD_FAIL = wf(r"""
a: {fail: {errorMessage: 'child says no to \(.n)'}}
""")

CASES: list[Case] = [
    # -- httpCall -----------------------------------------------------------------------------------------
    Case(
        "http_get_renders_url_query_and_headers",
        wf(r"""
            a:
              httpCall:
                url: 'https://api.test/users/\(.id)'
                query: {verbose: 'yes', page: '\(.page)'}
                headers: {X-Request: 'req-\(.id)'}
                output: '\({user: .name})'
                next: s
            s: {success: {}}
            """),
        input={"id": 7, "page": 2},
        http={"https://api.test/users/7": {"name": "Ann"}},
        result={"user": "Ann"},
        check=params(
            "a",
            url="https://api.test/users/7",
            method="GET",
            query={"verbose": "yes", "page": "2"},
            headers={"X-Request": "req-7"},
        ),
    ),
    Case(
        "http_post_with_a_string_body",
        wf(r"""
            a: {httpCall: {url: 'https://api.test/orders', method: POST, body: '\(.order)', next: s}}
            s: {success: {}}
            """),
        input={"order": {"id": 1}},
        http={"https://api.test/orders": {"accepted": True}},
        result={"accepted": True},
        check=all_of(params("a", method="POST", body={"id": 1})),
    ),
    Case(
        "http_body_as_an_object_template_and_lowercase_method",
        wf(r"""
            a: {httpCall: {url: 'https://api.test/o', method: put, body: {id: '\(.id)', fixed: 1}}}
            """),
        input={"id": 3},
        http={"https://api.test/o": {}},
        result={},
        check=params("a", method="PUT", body={"id": 3, "fixed": 1}),
        ext=True,
    ),
    Case(
        "http_without_body_sends_no_body_key",
        wf(r"""
            a: {httpCall: {url: 'https://api.test/x', next: s}}
            s: {success: {}}
            """),
        http={"https://api.test/x": {}},
        check=params("a", headers={}, query={}),
    ),
    Case(
        "http_error_status_fails_the_execution",
        wf(r"""
            a: {httpCall: {url: 'https://api.test/missing', next: s}}
            s: {success: {}}
            """),
        http={"https://api.test/missing": Status(404)},
        status="FAILED",
        error="HTTP_CALL_404",
        history=[("a", "FAILED", 1)],
    ),
    Case(
        "http_non_object_response_needs_an_output_filter",
        wf(r"""
            a: {httpCall: {url: 'https://api.test/text', next: s}}
            s: {success: {}}
            """),
        http={"https://api.test/text": "plain text"},
        status="FAILED",
        error="STEP_INVALID_OUTPUT",
    ),
    Case(
        "http_text_response_through_an_output_filter",
        wf(r"""
            a: {httpCall: {url: 'https://api.test/text', output: '\({body: .})', next: s}}
            s: {success: {}}
            """),
        http={"https://api.test/text": "plain text"},
        result={"body": "plain text"},
    ),
    Case(
        "http_input_filter_is_what_templates_see",
        wf(r"""
            a: {httpCall: {url: 'https://api.test/\(.id)', input: '\(.order)', next: s}}
            s: {success: {}}
            """),
        input={"order": {"id": 9}, "id": 1},
        http={"https://api.test/9": {}},
        check=record_is("a", input={"id": 9}),
    ),
    Case(
        "retries_back_off_exponentially",
        wf(RETRY_503),
        http={"https://api.test/flaky": [Status(503), Status(503), Status(503), {"ok": True}]},
        result={"ok": True},
        timers=[1, 3, 7],
        history=[("a", "COMPLETED", 4), ("s", "COMPLETED", 1)],
        check=record_is("a", last_error=StepError("HTTP_CALL_503", "HTTP 503")),
    ),
    Case(
        "retries_exhausted_fail_with_the_last_error",
        wf(RETRY_503),
        http={"https://api.test/flaky": Status(503)},
        status="FAILED",
        error="HTTP_CALL_503",
        timers=[1, 3, 7],
        history=[("a", "FAILED", 4)],
    ),
    Case(
        "codes_outside_the_error_list_are_not_retried",
        wf(RETRY_503),
        http={"https://api.test/flaky": Status(500)},
        status="FAILED",
        error="HTTP_CALL_500",
        timers=[],
        history=[("a", "FAILED", 1)],
    ),
    Case(
        "max_delay_caps_the_backoff",
        wf(r"""
            a:
              functionCall:
                functionId: f
                retryPolicy:
                  {errorList: [ALL], retryCount: 4, initialDelay: 2s, backoffRate: 3, maxDelay: 10s}
                next: s
            s: {success: {}}
            """),
        functions={"f": [Fail("X"), Fail("X"), Fail("X"), Fail("X"), {}]},
        timers=[2, 8, 18, 28],
        history=[("a", "COMPLETED", 5), ("s", "COMPLETED", 1)],
    ),
    Case(
        "default_delays_are_one_second",
        wf(r"""
            a: {functionCall: {functionId: f, retryPolicy: {errorList: [ALL], retryCount: 2}, next: s}}
            s: {success: {}}
            """),
        functions={"f": [Fail("X"), Fail("X"), {}]},
        timers=[1, 2],
    ),
    Case(
        "the_backoff_is_recorded_on_the_run",
        wf(r"""
            a:
              functionCall: {functionId: f, retryPolicy: {errorList: [ALL], retryCount: 1, initialDelay: 5s}}
            """),
        functions={"f": [Fail("X", "first"), {}]},
        script=lambda d: d.execute(1),
        status="RUNNING",
        check=record_is("a", status="STARTED", attempts=1, last_error=StepError("X", "first")),
        timers=[1],  # initialDelay is capped by the default maxDelay of 1s
    ),
    Case(
        "exclude_mode_retries_everything_else",
        wf(r"""
            a:
              functionCall:
                functionId: f
                retryPolicy: {errorList: [FATAL], errorListMode: EXCLUDE, retryCount: 5}
                next: s
            s: {success: {}}
            """),
        functions={"f": [Fail("TRANSIENT"), Fail("FATAL"), {}]},
        status="FAILED",
        error="FATAL",
        history=[("a", "FAILED", 2)],
        ext=True,  # custom error codes are outside the schema's enum
    ),
    Case(
        "internal_errors_are_not_retried_by_all",
        wf(r"""
            a: {functionCall: {functionId: f, retryPolicy: {errorList: [ALL], retryCount: 5}, next: s}}
            s: {success: {}}
            """),
        functions={"f": Fail("STEP_INTERNAL", "bug")},
        status="FAILED",
        error="STEP_INTERNAL",
        history=[("a", "FAILED", 1)],
    ),
    Case(
        "the_default_retry_policy_applies_to_steps_without_one",
        wf(
            r"""
            a: {functionCall: {functionId: f, next: b}}
            b: {functionCall: {functionId: g, retryPolicy: {errorList: [OTHER]}, next: s}}
            s: {success: {}}
            """,
            head="defaultRetryPolicy: {errorList: [ALL], retryCount: 1}\n",
        ),
        functions={"f": [Fail("X"), {}], "g": [Fail("X"), {}]},
        status="FAILED",
        error="X",
        history=[("a", "COMPLETED", 2), ("b", "FAILED", 1)],
        ext=True,  # custom error codes are outside the schema's enum
    ),
    Case(
        "the_total_time_cap_stops_retries",
        wf(r"""
            a:
              functionCall:
                functionId: f
                retryPolicy: {errorList: [ALL], retryCount: 100, initialDelay: 3600s, maxDelay: 3600s}
            """),
        functions={"f": Fail("X")},
        limits=Limits(step_total_seconds=3 * 3600),
        status="FAILED",
        error="X",
        timers=[3600, 7200, 10800],
        history=[("a", "FAILED", 4)],
    ),
    Case(
        "the_step_timeout_is_sent_with_each_attempt",
        wf(r"""
            a:
              functionCall:
                {functionId: f, timeout: 30s, retryPolicy: {errorList: [STEP_TIMEOUT], retryCount: 1}}
            b: {functionCall: {functionId: f}}
            """),
        functions={"f": [Fail("STEP_TIMEOUT", "took too long"), {}]},
        check=timeout_of("a", 30.0),
        history=[("a", "COMPLETED", 2)],
    ),
    Case(
        "timeouts_are_capped_by_the_limit",
        wf(r"""
            a: {functionCall: {functionId: f, timeout: 900s}}
            """),
        functions={"f": {}},
        limits=Limits(step_timeout_seconds=60),
        check=timeout_of("a", 60.0),
        ext=False,
    ),
    # -- functionCall -------------------------------------------------------------------------------------
    Case(
        "function_call_gets_the_step_input",
        wf(r"""
            a:
              functionCall: {functionId: total, input: '\({items: .items})', output: '\({total: .})', next: s}
            s: {success: {}}
            """),
        input={"items": [1, 2, 3], "other": True},
        functions={"total": lambda data: sum(data["items"])},
        result={"total": 6},
        check=record_is("a", input={"items": [1, 2, 3]}, output={"total": 6}),
    ),
    Case(
        "a_function_error_code_fails_the_execution",
        wf(r"""
            a: {functionCall: {functionId: f, next: s}}
            s: {success: {}}
            """),
        functions={"f": Fail("PAYMENT_DECLINED", "card expired")},
        status="FAILED",
        error="PAYMENT_DECLINED",
        message="card expired",
    ),
    Case(
        "a_crashing_function_is_an_invalid_response",
        wf(r"""
            a: {functionCall: {functionId: f, next: s}}
            s: {success: {}}
            """),
        functions={"f": lambda _: 1 / 0},
        status="FAILED",
        error="FUNCTION_CALL_INVALID_RESPONSE",
    ),
    Case(
        "function_call_tag_is_passed",
        wf(r"""
            a: {functionCall: {functionId: f, tag: v2}}
            """),
        functions={"f": {}},
        check=params("a", function_id="f", tag="v2"),
        ext=True,
    ),
    Case(
        "an_integration_template_error_can_be_retried_and_fails",
        wf(r"""
            a:
              functionCall: {functionId: f, input: '\(.x.y)', retryPolicy: {errorList: [ALL], retryCount: 1}}
            """),
        input={"x": 1},
        functions={"f": {}},
        status="FAILED",
        error="STEP_INVALID_TEMPLATE_EXPRESSION",
        history=[("a", "FAILED", 2)],
    ),
    # -- catch --------------------------------------------------------------------------------------------
    Case(
        "catch_after_retries_are_exhausted",
        wf(r"""
            a:
              functionCall:
                functionId: f
                retryPolicy: {errorList: [ALL], retryCount: 2}
                catch:
                  - {errorList: [ALL], output: '\({failure: .error, why: .message})', next: recover}
                next: s
            recover: {noOp: {output: '\({recovered: .failure})', next: s}}
            s: {success: {}}
            """),
        functions={"f": Fail("BOOM", "kaput")},
        result={"recovered": "BOOM"},
        timers=[1, 2],
        history=[("a", "FAILED", 3), ("recover", "COMPLETED", 1), ("s", "COMPLETED", 1)],
        check=record_is("recover", input={"input": None, "failure": "BOOM", "why": "kaput"}),
        ext=True,
    ),
    Case(
        "catch_without_output_merges_the_error",
        wf(r"""
            a: {functionCall: {functionId: f, catch: [{errorList: [X], next: b}]}}
            b: {noOp: {output: '\({seen: {error, message}})'}}
            """),
        functions={"f": Fail("X", "why")},
        result={"seen": {"error": "X", "message": "why"}},
        ext=True,
    ),
    Case(
        "the_first_matching_catch_rule_wins",
        wf(r"""
            a:
              httpCall:
                url: https://api.test/x
                catch:
                  - {errorList: [HTTP_CALL_500], next: five}
                  - {errorList: [HTTP_CALL_404], next: four}
                  - {errorList: [ALL], next: any}
            five: {noOp: {output: '\({took: 500})'}}
            four: {noOp: {output: '\({took: 404})'}}
            any: {noOp: {output: '\({took: "any"})'}}
            """),
        http={"https://api.test/x": Status(404)},
        result={"took": 404},
        ext=True,
    ),
    Case(
        "an_unmatched_error_is_not_caught",
        wf(r"""
            a: {functionCall: {functionId: f, catch: [{errorList: [OTHER], next: b}]}}
            b: {success: {}}
            """),
        functions={"f": Fail("X")},
        status="FAILED",
        error="X",
        ext=True,
    ),
    Case(
        "a_catch_rule_can_exclude_codes",
        wf(r"""
            a: {functionCall: {functionId: f, catch: [{errorList: [X], errorListMode: EXCLUDE, next: b}]}}
            b: {success: {}}
            """),
        functions={"f": Fail("Y")},
        history=[("a", "FAILED"), ("b", "COMPLETED")],
        ext=True,
    ),
    Case(
        "catch_also_covers_output_errors",
        wf(r"""
            a: {functionCall: {functionId: f, catch: [{errorList: [STEP_INVALID_OUTPUT], next: b}]}}
            b: {noOp: {output: '\({handled: .error})'}}
            """),
        functions={"f": "not an object"},
        result={"handled": "STEP_INVALID_OUTPUT"},
        ext=True,
    ),
    # -- workflow -------------------------------------------------------------------------------------------
    Case(
        "a_child_workflow_result_is_the_raw_result",
        wf(r"""
            a: {workflow: {workflowId: doubler, executionInput: '\({n: .x})', output: '\({child: .})'}}
            """),
        input={"x": 21},
        workflows={"doubler": CHILD_OK},
        result={"child": {"doubled": 42}},
        check=params("a", workflow_id="doubler", execution_input={"n": 21}),
        ext=True,
    ),
    Case(
        "a_child_gets_the_step_input_by_default",
        wf(r"""
            a: {workflow: {workflowId: doubler, input: '\({n: .x})'}}
            """),
        input={"x": 2},
        workflows={"doubler": CHILD_OK},
        result={"doubled": 4},
        ext=True,
    ),
    Case(
        "a_failing_child_fails_the_step_with_its_code",
        wf(r"""
            a: {workflow: {workflowId: refuser, executionInput: {n: '\(.x)'}}}
            """),
        input={"x": 5},
        workflows={"refuser": CHILD_FAIL},
        status="FAILED",
        error="STEP_FAIL",
        message="child says no to 5",
        ext=True,
    ),
]
