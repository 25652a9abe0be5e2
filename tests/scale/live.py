"""Listeners for the scale-out tests: a browser's websocket on a web process, and a direct subscriber to the
channel layer's `executions` group. Each runs in a thread of its own and collects what arrives."""

from __future__ import annotations

import asyncio
import contextlib
import re
import threading
from typing import Any

ROW = re.compile(r'id="execution-row-([0-9a-z]+)" class="row row--([a-z_]+)"')


class SocketListener:
    """A logged-in browser's websocket on a web process's live execution list."""

    def __init__(self, url: str, *, cookie: str, origin: str) -> None:
        from websockets.sync.client import connect

        self._exit = contextlib.ExitStack()
        headers = {"Cookie": cookie, "Origin": origin}
        self.socket = self._exit.enter_context(connect(url, additional_headers=headers, open_timeout=10))
        self.pushes: list[str] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        from websockets.exceptions import ConnectionClosed

        with contextlib.suppress(ConnectionClosed):
            for message in self.socket:
                with self._lock:
                    self.pushes.append(str(message))

    def statuses(self) -> dict[str, str]:
        """The latest status each execution's row was pushed with."""
        with self._lock:
            pushes = list(self.pushes)
        latest: dict[str, str] = {}
        for push in pushes:
            for execution_id, status in ROW.findall(push):
                latest[execution_id] = status
        return latest

    def finished(self) -> set[str]:
        return {execution_id for execution_id, status in self.statuses().items() if status == "finished"}

    def close(self) -> None:
        self._exit.close()
        self._thread.join(5)


class GroupListener:
    """Subscribes to the channel layer's `executions` group on Redis, as a web process does for its sockets."""

    def __init__(self, redis_url: str) -> None:
        self.redis_url = redis_url
        self.messages: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise AssertionError("could not subscribe to the channel layer")

    async def _run(self) -> None:
        from channels_redis.core import RedisChannelLayer

        layer = RedisChannelLayer(hosts=[self.hosts()], capacity=100_000)
        self.channel = await layer.new_channel()
        await layer.group_add("executions", self.channel)
        self._ready.set()
        try:
            # No timeout on receive: cancelling one may lose the message it was taking. `close` sends a stop.
            while (message := await layer.receive(self.channel))["type"] != "listener.stop":
                with self._lock:
                    self.messages.append(message)
        finally:
            await layer.group_discard("executions", self.channel)
            await layer.close_pools()

    def hosts(self) -> dict[str, Any]:
        from django.conf import settings

        return {**settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"][0], "address": self.redis_url}

    def finished(self) -> set[str]:
        with self._lock:
            messages = list(self.messages)
        return {m["execution_id"] for m in messages if m["type"] == "execution.updated" and m["status"] == "FINISHED"}

    def close(self) -> None:
        from channels_redis.core import RedisChannelLayer

        async def stop() -> None:
            layer = RedisChannelLayer(hosts=[self.hosts()])
            await layer.send(self.channel, {"type": "listener.stop"})
            await layer.close_pools()

        asyncio.run(stop())
        self._thread.join(10)
