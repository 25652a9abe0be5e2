"""Retry and catch matching, backoff math and durations."""

from __future__ import annotations

import re

from .definition import ALL, EXCLUDE, RetryPolicy
from .errors import NEVER_COVERED_BY_ALL

_DURATION = re.compile(r"^([0-9]+\.?[0-9]*|\.[0-9]+)s$")


def parse_duration(text: str) -> float:
    """Seconds from a YaWL duration such as "2s", "1.5s" or ".5s"; ValueError when malformed."""
    match = _DURATION.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"malformed duration {text!r}: expected seconds with an 's' suffix, e.g. \"2s\"")
    return float(match.group(1))


def format_duration(seconds: float) -> str:
    return f"{seconds:g}s"


def matches(code: str, error_list: tuple[str, ...], mode: str) -> bool:
    """Whether an errorList (with its INCLUDE/EXCLUDE mode) covers `code`.

    `ALL` covers every code but STEP_INTERNAL. In EXCLUDE mode the list names what is NOT covered, and
    STEP_INTERNAL is never covered either: an internal error is a bug, not a condition to retry or branch on.
    """
    if code in NEVER_COVERED_BY_ALL and code not in error_list:
        return False
    listed = code in error_list or ALL in error_list
    return not listed if mode == EXCLUDE else listed


def should_retry(policy: RetryPolicy | None, code: str, attempts: int) -> bool:
    """`attempts` is how many attempts ran so far (1 after the first); retryCount bounds the retries.

    STEP_INTERNAL is never retried, even when listed: retrying a bug only repeats it. (A catch rule may still
    name it explicitly.)
    """
    if policy is None or attempts - 1 >= policy.retry_count or code in NEVER_COVERED_BY_ALL:
        return False
    return matches(code, policy.error_list, policy.mode)


def backoff_delay(policy: RetryPolicy, retry: int) -> float:
    """Delay in seconds before retry number `retry` (1-based): min(initial * rate^(retry-1), maxDelay)."""
    try:
        delay = policy.initial_delay * policy.backoff_rate ** (retry - 1)
    except OverflowError:
        delay = policy.max_delay
    return min(delay, policy.max_delay)
