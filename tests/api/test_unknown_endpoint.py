"""Anything under /api/v1/ that is not an endpoint answers 404 in the error shape."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.api.conftest import client_with, error_of

pytestmark = pytest.mark.django_db


def test_an_unknown_path_is_a_json_404(viewer_api):
    response = viewer_api.get("/api/v1/no-such-thing/")

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_a_missing_trailing_slash_is_a_404_that_says_so():
    response = client_with(None).post("/api/v1/executions", {}, format="json")

    assert response.status_code == 404
    assert "did you mean /api/v1/executions/" in error_of(response)["message"]


def test_a_post_to_an_unknown_path_is_a_404_even_when_csrf_is_enforced():
    response = APIClient(enforce_csrf_checks=True).post("/api/v1/nothing-here", {}, format="json")

    assert response.status_code == 404


def test_an_id_with_a_newline_is_a_json_404_too(viewer_api):
    response = viewer_api.post("/api/v1/executions/a%0Ab/pause/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert error_of(response)["code"] == "not_found"
