from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = _("Quy trình xử lý")

    def ready(self):
        # Registers the starter of the corrective-action process, which audits.services calls
        # whenever a nonconformity is raised (audits may not import this layer).
        from . import capa_flow  # noqa: F401
