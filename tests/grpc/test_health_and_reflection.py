from __future__ import annotations

import grpc
import pytest
from google.protobuf.descriptor_pool import DescriptorPool
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase

EXECUTION_SERVICE = "yandex.cloud.serverless.workflows.v1.ExecutionService"
WORKFLOW_SERVICE = "yandex.cloud.serverless.workflows.v1.WorkflowService"


@pytest.mark.parametrize("service", ["", EXECUTION_SERVICE, WORKFLOW_SERVICE])
def test_health_checks_answer_serving_without_credentials(channel, service):
    response = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=service), timeout=10)

    assert response.status == health_pb2.HealthCheckResponse.SERVING


def test_an_unknown_service_is_not_found_by_the_health_check(channel):
    request = health_pb2.HealthCheckRequest(service="no.such.Service")

    with pytest.raises(grpc.RpcError) as caught:
        health_pb2_grpc.HealthStub(channel).Check(request, timeout=10)

    assert caught.value.code() == grpc.StatusCode.NOT_FOUND


def test_a_server_shutting_down_answers_not_serving(grpc_server, channel):
    grpc_server.health.enter_graceful_shutdown()

    request = health_pb2.HealthCheckRequest(service=EXECUTION_SERVICE)
    response = health_pb2_grpc.HealthStub(channel).Check(request, timeout=10)

    assert response.status == health_pb2.HealthCheckResponse.NOT_SERVING


def test_reflection_lists_the_services_and_describes_their_methods(channel):
    database = ProtoReflectionDescriptorDatabase(channel)
    pool = DescriptorPool(database)

    services = set(database.get_services())
    execution_service = pool.FindServiceByName(EXECUTION_SERVICE)
    workflow_service = pool.FindServiceByName(WORKFLOW_SERVICE)

    assert {EXECUTION_SERVICE, WORKFLOW_SERVICE, "grpc.health.v1.Health"} <= services
    assert {method.name for method in execution_service.methods} == {
        "Start",
        "Stop",
        "Terminate",
        "Get",
        "GetHistory",
        "List",
    }
    assert {"Create", "Update", "Get", "Delete", "List", "ListOperations"} <= {
        method.name for method in workflow_service.methods
    }
    start = execution_service.FindMethodByName("Start")
    assert start.input_type.fields_by_name["workflow_id"].number == 1
