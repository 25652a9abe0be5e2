from __future__ import annotations

import pytest

from executions.engine.definition import RetryPolicy
from executions.engine.retry import backoff_delay, format_duration, matches, parse_duration, should_retry


@pytest.mark.parametrize(("text", "seconds"), [("2s", 2.0), ("1.5s", 1.5), (".5s", 0.5), ("900s", 900.0)])
def test_it_parses_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["2", "2m", "s", "-1s", "1.2.3s", "", "PT2S"])
def test_it_rejects_malformed_durations(text):
    with pytest.raises(ValueError, match="malformed duration"):
        parse_duration(text)


def test_it_formats_durations():
    assert format_duration(12.5) == "12.5s"


def test_delays_grow_by_the_backoff_rate_up_to_max_delay():
    policy = RetryPolicy(("ALL",), retry_count=10, initial_delay=1.0, backoff_rate=2.0, max_delay=10.0)
    assert [backoff_delay(policy, k) for k in range(1, 7)] == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0]


def test_a_constant_backoff_by_default():
    policy = RetryPolicy(("ALL",), retry_count=3)
    assert [backoff_delay(policy, k) for k in (1, 2, 3)] == [1.0, 1.0, 1.0]


def test_huge_exponents_cap_at_max_delay():
    policy = RetryPolicy(("ALL",), retry_count=100, initial_delay=1.0, backoff_rate=1e10, max_delay=3600.0)
    assert backoff_delay(policy, 100) == 3600.0


@pytest.mark.parametrize(
    ("code", "error_list", "mode", "expected"),
    [
        ("HTTP_CALL_500", ("HTTP_CALL_500",), "INCLUDE", True),
        ("HTTP_CALL_404", ("HTTP_CALL_500",), "INCLUDE", False),
        ("HTTP_CALL_404", ("ALL",), "INCLUDE", True),
        ("STEP_INTERNAL", ("ALL",), "INCLUDE", False),
        ("STEP_INTERNAL", ("STEP_INTERNAL",), "INCLUDE", True),
        ("HTTP_CALL_404", ("HTTP_CALL_500",), "EXCLUDE", True),
        ("HTTP_CALL_500", ("HTTP_CALL_500",), "EXCLUDE", False),
        ("STEP_INTERNAL", ("HTTP_CALL_500",), "EXCLUDE", False),
        ("ANY", (), "INCLUDE", False),
        ("ANY", (), "EXCLUDE", True),
    ],
)
def test_error_lists(code, error_list, mode, expected):
    assert matches(code, error_list, mode) is expected


def test_retry_count_bounds_the_attempts():
    policy = RetryPolicy(("ALL",), retry_count=2)
    assert [should_retry(policy, "X", attempts) for attempts in (1, 2, 3)] == [True, True, False]


def test_internal_errors_are_never_retried_even_when_listed():
    assert not should_retry(RetryPolicy(("STEP_INTERNAL",), retry_count=5), "STEP_INTERNAL", 1)


def test_no_policy_no_retry():
    assert not should_retry(None, "X", 1)
