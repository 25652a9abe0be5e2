"""The only module that talks to the channel layer. Called from `transaction.on_commit` by services.

A lost broadcast never loses data: pages resynchronise from the database on reconnect and fall back to
polling, so a channel-layer failure is logged and swallowed.
"""

from __future__ import annotations

import logging
from typing import TypedDict

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

log = logging.getLogger(__name__)

EXECUTIONS_GROUP = "executions"


def execution_group(execution_id: str) -> str:
    return f"execution.{execution_id}"


class ExecutionUpdated(TypedDict):
    type: str  # "execution.updated": consumers handle it in `execution_updated`
    execution_id: str
    status: str


def execution_changed(execution_id: str, *, status: str) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    message = ExecutionUpdated(type="execution.updated", execution_id=execution_id, status=str(status))
    try:
        send = async_to_sync(layer.group_send)
        send(execution_group(execution_id), message)
        send(EXECUTIONS_GROUP, message)
    except Exception:
        log.warning("broadcast of execution %s failed", execution_id, exc_info=True)
