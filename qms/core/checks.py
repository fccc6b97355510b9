"""System checks that keep a production deployment honest."""

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def demo_accounts_absent(app_configs, **kwargs):
    """Under the production profile no account may still use the published demo password."""
    if getattr(settings, "QMS_DEMO_PASSWORD", None) is not None:
        return []
    from django.db import DatabaseError

    from qms.core.demo import DEMO_PASSWORD, DEMO_USERNAMES

    from .models import User

    try:
        suspects = [
            user.username
            for user in User.objects.filter(username__in=DEMO_USERNAMES, is_active=True)
            if user.check_password(DEMO_PASSWORD)
        ]
    except DatabaseError:
        return []
    if not suspects:
        return []
    return [
        Error(
            "Còn tài khoản trình diễn dùng mật khẩu công khai: " + ", ".join(suspects),
            hint="Khóa hoặc đổi mật khẩu các tài khoản này trước khi vận hành.",
            id="qms.E001",
        )
    ]
