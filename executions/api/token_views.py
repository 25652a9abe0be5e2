"""API tokens in the native API: list, create (the clear token is in that response only) and revoke."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from executions import selectors, services
from executions.api.base import ApiView, actor, page_body, valid
from executions.api.permissions import CanView
from executions.api.schema import errors
from executions.api.token_serializers import (
    TokenCreatedOutputSerializer,
    TokenCreateInputSerializer,
    TokenListQuerySerializer,
    TokenOutputSerializer,
    TokenPageSerializer,
)
from executions.errors import Forbidden
from executions.permissions import can_manage_tokens, check_token_scope

ALL_TOKENS_MESSAGE = "only admins may list every user's tokens (the admin role and an admin-scope token)"


class TokenListView(ApiView):
    permission_classes = [CanView]

    @extend_schema(
        operation_id="tokens_list",
        tags=["tokens"],
        description="Your tokens, newest first; with `all=true`, everyone's (admins). Secrets are never shown.",
        parameters=[TokenListQuerySerializer],
        responses={200: TokenPageSerializer, **errors(400)},
    )
    def get(self, request: Request) -> Response:
        query = valid(TokenListQuerySerializer, request.query_params)
        if query["all"] and not can_manage_tokens(request.user):
            raise Forbidden(ALL_TOKENS_MESSAGE)
        queryset = selectors.api_token_list(owner=None if query["all"] else request.user)
        page = selectors.created_page(queryset=queryset, cursor=query["cursor"], size=query["page_size"])
        return Response(page_body(page, TokenOutputSerializer))

    @extend_schema(
        operation_id="token_create",
        tags=["tokens"],
        description="Create a token for yourself. The response carries the token itself, once: it cannot be "
        "shown again. A request made with a token may only create tokens of the same or a narrower scope.",
        request=TokenCreateInputSerializer,
        responses={201: TokenCreatedOutputSerializer, **errors(body=True)},
    )
    def post(self, request: Request) -> Response:
        data = valid(TokenCreateInputSerializer, request.data)
        check_token_scope(request.user, data["scope"])
        token, text = services.api_token_create(actor=actor(request), owner=request.user, **data)
        body = {**TokenOutputSerializer(token).data, "token": text}
        return Response(body, status=status.HTTP_201_CREATED)


class TokenDetailView(ApiView):
    permission_classes = [CanView]

    @extend_schema(
        operation_id="token_revoke",
        tags=["tokens"],
        description="Revoke one of your tokens (admins: anyone's). Revoking a revoked token changes nothing. "
        "A request made with a token may only revoke tokens of the same or a narrower scope.",
        responses={204: None, **errors(404)},
    )
    def delete(self, request: Request, prefix: str) -> Response:
        owner = None if can_manage_tokens(request.user) else request.user
        token = selectors.api_token_get(prefix=prefix, owner=owner)
        check_token_scope(request.user, token.scope)
        services.api_token_revoke(actor=actor(request), token=token)
        return Response(status=status.HTTP_204_NO_CONTENT)
