"""Who may do what: one policy for the pages, both APIs, gRPC, websockets and the admin.

Roles are groups (created by a migration): viewer (read everything), operator (also start and steer
executions), admin (also create, edit and delete workflows and manage tokens). Superusers may do everything.
An API token acts with the smaller of its owner's rights and its scope.
"""

from __future__ import annotations

from typing import Any

from executions.errors import Forbidden

VIEWER, OPERATOR, ADMIN = "viewer", "operator", "admin"
ROLE_PERMISSIONS = {
    VIEWER: [
        "view_workflow",
        "view_workflowrevision",
        "view_execution",
        "view_historyentry",
        "view_auditevent",
    ],
    OPERATOR: ["operate_execution"],
    ADMIN: ["add_workflow", "change_workflow", "delete_workflow", "add_apitoken", "change_apitoken"],
}
# Each role has the permissions of the roles before it.
ROLE_ORDER = [VIEWER, OPERATOR, ADMIN]
SCOPE_RANK = {"read": 0, "operate": 1, "admin": 2}


def _token_allows(user: Any, needed_rank: int) -> bool:
    token = getattr(user, "api_token", None)
    return token is None or SCOPE_RANK.get(token.scope, -1) >= needed_rank


def can_view(user: Any) -> bool:
    return bool(user and user.is_authenticated and user.has_perm("executions.view_execution"))


def can_view_execution(user: Any, execution: Any) -> bool:
    """Whether the user may see this execution (its page, its live updates).

    Today every viewer sees every execution; this is the one place a per-workflow rule would go.
    """
    return can_view(user) and execution is not None


def can_operate(user: Any) -> bool:
    return can_view(user) and user.has_perm("executions.operate_execution") and _token_allows(user, 1)


def can_manage_workflows(user: Any) -> bool:
    return can_view(user) and user.has_perm("executions.change_workflow") and _token_allows(user, 2)


# --- API tokens: who may manage whose, and of which scope (the native API, the tokens page, gRPC) -------------

SCOPE_MESSAGE = "a request made with a {held!r}-scope token cannot create or revoke {wanted!r}-scope tokens"


def can_manage_tokens(user: Any) -> bool:
    """List and revoke every user's tokens: the admin role, and an admin-scope token when one is used."""
    return can_view(user) and user.has_perm("executions.change_apitoken") and _token_rank(user) >= SCOPE_RANK[ADMIN]


def check_token_scope(user: Any, scope: str) -> None:
    """A token may create or revoke only tokens no broader than itself, or a read token could mint an admin one."""
    held = getattr(user, "api_token", None)
    if held is not None and SCOPE_RANK.get(scope, 99) > _token_rank(user):
        raise Forbidden(SCOPE_MESSAGE.format(held=held.scope, wanted=scope))


def token_scopes_offered(user: Any) -> list[str]:
    """The scopes the tokens page offers for a new token: none broader than the user's role (a viewer's operate
    token could do no more than read, so it would only mislead) nor than the token in use."""
    allowed = [can_view(user), can_operate(user), can_manage_workflows(user)]
    return [scope for scope, ok in zip(SCOPE_RANK, allowed, strict=True) if ok]


def _token_rank(user: Any) -> int:
    token = getattr(user, "api_token", None)
    return max(SCOPE_RANK.values()) if token is None else SCOPE_RANK.get(token.scope, -1)


def ensure_roles() -> None:
    """Create (or repair) the role groups and their permissions, as migration 0002 does."""
    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission

    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0)
    granted: list[str] = []
    for role in ROLE_ORDER:
        granted = granted + ROLE_PERMISSIONS[role]
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set(Permission.objects.filter(content_type__app_label="executions", codename__in=granted))
