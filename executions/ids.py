"""Identifier formats: Yandex-like workflow ids, time-ordered unguessable execution ids."""

from __future__ import annotations

import re
import secrets
import time

_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"
# Crockford base32 in lower case: URL-safe, no ambiguous letters, sorts in the same order as the numbers.
_B32 = "0123456789abcdefghjkmnpqrstvwxyz"

WORKFLOW_ID_RE = re.compile(r"^[a-z0-9]{20}$")
EXECUTION_ID_RE = re.compile(r"^[0-9a-hjkmnp-tv-z]{26}$")


def new_workflow_id() -> str:
    return "".join(secrets.choice(_ALNUM) for _ in range(20))


def new_execution_id(now_ms: int | None = None) -> str:
    """A ULID-shaped id: 10 characters of millisecond time then 16 of randomness (80 bits).

    Time first makes ids sort by creation, so the id doubles as a keyset tie-breaker that agrees with
    created_at; the random tail makes them unguessable.
    """
    ms = int(time.time() * 1000) if now_ms is None else now_ms
    head = "".join(_B32[(ms >> shift) & 31] for shift in range(45, -1, -5))
    tail = "".join(secrets.choice(_B32) for _ in range(16))
    return head + tail


def new_token_secret() -> str:
    return secrets.token_urlsafe(32)
