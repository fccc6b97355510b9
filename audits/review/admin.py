from django.contrib import admin

from qms.core.admin_audit import AuditedAdmin

from .models import ConformityAnnouncement, ManagementReview, ReviewAction, ReviewReport


class ReviewActionInline(admin.TabularInline):
    model = ReviewAction
    extra = 0
    fields = ("kind", "description", "owner_unit", "owner", "due_date", "status", "done_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ManagementReview)
class ManagementReviewAdmin(AuditedAdmin):
    """A management review is a controlled record: every change states its reason."""

    reason_required = True
    list_display = ("title", "period_from", "period_to", "meeting_date", "status")
    list_filter = ("status",)
    search_fields = ("title", "minutes")
    readonly_fields = ("inputs", "inputs_compiled_at", "status", "created_by")
    inlines = [ReviewActionInline]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ReviewReport)
class ReviewReportAdmin(AuditedAdmin):
    list_display = ("review", "generated_at", "size", "sha256")
    readonly_fields = ("review", "job", "file", "sha256", "size", "generated_at")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ConformityAnnouncement)
class ConformityAnnouncementAdmin(AuditedAdmin):
    """Recorded through the review pages; corrections here state their reason."""

    reason_required = True
    list_display = ("decision_number", "decision_date", "kind", "standard", "signed_by")
    readonly_fields = ("kind", "replaces", "created_by")
    filter_horizontal = ("procedures",)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
