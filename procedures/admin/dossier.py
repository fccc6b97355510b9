"""Admin of dossiers: read-only. Every change of a dossier goes through its workflow step;
the admin is for looking up a record and its history."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from ..models import (
    Apology,
    Dossier,
    DossierDocument,
    DossierFee,
    DossierOpinion,
    SupplementRequest,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class DocumentInline(ReadOnlyInline):
    model = DossierDocument
    fields = ("name", "present", "originals", "certified", "photocopies", "digitised")


class SupplementInline(ReadOnlyInline):
    model = SupplementRequest
    fields = ("stage", "requested_at", "requested_by", "reason", "missing", "completed_at")


class FeeInline(ReadOnlyInline):
    model = DossierFee
    fields = (
        "kind",
        "name",
        "listed_amount",
        "amount",
        "adjustment_reason",
        "status",
        "paid_at",
        "paid_channel",
        "receipt_number",
        "waiver_reason",
        "recorded_by",
    )


class OpinionInline(ReadOnlyInline):
    model = DossierOpinion
    fields = ("created_at", "step", "author", "unit", "decision", "comment")


@admin.register(Dossier)
class DossierAdmin(SimpleHistoryAdmin):
    list_display = ("code", "applicant_name", "handling_unit", "status", "received_at", "due_at")
    list_filter = ("status", "handling_unit", "channel", "regime")
    search_fields = ("code", "applicant_name", "applicant_id_number")
    date_hierarchy = "received_at"
    inlines = [DocumentInline, SupplementInline, FeeInline, OpinionInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Apology)
class ApologyAdmin(DossierAdmin):
    list_display = ("dossier", "issued_at", "issued_by", "previous_due_at", "new_due_at")
    list_filter = ()
    search_fields = ("dossier__code",)
    date_hierarchy = "issued_at"
    inlines = []
