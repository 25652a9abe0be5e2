"""The Celery app of the scale-out executor (WORKFLOWS_EXECUTOR=celery).

Run workers with `celery -A workflows_ui worker -Q default,<other queue names>` (docs/scale-out.md). The
configuration is the CELERY_* part of the Django settings; the tasks are `executions.tasks`.

Only processes that use Celery import this module: the web and scheduler processes publish through
`executions.dispatch` (which imports `executions.tasks`, and so this app), and nothing imports it in the
embedded mode, where Celery need not even be installed.
"""

from __future__ import annotations

import os

from celery import Celery
from celery.signals import worker_process_init, worker_ready, worker_shutdown

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "workflows_ui.settings")

app = Celery("workflows_ui")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["executions"])


# The heartbeat (lease renewal, cancellation of attempts that ended elsewhere, the liveness file) runs in every
# process that runs tasks: the worker itself with the threads or solo pool, each child with prefork.
@worker_ready.connect
@worker_process_init.connect
def _start_heartbeat(**kwargs) -> None:
    from executions.runtime import worker_heartbeat

    worker_heartbeat().start()


@worker_shutdown.connect
def _stop_heartbeat(**kwargs) -> None:
    from executions.runtime import worker_heartbeat

    worker_heartbeat().stop()
