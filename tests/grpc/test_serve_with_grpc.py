"""`manage.py serve --grpc`: one process serving pages, websockets and gRPC (the embedded mode's gRPC)."""

from __future__ import annotations

import signal
import subprocess
import sys

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tests.browser.conftest import ROOT, DemoServer, _responds, free_port, wait_until


class ServerWithGrpc(DemoServer):
    def __init__(self, data_dir) -> None:
        super().__init__(data_dir)
        self.grpc_bind = f"127.0.0.1:{free_port()}"

    def start(self) -> None:
        self.manage("migrate", "--noinput")
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "manage.py", "serve", "--port", str(self.port), "--grpc", self.grpc_bind],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_until(lambda: _responds(self.url + "/login/"), 60, "the server to answer")


def test_serve_also_answers_grpc_and_stops_cleanly(tmp_path):
    server = ServerWithGrpc(tmp_path)
    server.start()
    try:
        with grpc.insecure_channel(server.grpc_bind) as channel:
            health = health_pb2_grpc.HealthStub(channel)
            reply = health.Check(
                health_pb2.HealthCheckRequest(service="yandex.cloud.serverless.workflows.v1.ExecutionService"),
                timeout=10,
                wait_for_ready=True,
            )
        assert reply.status == health_pb2.HealthCheckResponse.SERVING
    finally:
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(timeout=30) == 0, server.log.read_text()
