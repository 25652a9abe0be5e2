"""Exit 0 when this host's process of the given type is healthy, 1 otherwise (for container probes)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from executions import health


class Command(BaseCommand):
    help = (
        "Check a process of this deployment: web (database and channel layer reachable), worker (its heartbeat "
        "file is fresh, database and broker reachable) or scheduler (heartbeat fresh, database reachable). "
        "Prints one line per check; exits 1 if any fails."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--process", required=True, choices=health.PROCESSES)
        parser.add_argument(
            "--max-age",
            type=float,
            default=None,
            help="seconds a heartbeat may be old (default: 3 x the loop's interval, at least 10)",
        )

    def handle(self, *args, process: str, max_age: float | None, **options) -> None:
        checks = {"database": health.check_database, "channel_layer": health.check_channel_layer}
        if process == "worker":
            checks["broker"] = health.check_broker
        if process in ("worker", "scheduler"):
            interval = 1.0 if process == "worker" else settings.WORKFLOWS_SCHEDULER_INTERVAL
            limit = max_age if max_age is not None else max(10.0, 3 * interval)
            checks["heartbeat"] = lambda: health.check_heartbeat(process, limit)
        failed = False
        for name, check in checks.items():
            problem = check()
            failed = failed or problem is not None
            self.stdout.write(f"{name}: {problem or 'ok'}")
        if failed:
            raise SystemExit(1)
