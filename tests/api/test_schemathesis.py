"""Property-based runs of schemathesis over the OpenAPI schema, through the WSGI app: one over the native
API (/api/v1/), one over the Yandex-compatible API (/workflows/v1/).

Each operation gets a bounded number of generated requests (valid and invalid ones), sent with an admin
token; every response must be no server error and must match the schema: status code, content type, body.
Deterministic (derandomized) so CI cannot flake; for a deeper local run: SCHEMATHESIS_MAX_EXAMPLES=500.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from executions import services
from executions.yandex_api.openapi_messages import COMPONENTS
from tests.api.conftest import TEST_ACTOR, token_for
from tests.conftest import make_user, make_workflow
from workflows_ui.wsgi import application

pytestmark = pytest.mark.django_db

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


@pytest.fixture(autouse=True)
def wsgi_keeps_the_test_transaction():
    """Requests through the WSGI app would close the connection that holds the test's transaction at their
    end (Django's own test client disconnects these handlers the same way)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def admin_token(admin_user, settings):
    # The run makes hundreds of requests with one token: no throttling here (tests/api/test_throttling.py).
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"user": None, "start": None, "anon": None},
    }
    return token_for(admin_user, "admin")


@pytest.fixture
def real_ids(admin_token) -> dict[str, object]:
    """Ids of rows that exist, so that generated requests reach past the 404s to the real work."""
    workflow = make_workflow("greeter")
    execution = services.execution_start(actor=TEST_ACTOR, workflow=workflow, input={"name": "Ada"})
    other, _ = services.api_token_create(actor=TEST_ACTOR, owner=make_user("vera", "viewer"), name="other")
    return {
        "workflow_id": workflow.pk,
        "execution_id": execution.pk,
        "number": 1,
        "prefix": other.prefix,
        # The Yandex API's names for them, in queries and bodies.
        "workflowId": workflow.pk,
    }


# Loaded at collection: the schema endpoint needs no database. (`schemathesis.pytest.from_fixture` would load
# it per test, but its subtests do not work with pytest 9.2.)
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
# Every request carries the admin token: a generated Authorization header (a deliberately broken one in a
# negative case) would be overwritten by it, and the case would no longer be negative. Credentials have their
# own tests (tests/api/test_token_authentication.py, tests/yandex_api/test_errors.py).
schema.config.generation.update(with_security_parameters=False)
native_api = schema.include(path_regex=r"^/api/v1/")
yandex_api = schema.include(path_regex=r"^/workflows/v1/")

bounded = settings(
    max_examples=int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "30")),
    deadline=None,
    database=None,
    derandomize=True,
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
)


@native_api.parametrize()
@native_api.given(use_real_ids=st.booleans())
@bounded
def test_the_native_api_conforms_to_its_schema(case, use_real_ids, admin_token, real_ids):
    call_and_validate(case, use_real_ids, admin_token, real_ids, body_field="workflow_id")


@yandex_api.parametrize()
@yandex_api.given(use_real_ids=st.booleans())
@bounded
def test_the_yandex_api_conforms_to_its_schema(case, use_real_ids, admin_token, real_ids):
    call_and_validate(case, use_real_ids, admin_token, real_ids, body_field="workflowId")


@pytest.mark.parametrize(
    ("method", "path", "message"),
    [
        ("POST", "/workflows/v1/execution/start", "StartExecutionRequest"),
        ("POST", "/workflows/v1/workflow", "CreateWorkflowRequest"),
        ("PATCH", "/workflows/v1/workflow/{workflow_id}", "UpdateWorkflowRequest"),
    ],
)
def test_the_yandex_api_accepts_its_examples(method, path, message, admin_token, real_ids):
    """The request examples shown in Swagger UI work, and get the documented answer (generated bodies
    rarely hold a valid specification, so this is where Create and Update succeed)."""
    body = COMPONENTS[message]["example"]
    if "workflowId" in body:
        body = {**body, "workflowId": real_ids["workflow_id"]}
    path_parameters = {"workflow_id": real_ids["workflow_id"]} if "{" in path else {}
    case = yandex_api[path][method].Case(body=body, path_parameters=path_parameters)

    response = case.call_and_validate(headers={"Authorization": f"Bearer {admin_token}"}, checks=CHECKS)

    assert response.status_code == 200, response.text


def call_and_validate(case, use_real_ids: bool, token: str, real_ids: dict[str, object], *, body_field: str):
    # Real ids only in positive cases: put into a negative case, they could replace the very value that made
    # it negative, and the (now valid) request would be reported as schema-violating data that was accepted.
    use_real_ids = use_real_ids and case.meta is not None and case.meta.generation.mode == GenerationMode.POSITIVE
    if use_real_ids and case.path_parameters:
        case.path_parameters = {name: real_ids.get(name, value) for name, value in case.path_parameters.items()}
    if use_real_ids and case.query and "workflowId" in case.query:
        case.query = {**case.query, "workflowId": real_ids["workflowId"]}
    if use_real_ids and isinstance(case.body, dict) and body_field in case.body:
        case.body = {**case.body, body_field: real_ids["workflow_id"]}
    return case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
