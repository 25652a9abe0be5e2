"""The OpenAPI 3 schema of the native API and the Yandex API, and its Swagger UI and ReDoc pages, served
without a CDN. (Each Yandex message against its proto: tests/yandex_api/test_openapi_messages.py.)"""

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
YANDEX_OPERATIONS = {
    # ExecutionService
    ("post", "/workflows/v1/execution/start"): "Yandex ExecutionService",
    ("post", "/workflows/v1/execution/{workflow_id}/start"): "Yandex ExecutionService",
    ("post", "/workflows/v1/execution/{execution_id}/stop"): "Yandex ExecutionService",
    ("post", "/workflows/v1/execution/{execution_id}/terminate"): "Yandex ExecutionService",
    ("get", "/workflows/v1/execution/{execution_id}"): "Yandex ExecutionService",
    ("get", "/workflows/v1/execution/{execution_id}/history"): "Yandex ExecutionService",
    ("get", "/workflows/v1/execution"): "Yandex ExecutionService",
    # WorkflowService
    ("get", "/workflows/v1/workflow"): "Yandex WorkflowService",
    ("post", "/workflows/v1/workflow"): "Yandex WorkflowService",
    ("get", "/workflows/v1/workflow/{workflow_id}"): "Yandex WorkflowService",
    ("patch", "/workflows/v1/workflow/{workflow_id}"): "Yandex WorkflowService",
    ("delete", "/workflows/v1/workflow/{workflow_id}"): "Yandex WorkflowService",
    ("get", "/workflows/v1/workflow/{workflow_id}/operations"): "Yandex WorkflowService",
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


def test_the_schema_covers_every_operation_of_both_apis_and_nothing_else():
    paths = schema_document()["paths"]

    operations = {(method, path) for path, item in paths.items() for method in item if method != "parameters"}
    assert operations == NATIVE_OPERATIONS | set(YANDEX_OPERATIONS)


def test_the_yandex_operations_are_tagged_by_service_and_answer_in_its_messages():
    document = schema_document()

    for (method, path), tag in YANDEX_OPERATIONS.items():
        operation = document["paths"][path][method]
        assert operation["tags"] == [tag], (method, path)
        assert operation["operationId"].startswith("yandex_"), (method, path)
        ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
        if path != "/workflows/v1/execution/{workflow_id}/start" or method != "post":
            assert ok["$ref"].startswith("#/components/schemas/Yandex"), (method, path)
        for status, response in operation["responses"].items():
            if status.startswith("4"):
                error = response["content"]["application/json"]["schema"]
                assert error["allOf"] == [{"$ref": "#/components/schemas/YandexStatus"}], (method, path, status)
    assert [tag["name"] for tag in document["tags"]][-2:] == ["Yandex ExecutionService", "Yandex WorkflowService"]


def test_the_yandex_messages_are_in_proto3_json():
    schemas = schema_document()["components"]["schemas"]

    assert schemas["YandexHistoryEntry"]["properties"]["attempts"]["type"] == "string"  # int64
    assert schemas["YandexExecution"]["properties"]["startedAt"]["format"] == "date-time"
    assert schemas["YandexExecution"]["properties"]["duration"]["pattern"].endswith("s$")
    assert schemas["YandexExecutionStatus"]["enum"][:3] == ["STATUS_UNSPECIFIED", "QUEUED", "RUNNING"]
    assert schemas["YandexStatus"]["required"] == ["code", "message", "details"]
    assert schemas["YandexCreateWorkflowRequest"]["additionalProperties"] is False
    assert schemas["YandexCreateWorkflowRequest"]["properties"]["description"]["nullable"] is True
    start = schema_document()["paths"]["/workflows/v1/execution/start"]["post"]
    assert start["requestBody"]["required"] is True
    listing = schema_document()["paths"]["/workflows/v1/execution"]["get"]
    parameters = {parameter["name"]: parameter for parameter in listing["parameters"]}
    assert parameters["workflowId"]["required"] is True
    assert parameters["pageSize"]["allowEmptyValue"] is True


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
    assert json.loads(response.content)["info"]["title"] == "workflows_ui API"


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
