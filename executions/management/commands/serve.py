"""Serve the dashboard and APIs over ASGI with the embedded engine (executor pool + scheduler) running."""

from __future__ import annotations

import signal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Serve HTTP and websockets on HOST:PORT with the embedded engine running in this process."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-engine", action="store_true", help="serve only; executions run in other processes")
        parser.add_argument(
            "--grpc",
            metavar="HOST:PORT",
            default="",
            help="also serve the gRPC API in this process (needs the grpc extra); in embedded mode this keeps "
            "executions started over gRPC live on the dashboard, whose channel layer is in-process",
        )

    def handle(self, *args, host: str, port: int, no_engine: bool, grpc: str, **options) -> None:
        import uvicorn

        from executions.runtime import EmbeddedEngine

        if not 0 < port < 65536:
            raise CommandError(f"--port must be between 1 and 65535, got {port}")
        grpc_server = _grpc_server(grpc) if grpc else None
        engine = None if no_engine else EmbeddedEngine()
        if engine is not None:
            engine.start()
        config = uvicorn.Config(
            "workflows_ui.asgi:application",
            host=host,
            port=port,
            lifespan="off",
            log_level="info" if settings.DEBUG else "warning",
            ws="websockets",
        )
        self.stdout.write(f"workflows_ui serving on http://{host}:{port}/ ({settings.WORKFLOWS_EXECUTOR} executor)")
        # uvicorn shuts down gracefully on SIGTERM/SIGINT and then re-raises the signal to the handler that was
        # installed before it started. Installing quiet handlers lets that re-raise return here, so the engine
        # below is stopped and the process exits 0 instead of dying by the signal.
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: None)
        if grpc_server is not None:
            grpc_server.start()
            self.stdout.write(f"gRPC serving on {grpc}")
        try:
            uvicorn.Server(config).run()
        finally:
            if grpc_server is not None:
                grpc_server.stop(5)
            if engine is not None:
                engine.stop()


def _grpc_server(bind: str):
    try:
        from executions.grpc.server import build_server, tls_credentials
    except ImportError as exc:
        raise CommandError(f"--grpc needs the grpc extra (pip install -e '.[grpc]'): {exc}") from None
    try:
        return build_server(bind, credentials=tls_credentials())
    except RuntimeError as exc:
        raise CommandError(f"cannot listen on {bind!r}: {exc}") from None
