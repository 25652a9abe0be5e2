"""The boundary of every gRPC call: who is calling, may they, and every failure as a gRPC status.

In the order the REST APIs take them: the `authorization: Bearer <token>` metadata (`executions.tokens`), the
request rates (the REST APIs' own throttles and cache counters, so a token has one budget across REST and
gRPC, and calls with bad credentials count against their address), the caller's role and token scope
(`executions.permissions`), then the handler. The handler gets the request as the proto3 JSON dict the REST
adapter reads (`MessageToDict`) and returns the response dict `executions.yandex_mapping` builds, which becomes
the message through `ParseDict`: one field mapping for both.

Nothing escapes as UNKNOWN: a domain error gets its code from `yandex_mapping.domain_error_code` (as the REST
API's does), anything unexpected is INTERNAL and logged with its traceback.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import grpc
from django.db import close_old_connections
from google.protobuf import json_format
from google.protobuf.message import Message
from rest_framework.settings import api_settings

from executions import permissions
from executions.actors import Actor
from executions.api.permissions import MANAGE_MESSAGE, OPERATE_MESSAGE, VIEW_MESSAGE
from executions.api.throttling import StartRateThrottle
from executions.engine.states import IllegalTransition
from executions.errors import DomainError, Forbidden
from executions.tokens import SCHEME, Unauthenticated, authenticate_token, bearer_credentials
from executions.yandex_mapping import Code, domain_error_code

logger = logging.getLogger(__name__)

NOT_AUTHENTICATED = (
    f"authentication credentials were not provided: send the metadata 'authorization: {SCHEME} <API token>'"
)
ONE_AUTHORIZATION = "send one 'authorization' metadata entry, not several"
INTERNAL = "internal error"


@dataclass(frozen=True)
class Access:
    """Who may make a call: one of the rules in `executions.permissions`, and what to say to everyone else."""

    allows: Callable[[Any], bool]
    message: str


VIEW = Access(permissions.can_view, VIEW_MESSAGE)
OPERATE = Access(permissions.can_operate, OPERATE_MESSAGE)
MANAGE = Access(permissions.can_manage_workflows, MANAGE_MESSAGE)


@dataclass(frozen=True)
class Call:
    """One authorised call: the request as a proto3 JSON dict (camelCase, defaults left out), and who made it."""

    data: dict[str, Any]
    actor: Actor


class Throttled(Exception):
    def __init__(self, wait: float | None) -> None:
        self.wait = max(1, math.ceil(wait or 0))  # DRF may not know the wait (a rate lowered meanwhile)
        super().__init__(f"too many requests: try again in {self.wait} second{'s' if self.wait != 1 else ''}")


@dataclass
class ThrottledRequest:
    """What the REST throttles read from a request: the user (None without credentials) and the client address
    (`META["REMOTE_ADDR"]`, `headers["x-forwarded-for"]`)."""

    user: Any
    META: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    method: str = "POST"  # StartRateThrottle counts only starts; it is only asked about Start


Handler = Callable[[Any, Call], dict[str, Any]]
Method = Callable[[Any, Message, grpc.ServicerContext], Message]


def rpc(
    response_class: type[Message], *, access: Access, starts: bool = False, conflict: Code = Code.ALREADY_EXISTS
) -> Callable[[Handler], Method]:
    """Make `handler(servicer, call) -> response dict` a servicer method `(request, context) -> message`.

    `starts` adds the start rate (WORKFLOWS_API_START_RATE); `conflict` is what a Conflict from the service
    means for this call (a taken name, or a state that forbids it)."""

    def decorate(handler: Handler) -> Method:
        @functools.wraps(handler)
        def method(servicer: Any, request: Message, context: grpc.ServicerContext) -> Message:
            # As Django does around each HTTP request: a worker thread must not keep a broken or stale connection.
            close_old_connections()
            try:
                actor = authorize(context, access=access, starts=starts)
                data = json_format.MessageToDict(request, preserving_proto_field_name=False)
                body = handler(servicer, Call(data=data, actor=actor))
                return json_format.ParseDict(body, response_class())
            except Exception as exc:
                abort(context, exc, conflict=conflict, method=handler.__qualname__)
            finally:
                close_old_connections()

        return method

    return decorate


def authorize(context: grpc.ServicerContext, *, access: Access, starts: bool) -> Actor:
    metadata = [(key, value) for key, value in context.invocation_metadata() if isinstance(value, str)]
    client = _client(context.peer(), metadata)
    try:
        user, token = _authenticate([value for key, value in metadata if key == "authorization"])
    except Unauthenticated:
        check_throttles(replace(client, user=None), starts=starts)
        raise
    check_throttles(replace(client, user=user), starts=starts)
    if not access.allows(user):
        raise Forbidden(access.message)
    request_id = next((value for key, value in metadata if key == "x-request-id"), "")[:64]
    actor = Actor.for_user(user, source="grpc", token=token)
    return replace(actor, remote_addr=client.META.get("REMOTE_ADDR"), request_id=request_id)


def _authenticate(values: list[str]) -> tuple[Any, Any]:
    if len(values) > 1:
        raise Unauthenticated(ONE_AUTHORIZATION)
    text = bearer_credentials(values[0]) if values else None
    if text is None:
        raise Unauthenticated(NOT_AUTHENTICATED)
    return authenticate_token(text)


def _client(peer: str, metadata: list[tuple[str, str]]) -> ThrottledRequest:
    """The peer's address, and X-Forwarded-For when WORKFLOWS_API_TRUSTED_PROXIES says proxies add it, as the
    REST throttles read them. (Without trusted proxies DRF would believe any X-Forwarded-For a client sends, so a
    client could dodge the per-address rate; over HTTP that is the REST APIs' business, here it is not passed.)"""
    client = ThrottledRequest(user=None)
    address = peer_address(peer)
    if address is not None:
        client.META["REMOTE_ADDR"] = address
    forwarded = [value for key, value in metadata if key == "x-forwarded-for"]
    if forwarded and api_settings.NUM_PROXIES:
        client.headers["x-forwarded-for"] = ",".join(forwarded)
    return client


def peer_address(peer: str) -> str | None:
    """The IP address in a gRPC peer string (`ipv4:127.0.0.1:5000`, `ipv6:[::1]:5000`); None for a unix socket."""
    kind, _, rest = peer.partition(":")
    if kind not in {"ipv4", "ipv6"}:
        return None
    host = rest.rsplit(":", 1)[0].strip("[]")
    try:
        return str(ipaddress.ip_address(host.split("%")[0]))
    except ValueError:
        return None


def check_throttles(request: ThrottledRequest, *, starts: bool) -> None:
    """The REST APIs' throttles, as configured now (DEFAULT_THROTTLE_CLASSES, and the start rate for Start)."""
    throttles = [throttle() for throttle in api_settings.DEFAULT_THROTTLE_CLASSES]
    if starts:
        throttles.append(StartRateThrottle())
    waits = [throttle.wait() for throttle in throttles if not throttle.allow_request(request, None)]
    if waits:
        raise Throttled(max((wait for wait in waits if wait is not None), default=None))


def status_of(exc: Exception, *, conflict: Code = Code.ALREADY_EXISTS) -> tuple[Code, str]:
    if isinstance(exc, Unauthenticated):
        return Code.UNAUTHENTICATED, exc.message
    if isinstance(exc, Throttled):
        return Code.RESOURCE_EXHAUSTED, str(exc)
    if isinstance(exc, IllegalTransition):
        return Code.FAILED_PRECONDITION, str(exc)
    if isinstance(exc, DomainError):
        return domain_error_code(exc, conflict=conflict), exc.message
    return Code.INTERNAL, INTERNAL


def abort(context: grpc.ServicerContext, exc: Exception, *, conflict: Code, method: str) -> None:
    """End the call with the status for `exc` (context.abort raises)."""
    code, message = status_of(exc, conflict=conflict)
    if code == Code.INTERNAL:
        logger.error("unexpected error in gRPC %s", method, exc_info=exc)
    if isinstance(exc, Throttled):
        context.set_trailing_metadata((("retry-after", str(exc.wait)),))
    context.abort(grpc.StatusCode[code.name], message)
