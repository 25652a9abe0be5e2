"""Serve the dashboard and APIs over ASGI with the embedded engine (executor pool + scheduler) running."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Serve HTTP and websockets on HOST:PORT with the embedded engine running in this process."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-engine", action="store_true", help="serve only; executions run in other processes")

    def handle(self, *args, host: str, port: int, no_engine: bool, **options) -> None:
        import uvicorn

        from executions.runtime import EmbeddedEngine

        if not 0 < port < 65536:
            raise CommandError(f"--port must be between 1 and 65535, got {port}")
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
        try:
            uvicorn.Server(config).run()
        finally:
            if engine is not None:
                engine.stop()
