"""API tokens over HTTP: `Authorization: Bearer wfu_<prefix>_<secret>`.

The prefix finds the row; only a hash of the secret is stored, compared in constant time. The token rides on
the user as `user.api_token`, so `executions.permissions` can cap the owner's rights at the token's scope.
"""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from executions.models import ApiToken
from executions.services.tokens import TOKEN_PREFIX, hash_secret

# last_used_at is for people deciding which tokens to revoke: minute resolution is plenty, and it keeps reads
# from writing on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)
MAX_PREFIX_LENGTH = ApiToken._meta.get_field("prefix").max_length

MALFORMED = f"Malformed API token: expected 'Authorization: Bearer {TOKEN_PREFIX}<prefix>_<secret>'."
INVALID = "Invalid API token."


class BearerTokenAuthentication(BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request) -> tuple[object, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None  # not ours: the session (or nobody) may still authenticate the request
        if len(parts) != 2:
            raise AuthenticationFailed(MALFORMED)
        try:
            text = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed(MALFORMED) from None
        token = self._verified_token(text)
        user = token.owner
        user.api_token = token
        _touch(token, timezone.now())
        return user, token

    def authenticate_header(self, request) -> str:
        # Naming a scheme makes DRF answer 401 (not 403) when credentials are missing or wrong.
        return f'{self.keyword} realm="api"'

    def _verified_token(self, text: str) -> ApiToken:
        if not text.startswith(TOKEN_PREFIX):
            raise AuthenticationFailed(MALFORMED)
        prefix, _, secret = text[len(TOKEN_PREFIX) :].partition("_")
        if not prefix or not secret or len(prefix) > MAX_PREFIX_LENGTH:
            raise AuthenticationFailed(MALFORMED)
        token = ApiToken.objects.select_related("owner").filter(prefix=prefix).first()
        if token is None or not hmac.compare_digest(token.secret_hash, hash_secret(secret)):
            raise AuthenticationFailed(INVALID)
        # Checked only after the secret matched, so a guesser learns nothing about a token's state.
        if token.revoked_at is not None:
            raise AuthenticationFailed("This API token has been revoked.")
        if token.expires_at is not None and token.expires_at <= timezone.now():
            raise AuthenticationFailed(f"This API token expired at {token.expires_at.isoformat()}.")
        if not token.owner.is_active:
            raise AuthenticationFailed("The owner of this API token is inactive.")
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
