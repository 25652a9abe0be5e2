from __future__ import annotations

import pytest
from yandex.cloud.operation import operation_pb2

from executions import services
from executions.models import AuditEvent, Workflow, WorkflowRevision
from tests.api.conftest import TEST_ACTOR
from tests.conftest import FAILING_SPEC, FINISHING_SPEC, make_workflow
from tests.yandex_api.conftest import assert_message, rpc_error

pytestmark = pytest.mark.django_db

TYPES = "type.googleapis.com/yandex.cloud.serverless.workflows.v1."


def labelled_workflow() -> Workflow:
    workflow = make_workflow("greeter")
    return services.workflow_update(
        actor=TEST_ACTOR, workflow=workflow, description="says hello", labels={"team": "core"}
    )


def patch(client, workflow_id: str, body):
    return client.patch(f"/workflows/v1/workflow/{workflow_id}", body, format="json")


def test_only_the_fields_named_in_the_update_mask_change(admin_api):
    workflow = labelled_workflow()

    response = patch(
        admin_api,
        workflow.pk,
        {"updateMask": "description", "description": "greets", "labels": {"team": "other"}, "name": "renamed"},
    )

    assert response.status_code == 200, response.content
    operation = response.json()
    assert_message(operation, operation_pb2.Operation)
    workflow.refresh_from_db()
    assert (workflow.name, workflow.description, workflow.labels) == ("greeter", "greets", {"team": "core"})
    event = AuditEvent.objects.filter(action="workflow.update").latest("id")
    assert operation["id"] == f"op{event.pk:018d}" and event.source == "yandex-api"
    assert operation["description"] == "Update workflow" and operation["done"] is True
    assert operation["metadata"] == {"@type": TYPES + "UpdateWorkflowMetadata", "workflowId": workflow.pk}
    assert operation["response"]["description"] == "greets"


def test_a_named_field_left_out_of_the_body_is_cleared(admin_api):
    workflow = labelled_workflow()

    response = patch(admin_api, workflow.pk, {"updateMask": "labels,description"})

    assert response.status_code == 200
    workflow.refresh_from_db()
    assert (workflow.description, workflow.labels) == ("", {})
    assert {"description", "labels"}.isdisjoint(response.json()["response"])


def test_a_new_specification_makes_a_new_revision(admin_api):
    workflow = make_workflow("greeter", FINISHING_SPEC)

    response = patch(
        admin_api, workflow.pk, {"updateMask": "specification.specYaml", "specification": {"specYaml": FAILING_SPEC}}
    )

    assert response.status_code == 200
    workflow.refresh_from_db()
    assert workflow.current_revision.number == 2 and workflow.current_revision.yaml_text == FAILING_SPEC
    assert response.json()["response"]["specification"] == {"specYaml": FAILING_SPEC}


def test_without_a_mask_the_fields_in_the_body_change(admin_api):
    workflow = labelled_workflow()

    response = patch(admin_api, "greeter", {"workflowId": workflow.pk, "name": "renamed"})

    assert response.status_code == 200
    workflow.refresh_from_db()
    assert (workflow.name, workflow.description) == ("renamed", "says hello")


def test_mask_paths_may_use_proto_names_and_cloud_only_fields(admin_api):
    workflow = labelled_workflow()

    response = patch(
        admin_api,
        workflow.pk,
        {"update_mask": "network_id,log_options.min_level,description", "network_id": "enp", "description": "x"},
    )

    assert response.status_code == 200
    workflow.refresh_from_db()
    assert workflow.description == "x" and workflow.network_id == "enp"
    # A sub-path of logOptions replaces the whole object (decision): absent from the body, it is cleared.
    assert workflow.log_options == {}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"updateMask": "colour", "description": "x"}, "updateMask names an unknown field path 'colour'"),
        ({"updateMask": "labels.team"}, "updateMask names an unknown field path 'labels.team'"),
        ({"updateMask": "specification"}, "specification.specYaml is required when the update mask names"),
        ({"updateMask": "name"}, "name must be 1-63 characters"),
        ({"updateMask": 5}, "updateMask must be a string"),
        ({"description": 5}, "description must be a string"),
        ({"workflowId": "another"}, "workflowId in the body ('another') is not the workflow in the URL"),
        ({"specification": {"specYaml": "yawl: '0.1'\n"}}, "invalid specification"),
    ],
)
def test_a_bad_update_is_invalid_argument_and_changes_nothing(admin_api, body, message):
    workflow = labelled_workflow()
    audit_before = AuditEvent.objects.count()

    response = patch(admin_api, workflow.pk, body)

    assert message in rpc_error(response, 3, 400)
    workflow.refresh_from_db()
    assert (workflow.name, workflow.description, workflow.labels) == ("greeter", "says hello", {"team": "core"})
    assert WorkflowRevision.objects.count() == 1 and AuditEvent.objects.count() == audit_before


def test_renaming_to_a_taken_name_is_already_exists(admin_api):
    make_workflow("taken")
    workflow = make_workflow("greeter")

    response = patch(admin_api, workflow.pk, {"updateMask": "name", "name": "taken"})

    assert rpc_error(response, 6, 409) == "a workflow named 'taken' already exists"
    workflow.refresh_from_db()
    assert workflow.name == "greeter"


def test_an_unknown_workflow_is_not_found(admin_api):
    response = patch(admin_api, "nosuchworkflow", {"description": "x"})

    rpc_error(response, 5, 404)


def test_an_operator_may_not_update(operator_api):
    workflow = make_workflow("greeter")

    response = patch(operator_api, workflow.pk, {"description": "x"})

    rpc_error(response, 7, 403)
