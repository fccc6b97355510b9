"""Admin of controlled documents: a read-mostly view of the register.

Documents and versions are created, approved, made effective and withdrawn only through the
approval workflow and the document pages (the services); here an administrator may correct a
few descriptive fields, always with a reason. Correcting a signed field of a version leaves its
approval signature shown as no longer valid.
"""

from django.contrib import admin

from qms.core.admin_audit import AuditedAdmin

from .models import (
    ControlledDocument,
    DocumentAction,
    DocumentDistribution,
    DocumentVersion,
    ReviewReminder,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class VersionInline(ReadOnlyInline):
    model = DocumentVersion
    fields = ("version", "title", "status", "effective_from", "approver", "next_review_due")
    readonly_fields = fields
    show_change_link = True


class ActionInline(ReadOnlyInline):
    model = DocumentAction
    fields = ("at", "kind", "status", "actor", "comment")
    readonly_fields = fields


class DistributionInline(ReadOnlyInline):
    model = DocumentDistribution
    fields = ("unit",)
    readonly_fields = fields


class ControlledRecordAdmin(AuditedAdmin):
    reason_required = True

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ControlledDocument)
class ControlledDocumentAdmin(ControlledRecordAdmin):
    list_display = ("code", "title", "kind", "owner_unit", "review_period_months", "is_withdrawn")
    list_filter = ("kind", "owner_unit", "is_withdrawn")
    search_fields = ("code", "title")
    readonly_fields = (
        "code",
        "kind",
        "is_withdrawn",
        "withdrawn_at",
        "withdrawn_by",
        "withdrawal_reason",
        "created_at",
    )
    inlines = [VersionInline]


@admin.register(DocumentVersion)
class DocumentVersionAdmin(ControlledRecordAdmin):
    list_display = ("document", "version", "title", "status", "effective_from", "next_review_due")
    list_filter = ("status", "document__kind", "document__owner_unit")
    search_fields = ("document__code", "title", "version")
    readonly_fields = (
        "document",
        "version",
        "file",
        "file_sha256",
        "status",
        "effective_from",
        "last_reviewed_on",
        "author",
        "prepared_at",
        "reviewer",
        "reviewed_at",
        "approver",
        "approved_at",
        "approval_reference",
        "procedure_version",
        "superseded_at",
        "superseded_by",
        "withdrawn_at",
        "withdrawal_reason",
    )
    inlines = [DistributionInline, ActionInline]


@admin.register(ReviewReminder)
class ReviewReminderAdmin(ControlledRecordAdmin):
    list_display = ("version", "sent_on", "due_on", "recipients")
    list_filter = ("sent_on",)
    readonly_fields = ("version", "sent_on", "due_on", "recipients")

    def has_change_permission(self, request, obj=None):
        return False
