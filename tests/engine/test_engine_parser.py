from __future__ import annotations

import json
import textwrap

import pytest

from executions.engine import SpecError, load, parse
from executions.engine.definition import HttpCallSpec, SwitchSpec, WhileSpec
from executions.engine.states import StepType


def spec(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def issues(text: str, **kwargs) -> list[tuple[int | None, int | None, str, str]]:
    with pytest.raises(SpecError) as caught:
        parse(spec(text), **kwargs)
    return [(i.line, i.column, i.path, i.message) for i in caught.value.issues]


def only_issue(text: str, **kwargs) -> tuple[int | None, int | None, str, str]:
    found = issues(text, **kwargs)
    assert len(found) == 1, found
    return found[0]


GOOD = """
yawl: "0.1"
start: a
steps:
  a:
    title: First
    description: does nothing
    noOp: {output: '\\({x: 1})', next: b}
  b:
    success: {}
"""


def test_it_parses_a_minimal_workflow():
    definition = parse(spec(GOOD))
    assert definition.yawl == "0.1"
    assert definition.start == "a"
    assert list(definition.steps) == ["a", "b"]
    assert definition.steps["a"].type == StepType.NO_OP
    assert definition.steps["a"].title == "First"
    assert definition.steps["a"].next == "b"
    assert definition.warnings == ()


def test_it_round_trips_through_to_document_and_load():
    text = spec("""
        yawl: "1.0"
        start: call
        defaultRetryPolicy: {errorList: [ALL], retryCount: 2}
        steps:
          call:
            httpCall:
              url: 'https://example.com/\\(.id)'
              method: post
              headers: {X-Id: '\\(.id)'}
              body: {id: '\\(.id)'}
              timeout: 10s
              catch: [{errorList: [HTTP_CALL_404], next: missing}]
          missing:
            while:
              max_iterations: 2
              do: {start: w, steps: {w: {wait: {duration: 1s}}}}
        """)
    definition = parse(text)
    document = definition.to_document()
    assert json.loads(json.dumps(document)) == document
    again = load(document)
    assert again == definition
    call = again.steps["call"].spec
    assert isinstance(call, HttpCallSpec)
    assert call.method == "POST"
    assert call.timeout == 10.0
    loop = again.steps["missing"].spec
    assert isinstance(loop, WhileSpec) and loop.max_iterations == 2


def test_it_accepts_an_unquoted_version_and_a_bare_switch_default():
    definition = parse(
        spec("""
        yawl: 0.1
        start: s
        steps:
          s: {switch: {choices: [{condition: '.a', next: t}], default: t}}
          t: {success: {}}
        """)
    )
    switch = definition.steps["s"].spec
    assert isinstance(switch, SwitchSpec) and switch.default == "t"


def test_it_rejects_a_non_mapping_document():
    assert only_issue("- a\n- b\n")[0:2] == (1, 1)


def test_it_reports_malformed_yaml_with_its_position():
    line, column, _, message = only_issue("yawl: '0.1'\nstart: [a\nsteps: {}\n")
    assert "malformed YAML" in message
    assert (line, column) == (3, 6)


def test_it_rejects_an_empty_document():
    assert "empty" in only_issue("")[3]


def test_it_rejects_an_unknown_version():
    assert only_issue('yawl: "2.0"\nstart: a\nsteps: {a: {success: {}}}\n')[:3] == (1, 7, "yawl")


def test_it_requires_yawl_start_and_steps():
    messages = [m for _, _, _, m in issues("foo: 1\n")]
    assert "missing required field 'yawl'" in messages
    assert "missing required field 'start'" in messages
    assert "missing required field 'steps'" in messages
    assert "unknown key 'foo'" in messages


def test_it_rejects_a_start_naming_no_step():
    line, column, path, message = only_issue('yawl: "0.1"\nstart: nope\nsteps: {a: {success: {}}}\n')
    assert (line, column, path) == (2, 8, "start")
    assert "no step 'nope'" in message


def test_it_rejects_no_steps():
    assert "non-empty" in only_issue('yawl: "0.1"\nstart: a\nsteps: {}\n')[3]


def test_it_reports_unknown_keys_at_the_key():
    found = only_issue("""
        yawl: "0.1"
        start: a
        steps:
          a:
            noOp: {next: a, colour: red}
        """)
    assert found[:3] == (5, 21, "steps.a.noOp.colour")


def test_it_rejects_duplicate_step_ids():
    found = issues("""
        yawl: "0.1"
        start: a
        steps:
          a: {success: {}}
          a: {noOp: {}}
        """)
    assert (5, 3, "steps.a", "duplicate key 'a'") in found


def test_it_rejects_zero_or_several_step_types():
    found = issues("""
        yawl: "0.1"
        start: a
        steps:
          a: {title: nothing}
          b: {noOp: {}, success: {}}
        """)
    assert [(line, path) for line, _, path, _ in found] == [(4, "steps.a"), (5, "steps.b")]
    assert "found none" in found[0][3]
    assert "found noOp, success" in found[1][3]


def test_it_rejects_an_unknown_step_type():
    line, column, path, message = only_issue('yawl: "0.1"\nstart: a\nsteps:\n  a: {teleport: {}}\n')
    assert (line, column, path) == (4, 7, "steps.a.teleport")
    assert message.startswith("unknown step type 'teleport'")


@pytest.mark.parametrize("kind", ["grpcCall", "containerCall", "ymq", "ydsPut", "ydbDocument", "objectStorage"])
def test_it_names_cloud_only_step_types_as_unsupported(kind):
    found = only_issue(f'yawl: "0.1"\nstart: a\nsteps:\n  a: {{{kind}: {{}}}}\n')
    assert found[3] == f"step type {kind!r} is not supported by this engine"
    assert found[:2] == (4, 7)


def test_it_rejects_an_unregistered_function_only_when_functions_are_given():
    text = 'yawl: "0.1"\nstart: a\nsteps:\n  a: {functionCall: {functionId: nope}}\n'
    assert parse(text).steps["a"].type == StepType.FUNCTION_CALL
    found = only_issue(text, functions={"known"})
    assert found[:3] == (4, 34, "steps.a.functionCall.functionId")
    assert "nope" in found[3]


def test_it_keeps_next_inside_its_block():
    found = only_issue("""
        yawl: "0.1"
        start: p
        steps:
          p:
            parallel:
              branches:
                one:
                  start: x
                  steps:
                    x: {noOp: {next: p}}
          q: {success: {}}
        """)
    assert found[:3] == (10, 30, "steps.p.parallel.branches.one.steps.x.noOp.next")
    assert "no step 'p' in this block" in found[3]


def test_it_rejects_a_nested_start_naming_no_step():
    found = only_issue("""
        yawl: "0.1"
        start: l
        steps:
          l:
            while:
              maxIterations: 2
              do: {start: nope, steps: {x: {success: {}}}}
        """)
    assert found[2] == "steps.l.while.do.start"


def test_it_requires_fields():
    found = issues("""
        yawl: "0.1"
        start: f
        steps:
          f: {fail: {}}
          h: {httpCall: {}}
          c: {functionCall: {}}
          w: {workflow: {}}
          e: {foreach: {do: {start: x, steps: {x: {success: {}}}}}}
          s: {switch: {}}
        """)
    messages = {(path, message) for _, _, path, message in found}
    assert ("steps.f.fail", "missing required field 'errorMessage'") in messages
    assert ("steps.h.httpCall", "missing required field 'url'") in messages
    assert ("steps.c.functionCall", "missing required field 'functionId'") in messages
    assert ("steps.w.workflow", "missing required field 'workflowId'") in messages
    assert ("steps.e.foreach", "missing required field 'input'") in messages
    assert ("steps.e.foreach", "missing required field 'output'") in messages
    assert ("steps.s.switch", "missing required field 'choices'") in messages


def test_it_rejects_wrong_field_types():
    found = issues("""
        yawl: "0.1"
        start: a
        steps:
          a: {functionCall: {functionId: [1], tag: 3}}
          p: {parallel: {branches: {}, concurrency: 0}}
          s: {switch: {choices: {}}}
        """)
    paths = [path for _, _, path, _ in found]
    assert "steps.a.functionCall.functionId" in paths
    assert "steps.a.functionCall.tag" in paths
    assert "steps.p.parallel.branches" in paths
    assert "steps.p.parallel.concurrency" in paths
    assert "steps.s.switch.choices" in paths


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("timeout", "5m", "malformed duration"),
        ("timeout", "0s", "> 0s"),
        ("timeout", "901s", "at most 900s"),
        ("timeout", "10", "malformed duration"),
    ],
)
def test_it_validates_timeouts(field, value, fragment):
    found = only_issue(f"""
        yawl: "0.1"
        start: a
        steps:
          a: {{functionCall: {{functionId: f, {field}: "{value}"}}}}
        """)
    assert found[2] == f"steps.a.functionCall.{field}"
    assert fragment in found[3]


