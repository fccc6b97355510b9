from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process


class DossierProcess(Process):
    """The viewflow process of one dossier; the dossier is its artifact."""

    class Meta:
        proxy = True
        verbose_name = _("quy trình giải quyết hồ sơ")
        verbose_name_plural = _("quy trình giải quyết hồ sơ")

    @property
    def dossier(self):
        return self.artifact
