"""Quality planning in the admin: read-only. Policies, objectives and risks are written only
through the planning pages (their services check the rights, validate, sign and log)."""

from django.contrib import admin

from qms.core.admin_audit import AuditedAdmin

from .models import QualityObjective, QualityPolicy, RiskEntry, RiskReminder, RiskReview


class ReadOnlyAdmin(AuditedAdmin):
    admin_events = False  # nothing is written here

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(QualityPolicy)
class QualityPolicyAdmin(ReadOnlyAdmin):
    list_display = ("version", "title", "effective_from", "status", "approved_by", "approved_at")
    list_filter = ("status",)
    search_fields = ("title", "text")


@admin.register(QualityObjective)
class QualityObjectiveAdmin(ReadOnlyAdmin):
    list_display = ("year", "title", "indicator", "comparison", "target", "unit", "status")
    list_filter = ("year", "indicator", "status", "owner_unit")
    search_fields = ("title", "action_plan")


@admin.register(RiskEntry)
class RiskEntryAdmin(ReadOnlyAdmin):
    list_display = ("pk", "kind", "description", "level", "owner_unit", "review_date", "status")
    list_filter = ("kind", "status", "owner_unit")
    search_fields = ("description", "cause", "process_name", "procedure__name")


@admin.register(RiskReview)
class RiskReviewAdmin(ReadOnlyAdmin):
    list_display = ("risk", "reviewed_at", "reviewed_by", "level", "status", "next_review_date")
    date_hierarchy = "reviewed_at"


@admin.register(RiskReminder)
class RiskReminderAdmin(ReadOnlyAdmin):
    list_display = ("risk", "day", "recipients", "sent_at")
    date_hierarchy = "day"