def test_it_accepts_fractional_and_maximal_durations():
    definition = parse(
        spec("""
        yawl: "0.1"
        start: a
        steps:
          a: {functionCall: {functionId: f, timeout: 900s, retryPolicy: {errorList: [ALL], initialDelay: .5s,
              maxDelay: 3600s, retryCount: 100, backoffRate: 1.5}}}
        """)
    )
    policy = definition.steps["a"].spec.retry_policy
    assert (policy.initial_delay, policy.max_delay, policy.retry_count) == (0.5, 3600.0, 100)


def test_it_validates_retry_policies():
    found = issues("""
        yawl: "0.1"
        start: a
        defaultRetryPolicy: {retryCount: -1}
        steps:
          a:
            functionCall:
              functionId: f
              retryPolicy: {errorList: [nope], errorListMode: SOME, retryCount: 101, maxDelay: 3601s, x: 1}
        """)
    messages = {(path, message.split(" ")[0]) for _, _, path, message in found}
    assert ("defaultRetryPolicy", "missing") in messages
    assert ("defaultRetryPolicy.retryCount", "'retryCount'") in messages
    assert ("steps.a.functionCall.retryPolicy.errorList", "'nope'") in messages
    assert ("steps.a.functionCall.retryPolicy.errorListMode", "'errorListMode'") in messages
    assert ("steps.a.functionCall.retryPolicy.retryCount", "'retryCount'") in messages
    assert ("steps.a.functionCall.retryPolicy.maxDelay", "duration") in messages
    assert ("steps.a.functionCall.retryPolicy.x", "unknown") in messages


