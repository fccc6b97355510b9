from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "qms.core"
    label = "core"
    verbose_name = _("Tổ chức và hệ thống")

    def ready(self):
        from . import checks, signals  # noqa: F401  (system checks; roles after migrate)
