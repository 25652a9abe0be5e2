from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from executions.actors import Actor
from executions.errors import InvalidInput
from executions.models import ApiToken
from executions.services.audit import audit_record

TOKEN_PREFIX = "wfu_"


def hash_secret(secret: str) -> str:
    # The secret has 256 bits of entropy, so a fast hash is enough: no dictionary to attack.
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_token_create(
    *, actor: Actor, owner, name: str, scope: str = ApiToken.Scope.READ, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """Create a token; returns it with the clear text, which is shown once and never stored."""
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput("token name must be 1 to 100 characters")
    if scope not in ApiToken.Scope.values:
        raise InvalidInput(f"scope must be one of {', '.join(ApiToken.Scope.values)}")
    if expires_at is not None and expires_at <= timezone.now():
        raise InvalidInput("expires_at must be in the future")
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        owner=owner,
        name=name,
        scope=scope,
        prefix=prefix,
        secret_hash=hash_secret(secret),
        expires_at=expires_at,
    )
    audit_record(actor=actor, action="token.create", target_type="token", target_id=prefix, details={"scope": scope})
    return token, f"{TOKEN_PREFIX}{prefix}_{secret}"


@transaction.atomic
def api_token_revoke(*, actor: Actor, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="token.revoke", target_type="token", target_id=token.prefix)
    return token
