from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_migrate
from django.dispatch import receiver

from . import auditlog


@receiver(post_migrate)
def ensure_role_groups(sender, app_config=None, **kwargs):
    """Keep one group per role with its rights; runs after every migrate (idempotent)."""
    if app_config is None or app_config.label != "core":
        return
    from .services import roles_ensure

    roles_ensure(using=kwargs.get("using", "default"))


def _client(request):
    if request is None:
        return {}
    return {
        "ip": request.META.get("REMOTE_ADDR", ""),
        "user_agent": request.META.get("HTTP_USER_AGENT", "")[:255],
    }


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs):
    auditlog.record(actor=user, action=auditlog.LOGIN, obj=user, after=_client(request))


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        auditlog.record(actor=user, action=auditlog.LOGOUT, obj=user, after=_client(request))


@receiver(user_login_failed)
def audit_login_failed(sender, credentials, request=None, **kwargs):
    from .models import User

    username = str(credentials.get("username", ""))[:150]
    user = User.objects.filter(username=username).first()
    auditlog.record(
        actor=None,
        action=auditlog.LOGIN_FAILED,
        object_type=User._meta.label_lower,
        object_id=str(user.pk) if user else "",
        object_repr=username,
        after={"username": username, **_client(request)},
    )
