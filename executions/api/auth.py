"""API tokens over HTTP: `Authorization: Bearer wfu_<prefix>_<secret>`, checked by `executions.tokens` (the
same check the gRPC servicers make). The token rides on the user as `user.api_token`, so
`executions.permissions` can cap the owner's rights at the token's scope.
"""

from __future__ import annotations

from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from executions.models import ApiToken
from executions.tokens import SCHEME, Unauthenticated, authenticate_token, bearer_credentials


class BearerTokenAuthentication(BaseAuthentication):
    keyword = SCHEME

    def authenticate(self, request) -> tuple[object, ApiToken] | None:
        try:
            text = bearer_credentials(get_authorization_header(request).decode("latin-1"))
            if text is None:
                return None  # not ours: the session (or nobody) may still authenticate the request
            return authenticate_token(text)
        except Unauthenticated as exc:
            raise AuthenticationFailed(exc.message) from None

    def authenticate_header(self, request) -> str:
        # Naming a scheme makes DRF answer 401 (not 403) when credentials are missing or wrong.
        return f'{self.keyword} realm="api"'
