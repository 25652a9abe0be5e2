"""DRF permission classes over the one policy in `executions.permissions`.

An anonymous request fails these too, and DRF then answers 401 (not 403) because BearerTokenAuthentication
names a WWW-Authenticate scheme.
"""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission

from executions import permissions
from executions.errors import Forbidden

VIEW_MESSAGE = "you do not have permission to view workflows and executions (the viewer role is needed)"
OPERATE_MESSAGE = (
    "you do not have permission to start or steer executions "
    "(the operator role is needed, and an API token with the operate or admin scope)"
)
MANAGE_MESSAGE = (
    "you do not have permission to change workflows (the admin role is needed, and an API token with the admin scope)"
)


class CanView(BasePermission):
    message = VIEW_MESSAGE

    def has_permission(self, request, view) -> bool:
        return permissions.can_view(request.user)


class CanOperate(BasePermission):
    message = OPERATE_MESSAGE

    def has_permission(self, request, view) -> bool:
        return permissions.can_operate(request.user)


class CanManageWorkflows(BasePermission):
    message = MANAGE_MESSAGE

    def has_permission(self, request, view) -> bool:
        return permissions.can_manage_workflows(request.user)


class CanViewOrOperate(BasePermission):
    """Reads need the viewer role; writes (starting an execution) the operator role."""

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            self.message = VIEW_MESSAGE
            return permissions.can_view(request.user)
        self.message = OPERATE_MESSAGE
        return permissions.can_operate(request.user)


class CanViewOrManageWorkflows(BasePermission):
    """Reads need the viewer role; writes (creating a workflow) the admin role."""

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            self.message = VIEW_MESSAGE
            return permissions.can_view(request.user)
        self.message = MANAGE_MESSAGE
        return permissions.can_manage_workflows(request.user)


# Token management. These two rules belong beside the others in `executions.permissions` once the pages and
# gRPC manage tokens too; for now only this API does.
SCOPE_MESSAGE = "a request made with a {held!r}-scope token cannot create or revoke {wanted!r}-scope tokens"


def can_manage_tokens(user: Any) -> bool:
    """List and revoke every user's tokens: the admin role, and an admin-scope token when one is used."""
    return (
        permissions.can_view(user)
        and user.has_perm("executions.change_apitoken")
        and _token_rank(user) >= permissions.SCOPE_RANK["admin"]
    )


def check_token_scope(user: Any, scope: str) -> None:
    """A token may create or revoke only tokens no broader than itself, or a read token could mint an admin one."""
    held = getattr(user, "api_token", None)
    if held is not None and permissions.SCOPE_RANK.get(scope, 99) > _token_rank(user):
        raise Forbidden(SCOPE_MESSAGE.format(held=held.scope, wanted=scope))


def _token_rank(user: Any) -> int:
    token = getattr(user, "api_token", None)
    return max(permissions.SCOPE_RANK.values()) if token is None else permissions.SCOPE_RANK.get(token.scope, -1)
