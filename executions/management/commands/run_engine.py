"""Run the embedded engine without HTTP: the executor pool and the scheduler loop, as a worker process."""

from __future__ import annotations

import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run steps on the thread pool and tick the scheduler until SIGTERM/SIGINT, then drain and exit."

    def handle(self, *args, **options) -> None:
        from executions.runtime import EmbeddedEngine

        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        engine = EmbeddedEngine()
        engine.start()
        self.stdout.write(f"engine running ({settings.WORKFLOWS_EXECUTOR} executor)", ending="\n")
        self.stdout.flush()
        try:
            stop.wait()
        finally:
            engine.stop()
        self.stdout.write("engine stopped")
