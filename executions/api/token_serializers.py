"""API tokens in the native API. The clear token appears once, in the create response; lists show the prefix."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from executions.api.serializers import PageQuerySerializer, StrictSerializer, page_serializer
from executions.models import ApiToken
from executions.services.tokens import TOKEN_PREFIX

TOKEN_STATES = ["active", "expired", "revoked"]


class TokenListQuerySerializer(PageQuerySerializer):
    all = serializers.BooleanField(default=False, help_text="every user's tokens (admins only)")


class TokenCreateInputSerializer(StrictSerializer):
    name = serializers.CharField(max_length=100)
    scope = serializers.ChoiceField(
        choices=ApiToken.Scope.values,
        default=ApiToken.Scope.READ,
        help_text="the token acts with the smaller of this and its owner's role",
    )
    expires_at = serializers.DateTimeField(required=False, default=None, allow_null=True)


class TokenOutputSerializer(serializers.Serializer):
    prefix = serializers.CharField(help_text=f"the token's id: the part after {TOKEN_PREFIX!r} and before the secret")
    name = serializers.CharField()
    scope = serializers.ChoiceField(choices=ApiToken.Scope.values)
    owner = serializers.CharField(source="owner.get_username")
    state = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(serializers.ChoiceField(choices=TOKEN_STATES))
    def get_state(self, token: ApiToken) -> str:
        if token.revoked_at is not None:
            return "revoked"
        if token.expires_at is not None and token.expires_at <= timezone.now():
            return "expired"
        return "active"


class TokenCreatedOutputSerializer(TokenOutputSerializer):
    token = serializers.CharField(
        help_text="send as 'Authorization: Bearer <token>'; shown only in this response, never again"
    )


TokenPageSerializer = page_serializer(TokenOutputSerializer, "TokenPageSerializer")
