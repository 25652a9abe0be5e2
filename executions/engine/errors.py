"""YaWL error codes (the values of `StepError.code` and of the execution's error) and the engine's errors."""

from __future__ import annotations

STEP_DATA_LIMIT_EXCEEDED = "STEP_DATA_LIMIT_EXCEEDED"
STEP_NO_CHOICE_MATCHED = "STEP_NO_CHOICE_MATCHED"
STEP_PERMISSION_DENIED = "STEP_PERMISSION_DENIED"
STEP_TIMEOUT = "STEP_TIMEOUT"
STEP_INVALID_OUTPUT = "STEP_INVALID_OUTPUT"
STEP_INTERNAL = "STEP_INTERNAL"
STEP_INVALID_TEMPLATE_EXPRESSION = "STEP_INVALID_TEMPLATE_EXPRESSION"
STEP_FAIL = "STEP_FAIL"
STEP_FAILED_PRECONDITION = "STEP_FAILED_PRECONDITION"
STEP_INVALID_ARGUMENT = "STEP_INVALID_ARGUMENT"
STEP_QUOTA_EXCEEDED = "STEP_QUOTA_EXCEEDED"
INVALID_INPUT = "INVALID_INPUT"
FUNCTION_CALL_INVALID_RESPONSE = "FUNCTION_CALL_INVALID_RESPONSE"
EXECUTION_TIMEOUT = "EXECUTION_TIMEOUT"
# Our additions (docs/decisions.md): retryable and catchable network failures, and a cancelled attempt.
HTTP_CALL_CONNECTION_ERROR = "HTTP_CALL_CONNECTION_ERROR"
HTTP_CALL_TOO_MANY_REDIRECTS = "HTTP_CALL_TOO_MANY_REDIRECTS"
STEP_CANCELLED = "STEP_CANCELLED"

# `ALL` in an errorList covers every code except these: an internal error is never retried, nor caught by ALL.
NEVER_COVERED_BY_ALL = frozenset({STEP_INTERNAL})

KNOWN_CODES = frozenset(
    {
        STEP_DATA_LIMIT_EXCEEDED,
        STEP_NO_CHOICE_MATCHED,
        STEP_PERMISSION_DENIED,
        STEP_TIMEOUT,
        STEP_INVALID_OUTPUT,
        STEP_INTERNAL,
        STEP_INVALID_TEMPLATE_EXPRESSION,
        STEP_FAIL,
        STEP_FAILED_PRECONDITION,
        STEP_INVALID_ARGUMENT,
        STEP_QUOTA_EXCEEDED,
        INVALID_INPUT,
        FUNCTION_CALL_INVALID_RESPONSE,
        EXECUTION_TIMEOUT,
        HTTP_CALL_CONNECTION_ERROR,
        HTTP_CALL_TOO_MANY_REDIRECTS,
        STEP_CANCELLED,
    }
)


def http_call_code(status: int) -> str:
    return f"HTTP_CALL_{status}"


class StepFailure(Exception):
    """A step failed with a YaWL error code; raised inside the interpreter and turned into a StepError."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