def test_it_compiles_every_jq_program():
    found = issues("""
        yawl: "0.1"
        start: a
        steps:
          a: {noOp: {output: '\\(.a | )', next: s}}
          s:
            switch:
              choices: [{condition: '.a ===', next: a}, {condition: '\\(.a)', next: a}]
          h: {httpCall: {url: 'http://x/\\(.a', headers: {A: '\\(nope)'}}}
        """)
    paths = [(line, path) for line, _, path, _ in found]
    assert (4, "steps.a.noOp.output") in paths
    assert (7, "steps.s.switch.choices[0].condition") in paths
    assert (7, "steps.s.switch.choices[1].condition") in paths
    assert (8, "steps.h.httpCall.url") in paths
    assert (8, "steps.h.httpCall.headers.A") in paths


def test_it_rejects_lockbox_with_a_pointer_to_secret():
    found = only_issue("""
        yawl: "0.1"
        start: h
        steps:
          h: {httpCall: {url: 'http://x', headers: {Authorization: '\\(lockboxPayload("abc"; "token"))'}}}
        """)
    assert 'secret("name")' in found[3]
    assert found[2] == "steps.h.httpCall.headers.Authorization"


def test_it_requires_literal_secret_names():
    found = only_issue("""
        yawl: "0.1"
        start: h
        steps:
          h: {httpCall: {url: '\\(secret(.name))'}}
        """)
    assert "literal name" in found[3]


