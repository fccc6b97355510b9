from django.contrib import admin

from qms.core.admin_audit import AuditedAdmin

from .models import (
    CorrectiveAction,
    EffectivenessCheck,
    IndicatorSnapshot,
    Nonconformity,
    RootCauseAnalysis,
    Why,
)


@admin.register(Nonconformity)
class NonconformityAdmin(AuditedAdmin):
    """A nonconformity is a controlled record: every change states its reason. Its progress
    (status, correction, rounds, closure) belongs to the corrective-action process and is not
    edited here: closing without an effectiveness check would bypass the process."""

    reason_required = True
    list_display = ("title", "source", "severity", "status", "unit", "raised_at")
    list_filter = ("source", "severity", "status", "unit")
    search_fields = ("title", "description", "dossier__code", "finding_ref", "complaint_ref")
    readonly_fields = (
        "source",
        "status",
        "unit",
        "dossier",
        "raised_at",
        "raised_by",
        "correction",
        "corrected_at",
        "corrected_by",
        "analyst",
        "closed_at",
        "closed_by",
    )
    date_hierarchy = "raised_at"

    def has_add_permission(self, request):
        # Raised through the start form or the services, so that its process starts.
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CapaRecordAdmin(AuditedAdmin):
    """Rounds, whys, actions and checks are written by the process steps only; the admin
    shows them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RootCauseAnalysis)
class RootCauseAnalysisAdmin(CapaRecordAdmin):
    list_display = ("nonconformity", "number", "analysed_by", "analysed_at")


@admin.register(Why)
class WhyAdmin(CapaRecordAdmin):
    list_display = ("analysis", "order", "answer")


@admin.register(CorrectiveAction)
class CorrectiveActionAdmin(CapaRecordAdmin):
    list_display = ("nonconformity", "description", "owner_user", "due_date", "status")
    list_filter = ("status", "owner_unit")


@admin.register(EffectivenessCheck)
class EffectivenessCheckAdmin(CapaRecordAdmin):
    list_display = ("nonconformity", "result", "checked_by", "checked_at")


@admin.register(IndicatorSnapshot)
class IndicatorSnapshotAdmin(CapaRecordAdmin):
    """The nightly indicator figures are computed, never typed in or corrected by hand."""

    list_display = ("day", "code", "unit", "value", "numerator", "denominator", "computed_at")
    list_filter = ("code", "unit")
    date_hierarchy = "day"
