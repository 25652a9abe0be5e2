"""The gRPC server: ExecutionService and WorkflowService, grpc.health.v1 health checking (SERVING for both, and
for the server as a whole under ""), and server reflection, on one port, plaintext or TLS.

Each call runs on a worker thread of the server's pool with its own database connection. A request message
over WORKFLOWS_MAX_REQUEST_BYTES (the REST APIs' body cap) is refused by gRPC itself with RESOURCE_EXHAUSTED;
one that is not valid protobuf (or has a string that is not UTF-8) is INVALID_ARGUMENT (see `ParsedInTheCall`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from yandex.cloud.serverless.workflows.v1 import (
    execution_service_pb2,
    execution_service_pb2_grpc,
    workflow_service_pb2,
    workflow_service_pb2_grpc,
)

from executions.grpc.servicers import ExecutionServicer, WorkflowServicer

EXECUTION_SERVICE = execution_service_pb2.DESCRIPTOR.services_by_name["ExecutionService"].full_name
WORKFLOW_SERVICE = workflow_service_pb2.DESCRIPTOR.services_by_name["WorkflowService"].full_name
SERVICES = (EXECUTION_SERVICE, WORKFLOW_SERVICE)


@dataclass
class GrpcServer:
    server: grpc.Server
    health: health.HealthServicer
    port: int  # the one bound (the one the OS chose when the address asked for port 0)
    tls: bool

    def start(self) -> None:
        self.server.start()

    def stop(self, grace: float | None = None) -> None:
        """Answer NOT_SERVING to health checks, refuse new calls, let running ones finish within `grace` seconds."""
        self.health.enter_graceful_shutdown()
        self.server.stop(grace).wait()


class ParsedInTheCall:
    """Stands in for the server while a generated `add_*Servicer_to_server` registers its handlers, and registers
    them with the request parsed inside the call. gRPC itself answers a request it cannot parse with INTERNAL
    ("Exception deserializing request!"): a server error for what is bad input."""

    def __init__(self, server: grpc.Server) -> None:
        self.server = server

    def add_generic_rpc_handlers(self, handlers: Any) -> None:
        """The same methods come again through `add_registered_method_handlers` (grpcio >= 1.62 codegen)."""

    def add_registered_method_handlers(self, service: str, handlers: Mapping[str, grpc.RpcMethodHandler]) -> None:
        parsed = {name: _parsed_in_the_call(handler) for name, handler in handlers.items()}
        self.server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(service, parsed),))
        self.server.add_registered_method_handlers(service, parsed)


def _parsed_in_the_call(handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
    parse: Callable[[bytes], Any] = handler.request_deserializer
    behavior = handler.unary_unary  # every method of both services is unary
    name = parse.__self__.DESCRIPTOR.full_name  # the generated deserializer is `<Message>.FromString`

    def call(raw: bytes, context: grpc.ServicerContext) -> Any:
        try:
            request = parse(raw)
        except Exception:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"the request is not a valid {name} message")
        return behavior(request, context)

    return grpc.unary_unary_rpc_method_handler(call, response_serializer=handler.response_serializer)


def tls_credentials() -> grpc.ServerCredentials | None:
    """From WORKFLOWS_GRPC_TLS_CERT and WORKFLOWS_GRPC_TLS_KEY (PEM files), or None for plaintext."""
    cert, key = settings.WORKFLOWS_GRPC_TLS_CERT, settings.WORKFLOWS_GRPC_TLS_KEY
    if not cert and not key:
        return None
    if not cert or not key:
        raise ImproperlyConfigured("WORKFLOWS_GRPC_TLS_CERT and WORKFLOWS_GRPC_TLS_KEY must be set together")
    try:
        chain, private_key = Path(cert).read_bytes(), Path(key).read_bytes()
    except OSError as exc:
        raise ImproperlyConfigured(f"cannot read the gRPC TLS certificate or key: {exc}") from None
    return grpc.ssl_server_credentials([(private_key, chain)])


def build_server(
    bind: str,
    *,
    max_workers: int | None = None,
    max_message_bytes: int | None = None,
    credentials: grpc.ServerCredentials | None = None,
) -> GrpcServer:
    """A server listening on `bind` (`host:port`), not yet started. RuntimeError if the address cannot be bound."""
    limit = max_message_bytes or settings.WORKFLOWS_MAX_REQUEST_BYTES
    server = grpc.server(
        ThreadPoolExecutor(max_workers=max_workers or settings.WORKFLOWS_GRPC_THREADS, thread_name_prefix="grpc"),
        options=[("grpc.max_receive_message_length", limit)],
    )
    execution_service_pb2_grpc.add_ExecutionServiceServicer_to_server(ExecutionServicer(), ParsedInTheCall(server))
    workflow_service_pb2_grpc.add_WorkflowServiceServicer_to_server(WorkflowServicer(), ParsedInTheCall(server))
    checker = health.HealthServicer()
    for name in ("", *SERVICES):
        checker.set(name, health_pb2.HealthCheckResponse.SERVING)
    health_pb2_grpc.add_HealthServicer_to_server(checker, server)
    reflection.enable_server_reflection((*SERVICES, health.SERVICE_NAME, reflection.SERVICE_NAME), server)
    port = server.add_insecure_port(bind) if credentials is None else server.add_secure_port(bind, credentials)
    if not port:  # older grpcio answered 0 instead of raising
        raise RuntimeError(f"Failed to bind to address {bind}")
    return GrpcServer(server=server, health=checker, port=port, tls=credentials is not None)
