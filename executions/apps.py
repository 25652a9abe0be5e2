from __future__ import annotations

from django.apps import AppConfig


class ExecutionsConfig(AppConfig):
    name = "executions"
    verbose_name = "Workflows and executions"

    def ready(self) -> None:
        from executions import functions

        functions.load_configured_functions()
