"""Admin of the internal audit records: for corrections only. Records are made through the
pages (services); a correction here states its reason and lands in the audit log, and a
change to what a signature covers shows that signature as no longer valid."""

from django.contrib import admin

from qms.core.admin_audit import AuditedAdmin

from .models import (
    Audit,
    AuditChecklist,
    AuditChecklistAnswer,
    AuditProgramme,
    AuditReport,
    AuditTeamMember,
    Checklist,
    ChecklistItem,
    Finding,
    ProgrammeItem,
)


class CorrectionAdmin(AuditedAdmin):
    """Change with a reason; never add (the services number, link and sign) or delete."""

    reason_required = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditProgramme)
class AuditProgrammeAdmin(CorrectionAdmin):
    list_display = ("year", "title", "status")
    readonly_fields = ("year", "status", "created_by", "created_at")


@admin.register(Audit)
class AuditAdmin(CorrectionAdmin):
    list_display = ("__str__", "programme", "status", "planned_start", "lead_auditor")
    list_filter = ("programme", "status")
    search_fields = ("title", "scope")
    readonly_fields = (
        "programme",
        "number",
        "status",
        "started_at",
        "reported_at",
        "closed_at",
        "closed_by",
    )


@admin.register(ProgrammeItem)
class ProgrammeItemAdmin(CorrectionAdmin):
    list_display = ("audit", "__str__")
    list_filter = ("audit__programme",)
    readonly_fields = ("audit",)


@admin.register(AuditTeamMember)
class AuditTeamMemberAdmin(CorrectionAdmin):
    list_display = ("audit", "user")
    readonly_fields = ("audit",)


@admin.register(Checklist)
class ChecklistAdmin(CorrectionAdmin):
    list_display = ("clause", "title", "internal_process", "field", "is_active")
    list_filter = ("is_active", "internal_process")
    search_fields = ("title",)


@admin.register(ChecklistItem)
class ChecklistItemAdmin(CorrectionAdmin):
    list_display = ("checklist", "order", "clause", "question")
    list_filter = ("checklist",)
    readonly_fields = ("checklist", "order")


@admin.register(AuditChecklist)
class AuditChecklistAdmin(CorrectionAdmin):
    list_display = ("audit", "checklist")
    readonly_fields = ("audit",)


@admin.register(AuditChecklistAnswer)
class AuditChecklistAnswerAdmin(CorrectionAdmin):
    list_display = ("audit", "unit", "clause", "result", "answered_by", "answered_at")
    list_filter = ("audit", "result")
    readonly_fields = ("audit", "item", "unit", "answered_by", "answered_at")


@admin.register(Finding)
class FindingAdmin(CorrectionAdmin):
    list_display = ("__str__", "unit", "clause", "kind", "nonconformity")
    list_filter = ("audit__programme", "kind")
    search_fields = ("description", "evidence")
    # The kind decides whether a nonconformity exists: it is not corrected here.
    readonly_fields = ("audit", "number", "kind", "nonconformity", "recorded_by", "recorded_at")


@admin.register(AuditReport)
class AuditReportAdmin(CorrectionAdmin):
    list_display = ("__str__", "prepared_by", "updated_at")
    readonly_fields = ("audit", "prepared_by", "updated_at")