def test_it_requires_exactly_one_of_duration_or_until():
    found = issues("""
        yawl: "0.1"
        start: a
        steps:
          a: {wait: {next: b}}
          b: {wait: {duration: 1s, until: "2025-01-01T00:00:00Z"}}
          c: {wait: {until: "tomorrow"}}
        """)
    assert [(line, path) for line, _, path, _ in found] == [
        (4, "steps.a.wait"),
        (5, "steps.b.wait"),
        (6, "steps.c.wait.until"),
    ]


def test_it_requires_a_condition_or_max_iterations_on_while():
    found = only_issue("""
        yawl: "0.1"
        start: l
        steps:
          l: {while: {do: {start: x, steps: {x: {success: {}}}}}}
        """)
    assert found[2:] == ("steps.l.while", "'while' needs 'condition' or 'maxIterations' (or both)")


def test_it_rejects_both_spellings_of_max_iterations():
    found = only_issue("""
        yawl: "0.1"
        start: l
        steps:
          l: {while: {maxIterations: 1, max_iterations: 2, do: {start: x, steps: {x: {success: {}}}}}}
        """)
    assert "not both" in found[3]


def test_it_warns_about_unreachable_steps():
    definition = parse(
        spec("""
        yawl: "0.1"
        start: a
        steps:
          a: {noOp: {next: b}}
          b: {success: {}}
          lost: {noOp: {next: b}}
        """)
    )
    assert [(w.path, w.message) for w in definition.warnings] == [("steps.lost", "step 'lost' is unreachable")]


def test_it_collects_every_problem_and_formats_them_one_per_line():
    with pytest.raises(SpecError) as caught:
        parse('yawl: "9"\nstart: a\nsteps:\n  a: {noOp: {next: zz}}\n  b: {wait: {}}\n')
    lines = str(caught.value).splitlines()
    assert len(lines) == 3
    assert lines[0] == "line 1, column 7: yawl: 'yawl' must be one of 0.1, 1.0"
    assert lines[1].startswith("line 4, column 20: steps.a.noOp.next: no step 'zz'")


def test_it_rejects_text_over_the_size_cap():
    with pytest.raises(SpecError) as caught:
        parse("a: " + "x" * 200, max_bytes=100)
    assert "limit is 100" in str(caught.value)


def test_it_rejects_an_alias_bomb_without_expanding_it():
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for name, prev in zip("bcdefghi", "abcdefgh", strict=True):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]")
    with pytest.raises(SpecError) as caught:
        parse("\n".join(lines) + "\n")
    assert "alias bomb" in str(caught.value)


def test_it_rejects_a_self_referencing_alias():
    with pytest.raises(SpecError) as caught:
        parse("a: &a [*a]\n")
    assert "nests too deeply" in str(caught.value)


def test_it_supports_merge_keys_for_shared_retry_policies():
    definition = parse(
        spec("""
        yawl: "0.1"
        start: a
        steps:
          a:
            functionCall:
              functionId: f
              retryPolicy: &policy {errorList: [ALL], retryCount: 3}
              next: b
          b:
            functionCall:
              functionId: g
              retryPolicy: {<<: *policy, retryCount: 5}
        """)
    )
    assert definition.steps["a"].spec.retry_policy.retry_count == 3
    assert definition.steps["b"].spec.retry_policy.retry_count == 5


def test_it_converts_unquoted_timestamps_to_text():
    definition = parse('yawl: "0.1"\nstart: w\nsteps:\n  w: {wait: {until: 2025-01-01T00:00:00Z}}\n')
    assert definition.steps["w"].spec.until == "2025-01-01T00:00:00Z"


def test_it_warns_when_initial_delay_exceeds_the_default_max_delay():
    definition = parse(
        'yawl: "0.1"\nstart: a\nsteps:\n  a: {functionCall: {functionId: f, retryPolicy: {errorList: [ALL], '
        "initialDelay: 5s}}}\n"
    )
    assert [w.message for w in definition.warnings] == ["initialDelay exceeds maxDelay (1s): every delay is 1s"]


def test_load_does_not_check_function_ids():
    text = 'yawl: "0.1"\nstart: a\nsteps:\n  a: {functionCall: {functionId: gone}}\n'
    document = parse(text).to_document()
    assert load(document).steps["a"].spec.function_id == "gone"
