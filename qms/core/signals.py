from django.db.models.signals import post_migrate
from django.dispatch import receiver


@receiver(post_migrate)
def ensure_role_groups(sender, app_config=None, **kwargs):
    """Keep one group per role with its rights; runs after every migrate (idempotent)."""
    if app_config is None or app_config.label != "core":
        return
    from .services import roles_ensure

    roles_ensure(using=kwargs.get("using", "default"))
