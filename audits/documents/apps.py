from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "audits.documents"
    label = "documents"
    verbose_name = _("Tài liệu hệ thống quản lý chất lượng")
