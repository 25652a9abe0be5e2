"""WorkflowService: Create, Update, Get, Delete, List, ListOperations through the SDK stub."""

from __future__ import annotations

import grpc
from google.protobuf import empty_pb2, field_mask_pb2, json_format
from yandex.cloud.serverless.workflows.v1 import workflow_pb2
from yandex.cloud.serverless.workflows.v1 import workflow_service_pb2 as pb

from executions import services
from executions.models import AuditEvent, Workflow
from tests.api.conftest import with_engine
from tests.conftest import FINISHING_SPEC, WAITING_SPEC, actor_for, make_workflow
from tests.grpc.conftest import rpc_error
from tests.yandex_api.conftest import yandex_client

pytestmark = with_engine

BAD_SPEC = """\
yawl: "0.1"
start: nowhere
steps:
  hello:
    noOp: {}
"""


def create(stub, metadata, name: str = "greeter", spec: str = FINISHING_SPEC, **fields):
    request = pb.CreateWorkflowRequest(
        folder_id="b1gfolder", name=name, specification=workflow_pb2.WorkflowSpecification(spec_yaml=spec), **fields
    )
    return stub.Create(request, metadata=metadata, timeout=10)


def unpacked(operation, message_class):
    message = message_class()
    assert operation.response.Unpack(message)
    return message


def test_it_creates_a_workflow_from_yaml_in_a_done_operation(workflow_stub, as_admin):
    operation = create(workflow_stub, as_admin, description="says hello", labels={"team": "core"})

    workflow = Workflow.objects.get()
    event = AuditEvent.objects.get(action="workflow.create")
    assert (operation.id, operation.description, operation.done) == (f"op{event.pk:018d}", "Create workflow", True)
    assert operation.created_by == "token:tests (ada)"
    metadata = pb.CreateWorkflowMetadata()
    assert operation.metadata.Unpack(metadata) and metadata.workflow_id == workflow.pk
    created = unpacked(operation, workflow_pb2.Workflow)
    assert (created.id, created.name, created.description) == (workflow.pk, "greeter", "says hello")
    assert dict(created.labels) == {"team": "core"}
    assert created.specification.spec_yaml == FINISHING_SPEC
    assert created.status == workflow_pb2.Workflow.ACTIVE
    assert event.source == "grpc"


def test_a_taken_name_is_already_exists(workflow_stub, as_admin):
    make_workflow("greeter")

    message = rpc_error(lambda: create(workflow_stub, as_admin), grpc.StatusCode.ALREADY_EXISTS)

    assert "greeter" in message
    assert Workflow.objects.count() == 1


def test_an_invalid_specification_is_an_invalid_argument(workflow_stub, as_admin):
    message = rpc_error(lambda: create(workflow_stub, as_admin, spec=BAD_SPEC), grpc.StatusCode.INVALID_ARGUMENT)

    assert message.startswith("invalid specification:")
    assert not Workflow.objects.exists()


def test_a_create_without_a_specification_is_an_invalid_argument_naming_it(workflow_stub, as_admin):
    request = pb.CreateWorkflowRequest(folder_id="f", name="greeter")

    message = rpc_error(lambda: workflow_stub.Create(request, metadata=as_admin), grpc.StatusCode.INVALID_ARGUMENT)

    assert message == "specification is required"


def test_an_operator_may_not_create_workflows(workflow_stub, as_operator):
    message = rpc_error(lambda: create(workflow_stub, as_operator), grpc.StatusCode.PERMISSION_DENIED)

    assert "admin role" in message


def test_it_gets_a_workflow_by_id_or_name_as_the_rest_api_does(workflow_stub, as_viewer, viewer, settings):
    settings.WORKFLOWS_PUBLIC_URL = "http://testserver"
    workflow = make_workflow("greeter")

    by_id = workflow_stub.Get(pb.GetWorkflowRequest(workflow_id=workflow.pk), metadata=as_viewer)
    by_name = workflow_stub.Get(pb.GetWorkflowRequest(workflow_id="greeter"), metadata=as_viewer)

    assert by_id == by_name
    assert by_id.workflow.execution_url == f"http://testserver/workflows/v1/execution/{workflow.pk}/start"
    over_rest = yandex_client(viewer, "read").get(f"/workflows/v1/workflow/{workflow.pk}")
    assert json_format.MessageToDict(by_id) == over_rest.json()


def test_without_a_public_url_the_execution_url_is_left_out(workflow_stub, as_viewer):
    workflow = make_workflow("greeter")

    response = workflow_stub.Get(pb.GetWorkflowRequest(workflow_id=workflow.pk), metadata=as_viewer)

    assert response.workflow.execution_url == ""


