from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewConfig(AppConfig):
    name = "audits.review"
    label = "reviews"
    verbose_name = _("Xem xét của lãnh đạo")
