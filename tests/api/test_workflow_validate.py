from __future__ import annotations

import pytest

from executions.models import AuditEvent, Workflow, WorkflowRevision
from tests.api.conftest import client_with, error_of, token_for
from tests.conftest import FINISHING_SPEC

pytestmark = pytest.mark.django_db
URL = "/api/v1/workflows/validate/"

BROKEN_SPEC = """\
yawl: "0.1"
start: hello
steps:
  hello:
    noOp:
      next: nowhere
"""

UNREACHABLE_SPEC = (
    FINISHING_SPEC
    + """\
  orphan:
    success: {}
"""
)


def rows() -> tuple[int, int, int]:
    return Workflow.objects.count(), WorkflowRevision.objects.count(), AuditEvent.objects.count()


def test_a_valid_specification_is_valid_and_writes_nothing(viewer_api):
    before = rows()

    response = viewer_api.post(URL, {"specification": FINISHING_SPEC}, format="json")

    assert response.status_code == 200
    assert response.json() == {"valid": True, "warnings": []}
    assert rows() == before


def test_warnings_come_with_their_place_in_the_document(viewer_api):
    response = viewer_api.post(URL, {"specification": UNREACHABLE_SPEC}, format="json")

    assert response.status_code == 200
    [warning] = response.json()["warnings"]
    assert "unreachable" in warning["message"]
    assert "orphan" in warning["path"]
    assert set(warning) == {"path", "line", "column", "message"}


def test_the_yaml_text_may_be_the_body_itself(viewer_api):
    response = viewer_api.post(URL, FINISHING_SPEC, content_type="application/yaml")

    assert response.status_code == 200
    assert response.json()["valid"] is True


def test_an_invalid_specification_is_a_400_with_line_and_column(viewer_api):
    before = rows()

    response = viewer_api.post(URL, BROKEN_SPEC, content_type="text/plain")

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid"
    [detail] = error["details"]
    assert detail["line"] == 6 and detail["column"] >= 1 and "nowhere" in detail["message"]
    assert rows() == before


def test_yaml_that_does_not_parse_is_a_400_with_its_position(viewer_api):
    response = viewer_api.post(URL, {"specification": "steps: [unclosed\n"}, format="json")

    assert response.status_code == 400
    assert error_of(response)["details"][0]["line"] is not None


def test_a_body_that_is_not_utf8_is_a_400(viewer_api):
    response = viewer_api.post(URL, b"\xff\xfe", content_type="application/yaml")

    assert response.status_code == 400
    assert error_of(response)["code"] == "parse_error"


def test_an_empty_body_names_the_missing_field(viewer_api):
    response = viewer_api.post(URL, {}, format="json")

    assert response.status_code == 400
    assert error_of(response)["details"] == [{"field": "specification", "message": "This field is required."}]


def test_someone_without_a_role_may_not_validate(outsider):
    response = client_with(token_for(outsider, "read")).post(URL, {"specification": FINISHING_SPEC}, format="json")

    assert response.status_code == 403


def test_get_is_not_allowed(viewer_api):
    assert viewer_api.get(URL).status_code == 405


@pytest.mark.parametrize("character", ["\x0b", "\x7f", "\x8a"])
def test_a_control_character_is_a_400_with_its_position(viewer_api, character):
    spec = FINISHING_SPEC.replace("start: hello", f"start: hel{character}lo")

    response = viewer_api.post(URL, {"specification": spec}, format="json")

    assert response.status_code == 400
    [detail] = error_of(response)["details"]
    assert (detail["line"], detail["column"]) == (2, 11)
    assert "control character" in detail["message"]
