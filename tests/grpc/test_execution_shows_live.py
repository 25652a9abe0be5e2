"""An execution started over gRPC reaches an open dashboard socket live, like one started from a page."""

from __future__ import annotations

import asyncio

from channels.db import database_sync_to_async
from yandex.cloud.serverless.workflows.v1 import execution_pb2
from yandex.cloud.serverless.workflows.v1 import execution_service_pb2 as pb

from tests.api.conftest import with_engine
from tests.conftest import WAITING_SPEC, make_workflow
from tests.ui.test_consumers import DEADLINE, socket

pytestmark = with_engine


async def test_a_grpc_start_is_pushed_to_the_execution_list_socket(execution_stub, as_operator, viewer):
    workflow = await database_sync_to_async(make_workflow)("sleeper", WAITING_SPEC)
    async with socket("/ws/executions/", user=viewer) as (communicator, connected):
        assert connected
        request = pb.StartExecutionRequest(
            workflow_id=workflow.pk, input=execution_pb2.ExecutionInput(input_json='{"who": "grpc"}')
        )
        reply = await asyncio.to_thread(execution_stub.Start, request, metadata=as_operator, timeout=10)
        html = await communicator.receive_from(timeout=DEADLINE)
        while reply.execution_id not in html:
            html = await communicator.receive_from(timeout=DEADLINE)
    assert f'<tr id="execution-row-{reply.execution_id}"' in html
