"""The in-process channel layer of the embedded mode: Channels' in-memory layer, safe to send to from threads.

Engine work (the executor pool, the scheduler thread) commits in threads that have no event loop; broadcast
reaches the layer there through `async_to_sync`, which runs the send on a fresh loop in that thread. The
in-memory layer keeps asyncio queues that belong to the server's loop, and asyncio objects are not
thread-safe: a message put from another loop may sit unnoticed until something else wakes the server's
loop. So a group send from a foreign loop is handed to the loop its members registered on.
"""

from __future__ import annotations

import asyncio
from typing import Any

from channels.layers import InMemoryChannelLayer


class InProcessChannelLayer(InMemoryChannelLayer):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._group_loops: dict[str, asyncio.AbstractEventLoop] = {}

    async def group_add(self, group: str, channel: str) -> None:
        self._group_loops[group] = asyncio.get_running_loop()
        await super().group_add(group, channel)

    async def group_send(self, group: str, message: dict) -> None:
        home = self._group_loops.get(group)
        here = asyncio.get_running_loop()
        if home is None or home is here or home.is_closed() or not home.is_running():
            await super().group_send(group, message)
            return
        future = asyncio.run_coroutine_threadsafe(InMemoryChannelLayer.group_send(self, group, message), home)
        await asyncio.wrap_future(future)
