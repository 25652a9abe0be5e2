"""Request rates of the native API, per token (or per logged-in user) and, without credentials, per IP.

Rates come from settings (`WORKFLOWS_API_RATE`, `WORKFLOWS_API_START_RATE`, `WORKFLOWS_API_ANON_RATE`) and
are read on each request, not frozen at import as DRF's own throttles do, so a changed setting applies at once.
Counts live in Django's default cache: per process with the default local-memory cache, shared by every
process once CACHES points at Redis or Memcached.
"""

from __future__ import annotations

from typing import Any

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle


def _identity(request: Any) -> str | None:
    """Each token has its own budget; a browser session counts for its user. None without credentials."""
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return None
    token = getattr(user, "api_token", None)
    # The prefix, not the row id: ids are reused after a rollback, prefixes are random.
    return f"token:{token.prefix}" if token is not None else f"user:{user.pk}"


class _RateFromSettings(SimpleRateThrottle):
    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class UserRateThrottle(_RateFromSettings):
    """Every request with credentials: WORKFLOWS_API_RATE."""

    scope = "user"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        ident = _identity(request)
        return None if ident is None else self.cache_format % {"scope": self.scope, "ident": ident}


class AnonRateThrottle(_RateFromSettings):
    """Requests without (valid) credentials, per client IP: WORKFLOWS_API_ANON_RATE."""

    scope = "anon"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if _identity(request) is not None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class StartRateThrottle(UserRateThrottle):
    """Starting executions (one request, single or batch): WORKFLOWS_API_START_RATE, on top of the general rate."""

    scope = "start"

    def allow_request(self, request: Any, view: Any) -> bool:
        if request.method != "POST":
            return True
        return super().allow_request(request, view)
