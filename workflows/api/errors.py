"""Every API error has one shape, in Vietnamese:

``{"detail": "<message>", "code": "<code>", "errors": {"<field>": ["<message>", …]}}``

``errors`` is present for invalid input only (400), keyed by field (``non_field_errors`` for a
refusal of the request as a whole). A service refusal (Django's ``ValidationError``) is a 400, or
a 409 when it is a conflict with the dossier's state (code ``conflict``).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

INVALID = "invalid"
CONFLICT = "conflict"


def _default_messages(exc) -> str | None:
    """Our Vietnamese text for DRF's stock (English) messages; None keeps the exception's."""
    if isinstance(exc, exceptions.NotAuthenticated):
        return _("Chưa xác thực: gửi tiêu đề “Authorization: Token <khóa truy cập>”.")
    if str(exc.detail) != str(exc.default_detail):
        return None  # raised with our own message
    if isinstance(exc, exceptions.AuthenticationFailed):
        return _("Khóa truy cập không hợp lệ.")
    if isinstance(exc, exceptions.PermissionDenied):
        return _("Không có quyền thực hiện thao tác này.")
    if isinstance(exc, exceptions.NotFound):
        return _("Không tìm thấy.")
    if isinstance(exc, exceptions.ParseError):
        return _("Không đọc được nội dung yêu cầu (sai định dạng).")
    return None


def _message(exc) -> str:
    if isinstance(exc, exceptions.MethodNotAllowed):
        return _("Phương thức này không được hỗ trợ tại địa chỉ này.")
    if isinstance(exc, exceptions.NotAcceptable):
        return _("Không trả được nội dung theo định dạng yêu cầu trong tiêu đề Accept.")
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return _("Kiểu nội dung gửi lên không được hỗ trợ tại địa chỉ này.")
    if isinstance(exc, exceptions.Throttled):
        if exc.wait is None:
            return _("Vượt quá số yêu cầu cho phép; thử lại sau.")
        seconds = max(1, int(exc.wait))
        return ngettext(
            "Vượt quá số yêu cầu cho phép; thử lại sau %(n)d giây.",
            "Vượt quá số yêu cầu cho phép; thử lại sau %(n)d giây.",
            seconds,
        ) % {"n": seconds}
    return _default_messages(exc) or str(exc.detail)


def _codes(exc: DjangoValidationError) -> set:
    if hasattr(exc, "error_dict"):
        return {error.code for errors in exc.error_dict.values() for error in errors}
    return {error.code for error in exc.error_list}


def _service_refusal(exc: DjangoValidationError) -> Response:
    codes = _codes(exc)
    conflict = CONFLICT in codes
    if hasattr(exc, "error_dict"):
        errors = {
            ("non_field_errors" if field == "__all__" else field): messages
            for field, messages in exc.message_dict.items()
        }
    else:
        errors = {"non_field_errors": exc.messages}
    return Response(
        {
            "detail": " ".join(exc.messages),
            "code": CONFLICT if conflict else INVALID,
            "errors": errors,
        },
        status=status.HTTP_409_CONFLICT if conflict else status.HTTP_400_BAD_REQUEST,
    )


def exception_handler(exc, context):
    """DRF's handler, with service refusals and 404s mapped and every message Vietnamese."""
    if isinstance(exc, DjangoValidationError):
        return _service_refusal(exc)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()  # Django's own text may be English (get_object_or_404)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a programming error: Django's 500
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = {
            "detail": _("Dữ liệu gửi lên không hợp lệ."),
            "code": INVALID,
            "errors": detail,
        }
        return response
    codes = exc.get_codes()
    response.data = {
        "detail": _message(exc),
        "code": codes if isinstance(codes, str) else "error",
    }
    return response