def test_it_updates_the_fields_the_mask_names(workflow_stub, as_admin):
    workflow = make_workflow("greeter")
    request = pb.UpdateWorkflowRequest(
        workflow_id=workflow.pk,
        description="new words",
        name="ignored-not-in-mask",
        update_mask=field_mask_pb2.FieldMask(paths=["description"]),
    )

    operation = workflow_stub.Update(request, metadata=as_admin)

    updated = unpacked(operation, workflow_pb2.Workflow)
    assert (updated.name, updated.description) == ("greeter", "new words")
    assert operation.description == "Update workflow"
    assert AuditEvent.objects.get(action="workflow.update").source == "grpc"


def test_an_update_mask_naming_an_unknown_field_is_an_invalid_argument(workflow_stub, as_admin):
    workflow = make_workflow("greeter")
    request = pb.UpdateWorkflowRequest(workflow_id=workflow.pk, update_mask=field_mask_pb2.FieldMask(paths=["colour"]))

    message = rpc_error(lambda: workflow_stub.Update(request, metadata=as_admin), grpc.StatusCode.INVALID_ARGUMENT)

    assert message.startswith("updateMask names an unknown field path 'colour'")


def test_renaming_to_a_taken_name_is_already_exists(workflow_stub, as_admin):
    workflow = make_workflow("greeter")
    make_workflow("other")
    request = pb.UpdateWorkflowRequest(workflow_id=workflow.pk, name="other")

    rpc_error(lambda: workflow_stub.Update(request, metadata=as_admin), grpc.StatusCode.ALREADY_EXISTS)


def test_it_deletes_a_workflow_without_executions(workflow_stub, as_admin):
    workflow = make_workflow("greeter")

    operation = workflow_stub.Delete(pb.DeleteWorkflowRequest(workflow_id=workflow.pk), metadata=as_admin)

    assert operation.done and operation.description == "Delete workflow"
    unpacked(operation, empty_pb2.Empty)
    assert not Workflow.objects.exists()
    request = pb.GetWorkflowRequest(workflow_id=workflow.pk)
    rpc_error(lambda: workflow_stub.Get(request, metadata=as_admin), grpc.StatusCode.NOT_FOUND)


def test_deleting_a_workflow_that_has_executions_is_a_failed_precondition(workflow_stub, as_admin, operator):
    workflow = make_workflow("sleeper", WAITING_SPEC)
    services.execution_start(actor=actor_for(operator), workflow=workflow, input={})
    request = pb.DeleteWorkflowRequest(workflow_id=workflow.pk)

    rpc_error(lambda: workflow_stub.Delete(request, metadata=as_admin), grpc.StatusCode.FAILED_PRECONDITION)

    assert Workflow.objects.filter(pk=workflow.pk).exists()


def test_it_lists_workflows_by_page_and_by_name(workflow_stub, as_viewer):
    for name in ("alpha", "beta", "gamma"):
        make_workflow(name)

    first = workflow_stub.List(pb.ListWorkflowsRequest(folder_id="f", page_size=2), metadata=as_viewer)
    second = workflow_stub.List(
        pb.ListWorkflowsRequest(folder_id="f", page_size=2, page_token=first.next_page_token), metadata=as_viewer
    )
    named = workflow_stub.List(pb.ListWorkflowsRequest(folder_id="f", filter='name="beta"'), metadata=as_viewer)

    assert [item.name for item in first.workflows] == ["alpha", "beta"]
    assert [item.name for item in second.workflows] == ["gamma"] and not second.next_page_token
    assert [item.name for item in named.workflows] == ["beta"]


def test_a_bad_workflows_filter_is_an_invalid_argument_naming_it(workflow_stub, as_viewer):
    request = pb.ListWorkflowsRequest(folder_id="f", filter="name>beta")

    message = rpc_error(lambda: workflow_stub.List(request, metadata=as_viewer), grpc.StatusCode.INVALID_ARGUMENT)

    assert message == "invalid filter: name can only be compared with =, not >"


def test_it_lists_a_workflows_operations_newest_first(workflow_stub, as_admin):
    operation = create(workflow_stub, as_admin)
    workflow_id = unpacked(operation, workflow_pb2.Workflow).id
    update = pb.UpdateWorkflowRequest(workflow_id=workflow_id, description="x")
    workflow_stub.Update(update, metadata=as_admin)

    response = workflow_stub.ListOperations(pb.ListOperationsRequest(workflow_id=workflow_id), metadata=as_admin)

    assert [op.description for op in response.operations] == ["Update workflow", "Create workflow"]
    assert response.operations[1].id == operation.id


def test_access_bindings_are_unimplemented(workflow_stub, as_admin):
    from yandex.cloud.access import access_pb2

    request = access_pb2.ListAccessBindingsRequest(resource_id="x")

    message = rpc_error(
        lambda: workflow_stub.ListAccessBindings(request, metadata=as_admin), grpc.StatusCode.UNIMPLEMENTED
    )

    assert "roles" in message
