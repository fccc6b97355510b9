from django.contrib import admin

from qms.core.admin_audit import AuditedAdmin

from .models import Nonconformity


@admin.register(Nonconformity)
class NonconformityAdmin(AuditedAdmin):
    """A nonconformity is a controlled record: every change states its reason."""

    reason_required = True
    list_display = ("title", "source", "status", "unit", "raised_at")
    list_filter = ("source", "status", "unit")
    search_fields = ("title", "description", "dossier__code")
    readonly_fields = ("source", "dossier", "raised_at", "raised_by")
    date_hierarchy = "raised_at"

    def has_delete_permission(self, request, obj=None):
        return False
