from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationConfig(AppConfig):
    name = "workflows.api"
    label = "integration"
    verbose_name = _("API tích hợp")

    def ready(self):
        from . import schema  # noqa: F401  (registers the OpenAPI extensions)
