"""``Authorization: Token <key>``: the key is looked up by its SHA-256; the request acts as the
client's service user, and ``request.auth`` is the token (its client, its scopes)."""

from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from . import selectors, services

KEYWORD = "Token"


class ApiTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None  # no token: refused as unauthenticated (401) by the permission
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                _("Tiêu đề Authorization phải có dạng “Token <khóa truy cập>”.")
            )
        try:
            key = parts[1].decode("ascii")
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("Khóa truy cập không hợp lệ.")) from None
        token = selectors.token_by_hash(key_hash=services.key_hash(key))
        if token is None:
            raise exceptions.AuthenticationFailed(_("Khóa truy cập không hợp lệ."))
        if token.is_revoked:
            raise exceptions.AuthenticationFailed(_("Khóa truy cập đã bị thu hồi."))
        if token.is_expired:
            raise exceptions.AuthenticationFailed(_("Khóa truy cập đã hết hạn."))
        user = token.client.service_user
        if not (token.client.is_active and user.is_active):
            raise exceptions.AuthenticationFailed(_("Ứng dụng tích hợp đã ngừng hoạt động."))
        services.api_token_touch(token=token)
        return user, token

    def authenticate_header(self, request):
        # Makes a refusal a 401 (with this challenge) rather than a 403.
        return f'{KEYWORD} realm="api"'
