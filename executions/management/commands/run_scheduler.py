"""Run the scheduler loop alone (scale-out: any number of replicas is safe)."""

from __future__ import annotations

import signal
import threading

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Fire timers, resend expired attempts and enforce deadlines until SIGTERM/SIGINT."

    def handle(self, *args, **options) -> None:
        from executions.runtime import SchedulerLoop

        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        self.stdout.write("scheduler running")
        SchedulerLoop(stop).run()
        self.stdout.write("scheduler stopped")
