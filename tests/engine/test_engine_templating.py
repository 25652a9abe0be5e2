from __future__ import annotations

from datetime import UTC, datetime

import pytest

from executions.engine.templating import Env, TemplateError, check_template, holds, render, split_template

NOW = datetime(2025, 1, 1, tzinfo=UTC)
ENV = Env(NOW, global_state={"g": "top"}, counter=2, secrets={"token": "s3cr3t"}.get)
DATA = {"a": 1, "name": "Ann", "obj": {"k": [1, 2]}, "quote": 'say "hi"'}


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("plain text", "plain text"),
        ("no \\ interpolation (here)", "no \\ interpolation (here)"),
        ("\\(.a)", 1),
        ("\\(.obj)", {"k": [1, 2]}),
        ("\\(.missing)", None),
        ("Hello, \\(.name)!", "Hello, Ann!"),
        ("obj=\\(.obj)", 'obj={"k":[1,2]}'),
        ("\\(.a)\\(.a)", "11"),
        ("q: \\(.quote)", 'q: say "hi"'),
        ('\\("nested \\(.name)")', "nested Ann"),
        ("\\(.a + (2 * (3)))", 7),
        ("\\(1, 2)", 1),
        ("\\(empty)", None),
        ("\\($global.g)", "top"),
        ("\\($counter)", 2),
        ('\\(secret("token"))', "s3cr3t"),
        ("\\(now)", NOW.timestamp()),
        ("\\(env)", {}),
        ("\\($ENV)", {}),
        ('literal "quotes" and \\\\ backslashes \\(.a)', 'literal "quotes" and \\\\ backslashes 1'),
        (5, 5),
        (None, None),
        (True, True),
        ({"k": "\\(.a)", "lit": "x", "list": ["\\(.name)", 3]}, {"k": 1, "lit": "x", "list": ["Ann", 3]}),
    ],
)
def test_it_renders(template, expected):
    assert render(template, DATA, ENV) == expected


def test_object_keys_are_literal():
    assert render({"\\(.a)": "v"}, DATA, ENV) == {"\\(.a)": "v"}


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (".a == 1", True),
        (".a == 2", False),
        ("null", False),
        ("false", False),
        ("0", True),
        ("empty", False),
        ('""', True),
        ("[]", True),
        (".missing", False),
        ("$counter == 2", True),
        ("false, true", False),
    ],
)
def test_conditions_use_jq_truthiness_of_the_first_result(condition, expected):
    assert holds(condition, DATA, ENV) is expected


def test_an_unknown_secret_is_an_error_naming_it_not_a_value():
    with pytest.raises(TemplateError, match='secret "other" is not defined'):
        render('\\(secret("other"))', DATA, ENV)


def test_secrets_without_a_resolver_are_unknown():
    with pytest.raises(TemplateError, match="token"):
        render('\\(secret("token"))', DATA, Env(NOW))


def test_only_secrets_the_template_names_are_resolved():
    asked = []

    def resolver(name):
        asked.append(name)
        return "v"

    render('\\(secret("a")) \\(secret("b"))', DATA, Env(NOW, secrets=resolver))
    assert sorted(asked) == ["a", "b"]


def test_runtime_errors_say_why():
    with pytest.raises(TemplateError, match="Cannot index number"):
        render("\\(.a.b)", DATA, ENV)
    with pytest.raises(TemplateError, match="boom"):
        render('\\(error("boom"))', DATA, ENV)


def test_input_cannot_read_more_inputs():
    with pytest.raises(TemplateError, match="not available"):
        render("\\(input)", DATA, ENV)


def test_generators_are_lazy():
    assert render("\\(range(1e15))", DATA, ENV) == 0


@pytest.mark.parametrize(
    ("template", "fragment"),
    [
        ("\\(.a", "unterminated"),
        ('\\("abc)', "unterminated"),
        ("\\(.a | )", "jq does not compile"),
        ("\\($undefined)", "$undefined is not defined"),
        ('\\(lockboxPayload("x"))', "Lockbox"),
        ("\\(secret(.name))", "literal name"),
        ('\\(include "x"; .)', "jq does not compile"),
    ],
)
def test_it_reports_templates_that_do_not_compile(template, fragment):
    problems = check_template({"deep": [template]})
    assert len(problems) == 1 and fragment in problems[0]


def test_it_splits_interpolations_with_nested_parentheses_and_strings():
    parts = split_template('a \\((.x | tostring) + ")") b')
    assert parts[0] == "a " and parts[2] == " b"
    assert parts[1].text == '(.x | tostring) + ")"'


def test_the_clock_is_the_event_time():
    later = Env(datetime(2030, 1, 1, tzinfo=UTC))
    assert render("\\(now | todate)", {}, later) == "2030-01-01T00:00:00Z"
