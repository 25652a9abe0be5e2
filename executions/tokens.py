"""API token authentication for every interface: `Authorization: Bearer wfu_<prefix>_<secret>`.

The prefix finds the row; only a hash of the secret is stored, compared in constant time. The token rides on
the user as `user.api_token`, so `executions.permissions` can cap the owner's rights at the token's scope.
No DRF here: the native and Yandex REST APIs (executions.api.auth) and the gRPC servicers call the same code.
"""

from __future__ import annotations

import hmac
import re
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone

from executions.errors import DomainError
from executions.models import ApiToken
from executions.services.tokens import TOKEN_PREFIX, hash_secret

SCHEME = "Bearer"
# last_used_at is for people deciding which tokens to revoke: minute resolution is plenty, and it keeps reads
# from writing on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)
MAX_PREFIX_LENGTH = ApiToken._meta.get_field("prefix").max_length

MALFORMED = f"Malformed API token: expected 'Authorization: {SCHEME} {TOKEN_PREFIX}<prefix>_<secret>'."
INVALID = "Invalid API token."
# HTTP's whitespace (bytes.split's), not str.split's, which also splits on NBSP and other Unicode spaces.
_SPACES = re.compile(r"[ \t\n\r\x0b\x0c]+")


class Unauthenticated(DomainError):
    """Credentials were given but are malformed, unknown, wrong, revoked or expired (HTTP 401, gRPC 16)."""

    code = "authentication_failed"


def bearer_credentials(header: str) -> str | None:
    """The token text of an `Authorization` value, or None when it names another scheme (or is empty)."""
    parts = [part for part in _SPACES.split(header) if part]
    if not parts or parts[0].lower() != SCHEME.lower():
        return None
    if len(parts) != 2 or not parts[1].isascii():
        raise Unauthenticated(MALFORMED)
    return parts[1]


def authenticate_token(text: str) -> tuple[Any, ApiToken]:
    """(owner, token) for a token's clear text, with `owner.api_token` set; Unauthenticated otherwise."""
    token = _verified_token(text)
    user = token.owner
    user.api_token = token
    _touch(token, timezone.now())
    return user, token


def _verified_token(text: str) -> ApiToken:
    if not text.startswith(TOKEN_PREFIX):
        raise Unauthenticated(MALFORMED)
    prefix, _, secret = text[len(TOKEN_PREFIX) :].partition("_")
    if not prefix or not secret or len(prefix) > MAX_PREFIX_LENGTH:
        raise Unauthenticated(MALFORMED)
    token = ApiToken.objects.select_related("owner").filter(prefix=prefix).first()
    if token is None or not hmac.compare_digest(token.secret_hash, hash_secret(secret)):
        raise Unauthenticated(INVALID)
    # Checked only after the secret matched, so a guesser learns nothing about a token's state.
    if token.revoked_at is not None:
        raise Unauthenticated("This API token has been revoked.")
    if token.expires_at is not None and token.expires_at <= timezone.now():
        raise Unauthenticated(f"This API token expired at {token.expires_at.isoformat()}.")
    if not token.owner.is_active:
        raise Unauthenticated("The owner of this API token is inactive.")
    return token


def _touch(token: ApiToken, now: datetime) -> None:
    stale = now - LAST_USED_RESOLUTION
    if token.last_used_at is not None and token.last_used_at > stale:
        return
    # Conditional, so of several concurrent requests only the first one writes.
    ApiToken.objects.filter(Q(last_used_at__isnull=True) | Q(last_used_at__lte=stale), pk=token.pk).update(
        last_used_at=now
    )
    token.last_used_at = now
