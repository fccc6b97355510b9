from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanningConfig(AppConfig):
    name = "audits.planning"
    label = "planning"
    verbose_name = _("Chính sách, mục tiêu chất lượng và rủi ro")
