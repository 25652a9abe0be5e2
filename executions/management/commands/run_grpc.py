"""Serve the Yandex Workflows gRPC API (ExecutionService, WorkflowService, health, reflection)."""

from __future__ import annotations

import signal
import threading

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Serve the gRPC ExecutionService and WorkflowService on --bind until SIGTERM/SIGINT, then let running "
        "calls finish and exit. TLS when WORKFLOWS_GRPC_TLS_CERT and WORKFLOWS_GRPC_TLS_KEY are set."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--bind", default=settings.WORKFLOWS_GRPC_BIND, help="host:port to listen on (port 0: any free one)"
        )
        parser.add_argument("--threads", type=int, default=settings.WORKFLOWS_GRPC_THREADS, help="concurrent calls")
        parser.add_argument("--grace", type=float, default=10.0, help="seconds running calls get on shutdown")
        parser.add_argument(
            "--with-engine",
            action="store_true",
            help="also run the embedded engine here (by default executions run in `serve` or `run_engine`)",
        )

    def handle(self, *args, bind: str, threads: int, grace: float, with_engine: bool, **options) -> None:
        try:
            from executions.grpc.server import build_server, tls_credentials
        except ImportError as exc:
            raise CommandError(f"the gRPC API needs the grpc extra (pip install -e '.[grpc]'): {exc}") from None
        from executions.runtime import EmbeddedEngine

        if threads < 1:
            raise CommandError(f"--threads must be at least 1, got {threads}")
        try:
            server = build_server(bind, max_workers=threads, credentials=tls_credentials())
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from None
        except RuntimeError as exc:
            raise CommandError(f"cannot listen on {bind!r}: {exc}") from None
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        engine = EmbeddedEngine() if with_engine else None
        if engine is not None:
            engine.start()
        server.start()
        host = bind.rsplit(":", 1)[0]
        scheme = "TLS" if server.tls else "plaintext"
        self.stdout.write(f"gRPC serving on {host}:{server.port} ({scheme}, {settings.WORKFLOWS_EXECUTOR} executor)")
        self.stdout.flush()
        try:
            stop.wait()
        finally:
            server.stop(grace)
            if engine is not None:
                engine.stop()
        self.stdout.write("gRPC server stopped")
