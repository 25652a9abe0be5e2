"""The exception handler on its own: errors no endpoint can provoke yet (throttling) keep the shape."""

from __future__ import annotations

from rest_framework.exceptions import Throttled, ValidationError

from executions.api.errors import exception_handler
from executions.errors import Forbidden, InvalidInput


def test_throttling_is_a_429_with_retry_after():
    response = exception_handler(Throttled(wait=2.5), {})

    assert response.status_code == 429
    assert response["Retry-After"] == "3"
    assert response.data["error"]["code"] == "throttled"


def test_a_domain_forbidden_uses_the_same_code_as_drf():
    response = exception_handler(Forbidden("not yours"), {})

    assert response.status_code == 403
    assert response.data == {"error": {"code": "permission_denied", "message": "not yours", "details": []}}


def test_invalid_input_keeps_its_details():
    details = [{"path": "steps.a", "line": 3, "column": 5, "message": "bad"}]

    response = exception_handler(InvalidInput("invalid specification", details=details), {})

    assert response.status_code == 400
    assert response.data["error"]["details"] == details


def test_nested_validation_errors_name_each_field():
    exc = ValidationError({"labels": {"team": ["Not a valid string."]}, "non_field_errors": ["Bad body."]})

    response = exception_handler(exc, {})

    assert response.data["error"]["details"] == [
        {"field": "labels.team", "message": "Not a valid string."},
        {"field": None, "message": "Bad body."},
    ]
    assert response.data["error"]["message"] == "invalid request: labels.team: Not a valid string.; Bad body."


def test_anything_else_is_left_to_be_a_server_error():
    assert exception_handler(RuntimeError("bug"), {}) is None
