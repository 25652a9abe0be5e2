"""Create an API token for a user and print it: the only time its secret is ever shown."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from executions import services
from executions.actors import Actor
from executions.errors import InvalidInput
from executions.models import ApiToken


class Command(BaseCommand):
    help = (
        "Create an API token and print it on stdout (shown once, never stored). "
        "Use it as 'Authorization: Bearer <token>'."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="username of the token's owner")
        parser.add_argument("--name", required=True, help="what the token is for, e.g. 'ci'")
        parser.add_argument("--scope", required=True, choices=ApiToken.Scope.values)
        parser.add_argument("--expires-days", type=int, default=None, help="expire after N days")

    def handle(self, *args, user: str, name: str, scope: str, expires_days: int | None, **options) -> None:
        owner = get_user_model().objects.filter(username=user).first()
        if owner is None:
            raise CommandError(f"no user named {user!r}")
        if expires_days is not None and expires_days < 1:
            raise CommandError(f"--expires-days must be at least 1, got {expires_days}")
        expires_at = timezone.now() + timedelta(days=expires_days) if expires_days is not None else None
        try:
            token, text = services.api_token_create(
                actor=Actor(label="system:cli", source="cli"),
                owner=owner,
                name=name,
                scope=scope,
                expires_at=expires_at,
            )
        except InvalidInput as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(text)
        expiry = f", expires {token.expires_at.isoformat()}" if token.expires_at else ""
        self.stderr.write(f"Token {token.name!r} for {user} (scope {scope}{expiry}): it is not shown again.")
