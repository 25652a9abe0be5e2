"""The live dashboard's websockets, driven through the real ASGI application (origin check, session auth)."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from executions import services
from executions.actors import Actor
from executions.consumers import Coalescer
from tests.conftest import FINISHING_SPEC, WAITING_SPEC, make_workflow
from tests.ui.helpers import start_execution
from workflows_ui.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://testserver")
DEADLINE = 5


def cookies_of(user) -> bytes:
    client = Client()
    client.force_login(user)
    client.get("/")  # sets the CSRF cookie, as a browser holding the page would have
    return "; ".join(f"{name}={morsel.value}" for name, morsel in client.cookies.items()).encode()


@asynccontextmanager
async def socket(path: str, *, user=None, origin: tuple[bytes, bytes] | None = ORIGIN):
    headers = [origin] if origin else []
    if user is not None:
        headers.append((b"cookie", await database_sync_to_async(cookies_of)(user)))
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await communicator.connect(timeout=DEADLINE)
    try:
        yield communicator, connected
    finally:
        await communicator.disconnect()


async def stop(execution, user=None) -> None:
    actor = Actor.for_user(user, source="ui") if user else Actor(label="test", source="cli")
    await database_sync_to_async(services.execution_stop)(actor=actor, execution_id=execution.pk)


@pytest.fixture
def sleeping():
    return start_execution(make_workflow("sleeper", WAITING_SPEC))


async def test_it_refuses_an_anonymous_socket(sleeping):
    for path in ("/ws/overview/", "/ws/executions/", f"/ws/executions/{sleeping.pk}/"):
        async with socket(path) as (_, connected):
            assert not connected, path


async def test_it_refuses_a_socket_opened_from_another_origin(viewer, sleeping):
    async with socket(f"/ws/executions/{sleeping.pk}/", user=viewer, origin=(b"origin", b"https://evil.example")) as (
        _,
        connected,
    ):
        assert not connected


async def test_it_refuses_a_socket_without_an_origin(viewer, sleeping):
    async with socket("/ws/executions/", user=viewer, origin=None) as (_, connected):
        assert not connected


async def test_it_refuses_a_user_without_a_role(outsider, sleeping):
    for path in ("/ws/overview/", "/ws/executions/", f"/ws/executions/{sleeping.pk}/"):
        async with socket(path, user=outsider) as (_, connected):
            assert not connected, path


async def test_it_refuses_a_socket_for_an_unknown_execution(viewer):
    async with socket("/ws/executions/01jzzzzzzzzzzzzzzzzzzzzzzz/", user=viewer) as (_, connected):
        assert not connected


async def test_it_pushes_the_execution_page_after_a_service_changes_it(viewer, operator, sleeping):
    async with socket(f"/ws/executions/{sleeping.pk}/", user=viewer) as (communicator, connected):
        assert connected
        await stop(sleeping, operator)

        html = await communicator.receive_from(timeout=DEADLINE)

    assert html.lstrip().startswith('<section id="status-panel"')
    assert 'hx-swap-oob="true"' in html
    assert 'badge--stopped">STOPPED' in html
    assert "user:olga" in html
    for part in ('id="timeline"', 'id="graph"', 'id="history"', 'id="audit"'):
        assert part in html
    assert "/stop/" not in html  # a viewer gets no buttons, and a stopped execution has none to offer


async def test_it_pushes_buttons_with_a_csrf_token_to_an_operator(operator):
    workflow = await database_sync_to_async(make_workflow)("sleeper", WAITING_SPEC)
    first = await database_sync_to_async(start_execution)(workflow)
    async with socket(f"/ws/executions/{first.pk}/", user=operator) as (communicator, connected):
        assert connected
        await database_sync_to_async(services.execution_pause)(
            actor=Actor(label="t", source="cli"), execution_id=first.pk
        )

        html = await communicator.receive_from(timeout=DEADLINE)

    assert f'action="/executions/{first.pk}/resume/"' in html
    assert 'name="csrfmiddlewaretoken"' in html


async def test_it_sends_nothing_about_an_execution_the_socket_does_not_watch(viewer, sleeping):
    other = await database_sync_to_async(lambda: start_execution(sleeping.workflow))()
    async with socket(f"/ws/executions/{sleeping.pk}/", user=viewer) as (communicator, connected):
        assert connected
        await stop(other)
        await stop(sleeping)

        first = await communicator.receive_from(timeout=DEADLINE)

    # Both changes were broadcast in order; the first (and only) push is about the watched execution.
    assert sleeping.pk in first
    assert other.pk not in first


async def test_the_list_offers_new_matching_rows_and_only_updates_the_others(viewer):
    sleeper = await database_sync_to_async(make_workflow)("sleeper", WAITING_SPEC)
    greeter = await database_sync_to_async(make_workflow)("greeter", FINISHING_SPEC)
    async with socket("/ws/executions/?status=RUNNING", user=viewer) as (communicator, connected):
        assert connected
        running = await database_sync_to_async(start_execution)(sleeper)
        html = await communicator.receive_from(timeout=DEADLINE)
        while running.pk not in html or 'badge--running"' not in html:
            html = await communicator.receive_from(timeout=DEADLINE)
        assert html.startswith('<tbody hx-swap-oob="beforeend:#live-inbox">')
        assert f'<tr id="execution-row-{running.pk}"' in html
        assert "data-live-insert" in html

        finished = await database_sync_to_async(start_execution)(greeter, {"name": "Ada"})
        html = await communicator.receive_from(timeout=DEADLINE)
        while finished.pk not in html:
            html = await communicator.receive_from(timeout=DEADLINE)

    row = html[html.index(f'<tr id="execution-row-{finished.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "data-live-insert" not in row  # it does not match status=RUNNING: updated in place if shown, never added


async def test_the_overview_pushes_its_counts(viewer, sleeping):
    async with socket("/ws/overview/", user=viewer) as (communicator, connected):
        assert connected
        await stop(sleeping)

        html = await communicator.receive_from(timeout=DEADLINE)

    assert html.lstrip().startswith('<div id="overview-live"')
    assert 'data-testid="count-stopped">1<' in html


async def test_a_socket_may_say_what_its_page_shows_now(viewer):
    sleeper = await database_sync_to_async(make_workflow)("sleeper", WAITING_SPEC)
    async with socket("/ws/executions/?status=FAILED", user=viewer) as (communicator, connected):
        assert connected
        await communicator.send_to(text_data='{"type": "watch", "query": "status=RUNNING"}')
        running = await database_sync_to_async(start_execution)(sleeper)
        html = await communicator.receive_from(timeout=DEADLINE)
        while 'badge--running"' not in html:
            html = await communicator.receive_from(timeout=DEADLINE)

    assert running.pk in html
    assert "data-live-insert" in html


async def test_the_coalescer_flushes_a_burst_in_few_pushes_with_every_key():
    flushed: list[set[str]] = []
    done = asyncio.Event()

    async def flush(keys: set[str]) -> None:
        flushed.append(keys)
        if set().union(*flushed) == {"a", "b", "c"}:
            done.set()

    coalescer = Coalescer(flush, interval=0.05)
    for _ in range(100):
        for key in ("a", "b", "c"):
            coalescer.mark(key)
    await asyncio.wait_for(done.wait(), timeout=DEADLINE)

    assert len(flushed) <= 2  # the first mark at once, the rest of the burst together
    assert set().union(*flushed) == {"a", "b", "c"}


async def test_the_overview_push_swaps_as_one_piece(viewer, sleeping):
    async with socket("/ws/overview/", user=viewer) as (communicator, connected):
        assert connected
        await stop(sleeping)

        html = await communicator.receive_from(timeout=DEADLINE)

    assert html.count("hx-swap-oob") == 1  # the rows inside are not swapped on their own
