from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InternalAuditsConfig(AppConfig):
    name = "audits.internal"
    label = "internal_audits"
    verbose_name = _("Đánh giá nội bộ")
