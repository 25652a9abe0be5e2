"""Websocket consumers of the live dashboard: authenticate, authorise, join groups, push HTML. Read-only.

Each consumer renders the same template partials the pages render (with the same context builders), and
the htmx ws extension swaps them in out of band, by id. Bursts are coalesced per socket: at most one push
per execution every `interval` seconds (longer when rendering is slow), and a push always renders the latest
state from the database, so the newest state wins and a fast execution cannot flood a browser.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.http import HttpRequest, QueryDict
from django.middleware.csrf import get_token
from django.template.loader import render_to_string

from executions import broadcast, permissions, selectors
from executions.broadcast import ExecutionUpdated
from executions.dashboard import contexts
from executions.errors import NotFound
from executions.forms import ExecutionFilterForm, HistoryQueryForm
from executions.views.common import PAGE_SIZE

log = logging.getLogger(__name__)

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
MAX_QUERY = 2000


class Coalescer:
    """Collects keys marked in a burst and flushes them together, at most once per `interval` seconds.

    The first mark flushes at once; marks that arrive while a flush is pending or rendering join the next one.
    If a flush takes long (a big page), the next waits twice that long, so a socket never queues renders.
    """

    def __init__(self, flush: Callable[[set[str]], Awaitable[None]], interval: float) -> None:
        self.flush = flush
        self.interval = interval
        self.pending: set[str] = set()
        self.task: asyncio.Task | None = None
        self.next_at = 0.0

    def mark(self, key: str) -> None:
        self.pending.add(key)
        if self.task is None:
            self.task = asyncio.create_task(self._drain())

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self.task = None

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self.pending:
                wait = self.next_at - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                keys, self.pending = self.pending, set()
                began = loop.time()
                try:
                    await self.flush(keys)
                except Exception:
                    log.exception("live push failed")
                self.next_at = loop.time() + max(self.interval, 2 * (loop.time() - began))
        finally:
            self.task = None


class LiveConsumer(AsyncWebsocketConsumer):
    """Shared lifecycle: refuse anonymous users and users who may not watch, join groups, push coalesced."""

    interval = 0.1

    async def connect(self) -> None:
        self.joined: list[str] = []
        self.coalescer: Coalescer | None = None
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        if not await database_sync_to_async(self.may_watch)(user):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.query = QueryDict(self.scope.get("query_string", b"").decode("latin-1")[:MAX_QUERY])
        self.csrf_token = csrf_token_for(self.scope)
        self.coalescer = Coalescer(self.push, self.interval)
        for group in self.groups_to_join():
            await self.channel_layer.group_add(group, self.channel_name)
            self.joined.append(group)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.coalescer is not None:
            self.coalescer.cancel()
        for group in self.joined:
            await self.channel_layer.group_discard(group, self.channel_name)
        self.joined = []

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """The page says what it shows after it navigated in place (filters, a history page): `watch`."""
        try:
            message = json.loads(text_data or "")
        except ValueError:
            return
        if isinstance(message, dict) and message.get("type") == "watch" and isinstance(message.get("query"), str):
            self.query = QueryDict(message["query"].lstrip("?")[:MAX_QUERY])

    async def execution_updated(self, event: ExecutionUpdated) -> None:
        if self.coalescer is not None:
            self.coalescer.mark(event["execution_id"])

    async def push(self, keys: set[str]) -> None:
        # Rendering reads the database and may take a while: off the event loop, beside (not behind) the
        # thread that serves synchronous views.
        html = await database_sync_to_async(self.render, thread_sensitive=False)(keys)
        if html.strip():
            await self.send(text_data=html)

    def may_watch(self, user: Any) -> bool:
        return permissions.can_view(user)

    def groups_to_join(self) -> list[str]:
        return [broadcast.EXECUTIONS_GROUP]

    def render(self, keys: set[str]) -> str:
        raise NotImplementedError

    def context(self, **values: Any) -> dict[str, Any]:
        user = self.scope["user"]
        return {"user": user, "csrf_token": self.csrf_token, "oob": True, **values}


class ExecutionDetailConsumer(LiveConsumer):
    """One execution's page: header, timeline, graph, history page and audit trail."""

    def may_watch(self, user: Any) -> bool:
        self.execution_id = str(self.scope["url_route"]["kwargs"]["execution_id"])
        try:
            execution = selectors.execution_get(execution_id=self.execution_id)
        except NotFound:
            return False
        return permissions.can_view_execution(user, execution)

    def groups_to_join(self) -> list[str]:
        return [broadcast.execution_group(self.execution_id)]

    def render(self, keys: set[str]) -> str:
        execution = selectors.execution_get(execution_id=self.execution_id)
        form = HistoryQueryForm(self.query)
        data = form.cleaned_data if form.is_valid() else {}
        query = contexts.HistoryQuery(after=data.get("after"), step=data.get("step", ""), run=data.get("run"))
        context = contexts.execution_context(execution=execution, user=self.scope["user"], query=query)
        return render_to_string("executions/detail.html#live", self.context(**context))


class ExecutionListConsumer(LiveConsumer):
    """The execution list: changed rows replace theirs; new rows that match the filters are offered for insertion."""

    def render(self, keys: set[str]) -> str:
        form = ExecutionFilterForm(self.query, workflows=selectors.workflow_list())
        if not form.is_valid():
            return ""
        matching = list(selectors.execution_list(filters=form.filters()).filter(pk__in=keys))
        others = list(selectors.execution_list().filter(pk__in=keys - {e.pk for e in matching}))
        rows = [(e, form.first_page) for e in matching] + [(e, False) for e in others]
        selectable = permissions.can_operate(self.scope["user"])
        context = self.context(rows=rows, selectable=selectable, page_size=PAGE_SIZE)
        return render_to_string("executions/_execution_table.html#execution-rows", context)


class OverviewConsumer(LiveConsumer):
    """The overview: counts, activity, failures, busiest workflows, latest executions; at most once a second."""

    interval = 1.0

    def render(self, keys: set[str]) -> str:
        return render_to_string("executions/overview.html#overview-live", self.context(**contexts.overview_context()))


def csrf_token_for(scope: dict[str, Any]) -> str:
    """A masked CSRF token for the socket's browser session, for the forms inside pushed fragments."""
    secret = scope.get("cookies", {}).get(settings.CSRF_COOKIE_NAME, "")
    if len(secret) != 32 or not secret.isalnum():
        return "NOTPROVIDED"  # Django's marker: the tag renders nothing (htmx sends the page's token anyway)
    request = HttpRequest()
    request.META["CSRF_COOKIE"] = secret
    return get_token(request)
