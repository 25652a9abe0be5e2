from __future__ import annotations

import pytest
from yandex.cloud.operation import operation_pb2

from executions import services
from executions.models import AuditEvent, Workflow
from tests.conftest import actor_for, make_workflow
from tests.yandex_api.conftest import assert_message, rpc_error

pytestmark = pytest.mark.django_db


def test_it_deletes_a_workflow_and_answers_with_a_done_operation(admin_api):
    workflow = make_workflow("greeter")

    response = admin_api.delete(f"/workflows/v1/workflow/{workflow.pk}")

    assert response.status_code == 200, response.content
    operation = response.json()
    assert_message(operation, operation_pb2.Operation)
    event = AuditEvent.objects.get(action="workflow.delete")
    assert operation == {
        "id": f"op{event.pk:018d}",
        "description": "Delete workflow",
        "createdAt": operation["createdAt"],
        "createdBy": "token:tests (ada)",
        "modifiedAt": operation["createdAt"],
        "done": True,
        "metadata": {
            "@type": "type.googleapis.com/yandex.cloud.serverless.workflows.v1.DeleteWorkflowMetadata",
            "workflowId": workflow.pk,
        },
        "response": {"@type": "type.googleapis.com/google.protobuf.Empty"},
    }
    assert not Workflow.objects.exists() and event.source == "yandex-api"


def test_a_workflow_with_executions_is_failed_precondition_and_kept(operator, admin_api):
    workflow = make_workflow("greeter")
    services.execution_start(actor=actor_for(operator), workflow=workflow, input={})
    audit_before = AuditEvent.objects.count()

    response = admin_api.delete("/workflows/v1/workflow/greeter")

    assert "a workflow with executions cannot be deleted" in rpc_error(response, 9, 400)
    assert Workflow.objects.filter(pk=workflow.pk).exists() and AuditEvent.objects.count() == audit_before


def test_an_unknown_workflow_is_not_found(admin_api):
    response = admin_api.delete("/workflows/v1/workflow/nosuchworkflow")

    rpc_error(response, 5, 404)


def test_an_operator_may_not_delete(operator_api):
    make_workflow("greeter")

    response = operator_api.delete("/workflows/v1/workflow/greeter")

    rpc_error(response, 7, 403)
    assert Workflow.objects.exists()
