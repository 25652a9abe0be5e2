"""The OpenAPI 3 schema of the native API, and its Swagger UI and ReDoc pages, served without a CDN."""

from __future__ import annotations

import json
import re

import pytest
import schemathesis
import yaml
from drf_spectacular.validation import validate_schema

from tests.api.conftest import client_with

pytestmark = pytest.mark.django_db

NATIVE_OPERATIONS = {
    ("get", "/api/v1/workflows/"),
    ("post", "/api/v1/workflows/"),
    ("post", "/api/v1/workflows/validate/"),
    ("get", "/api/v1/workflows/{workflow_id}/"),
    ("patch", "/api/v1/workflows/{workflow_id}/"),
    ("delete", "/api/v1/workflows/{workflow_id}/"),
    ("get", "/api/v1/workflows/{workflow_id}/revisions/"),
    ("get", "/api/v1/workflows/{workflow_id}/revisions/{number}/"),
    ("get", "/api/v1/executions/"),
    ("post", "/api/v1/executions/"),
    ("post", "/api/v1/executions/batch/"),
    ("get", "/api/v1/executions/{execution_id}/"),
    ("get", "/api/v1/executions/{execution_id}/history/"),
    ("get", "/api/v1/executions/{execution_id}/audit/"),
    ("post", "/api/v1/executions/{execution_id}/stop/"),
    ("post", "/api/v1/executions/{execution_id}/terminate/"),
    ("post", "/api/v1/executions/{execution_id}/pause/"),
    ("post", "/api/v1/executions/{execution_id}/resume/"),
    ("post", "/api/v1/executions/{execution_id}/retry/"),
    ("get", "/api/v1/audit-events/"),
    ("get", "/api/v1/tokens/"),
    ("post", "/api/v1/tokens/"),
    ("delete", "/api/v1/tokens/{prefix}/"),
}


def schema_document() -> dict:
    response = client_with(None).get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_the_schema_is_valid_openapi_3():
    document = schema_document()

    assert document["openapi"].startswith("3.")
    validate_schema(document)
    schemathesis.openapi.from_dict(document)


def test_the_schema_covers_every_native_operation_and_nothing_else():
    paths = schema_document()["paths"]

    operations = {(method, path) for path, item in paths.items() for method in item if method != "parameters"}
    assert operations == NATIVE_OPERATIONS


def test_every_operation_documents_its_errors_and_bearer_tokens():
    document = schema_document()

    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "wfu_<prefix>_<secret>",
        "description": "An API token: `Authorization: Bearer wfu_<prefix>_<secret>`",
    }
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert {"401", "403", "429"} <= set(operation["responses"]), (method, path)
            assert {"bearerAuth": []} in operation["security"], (method, path)
            if "{" in path:
                assert "404" in operation["responses"], (method, path)


def test_request_bodies_refuse_unknown_fields_as_the_api_does():
    schemas = schema_document()["components"]["schemas"]

    assert schemas["ExecutionStartInputRequest"]["additionalProperties"] is False
    assert schemas["ExecutionBatchInputRequest"]["properties"]["inputs"]["maxItems"] == 1000


def test_the_schema_is_served_as_json_too():
    response = client_with(None).get("/api/schema/?format=json")

    assert response.status_code == 200
    assert json.loads(response.content)["info"]["title"] == "workflows_ui native API"


@pytest.mark.parametrize("url", ["/api/schema/swagger/", "/api/schema/redoc/"])
def test_the_docs_pages_load_everything_from_this_server(url):
    response = client_with(None).get(url)

    assert response.status_code == 200
    html = response.content.decode()
    references = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
    assert references, html
    for reference in references:
        assert reference.startswith("/static/"), reference
    assert "http://" not in html and "https://" not in html
    assert "/api/schema/" in html


def test_the_docs_static_files_are_served(client):
    html = client_with(None).get("/api/schema/swagger/").content.decode()
    bundle = re.search(r'src="(/static/[^"]+swagger-ui-bundle\.js)"', html).group(1)

    response = client.get(bundle)

    assert response.status_code == 200
