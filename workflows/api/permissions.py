"""Permissions of the integration API."""

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from .models import ApiToken, Scope


def client_of(request):
    token = getattr(request, "auth", None)
    return token.client if isinstance(token, ApiToken) else None


class HasScope(permissions.BasePermission):
    """A valid token whose client holds the view's ``required_scope`` (one scope, or a tuple of
    which any one suffices). A view that names no scope is refused: nothing is open by
    omission."""

    message = _("Ứng dụng tích hợp không có quyền thực hiện thao tác này.")

    def has_permission(self, request, view):
        client = client_of(request)
        if client is None:
            return False  # no token: DRF answers 401 (the authenticator has a challenge)
        required = getattr(view, "required_scope", None)
        if not required:
            return False
        required = (required,) if isinstance(required, str) else tuple(required)
        if any(client.has_scope(scope) for scope in required):
            return True
        labels = dict(Scope.choices)
        self.message = _("Ứng dụng tích hợp không có quyền “%(scope)s” (%(label)s).") % {
            "scope": " / ".join(required),
            "label": " / ".join(str(labels[s]) for s in required),
        }
        return False


class StaffOrToken(permissions.BasePermission):
    """The API documentation: a signed-in member of staff (session) or a valid token."""

    message = _("Tài liệu API dành cho cán bộ đã đăng nhập hoặc ứng dụng có khóa truy cập.")

    def has_permission(self, request, view):
        if client_of(request) is not None:
            return True
        user = getattr(request, "user", None)
        return bool(user and user.is_authenticated and user.is_active)
