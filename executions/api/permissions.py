"""DRF permission classes over the one policy in `executions.permissions`.

An anonymous request fails these too, and DRF then answers 401 (not 403) because BearerTokenAuthentication
names a WWW-Authenticate scheme.
"""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission

from executions import permissions

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
