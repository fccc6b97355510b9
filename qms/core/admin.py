from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from . import auditlog, notifications, services
from .admin_audit import AuditedAdmin
from .models import (
    Agency,
    AuditEvent,
    CalendarOverride,
    Membership,
    Notification,
    NotificationPreference,
    OrgUnit,
    Signature,
    User,
)

admin.site.site_header = _("ISO điện tử — Quản trị hệ thống")
admin.site.site_title = _("ISO điện tử")
admin.site.index_title = _("Quản trị")


@admin.register(Agency)
class AgencyAdmin(AuditedAdmin):
    list_display = ("name", "code", "valid_from", "valid_to", "predecessor")
    search_fields = ("name", "code")
    list_filter = ("valid_from",)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ("user", "role", "is_primary")
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        # Memberships carry guardian permissions: they are granted through their own page.
        return False


@admin.register(OrgUnit)
class OrgUnitAdmin(AuditedAdmin):
    list_display = ("name", "code", "kind", "parent", "agency", "order", "is_active")
    list_filter = ("agency", "kind", "is_active")
    search_fields = ("name", "code", "short_name")
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    admin_events = False  # the membership services write the events
    list_display = ("user", "unit", "role", "is_primary")
    list_filter = ("unit", "role")
    search_fields = ("user__username", "user__first_name", "user__last_name")
    autocomplete_fields = ("user", "unit")

    def get_readonly_fields(self, request, obj=None):
        # Changing user, unit or role would leave permissions behind: revoke and grant instead.
        return ("user", "unit", "role") if obj else ()

    def save_model(self, request, obj, form, change):
        if change:
            services.membership_set_primary(
                actor=request.user, membership=obj, is_primary=obj.is_primary
            )
            return
        membership = services.membership_grant(
            actor=request.user,
            user=obj.user,
            unit=obj.unit,
            role=obj.role,
            is_primary=obj.is_primary,
        )
        obj.pk = membership.pk

    def delete_model(self, request, obj):
        services.membership_revoke(actor=request.user, membership=obj)

    def delete_queryset(self, request, queryset):
        for membership in queryset:
            services.membership_revoke(actor=request.user, membership=membership)


class UserMembershipInline(MembershipInline):
    fk_name = "user"
    fields = ("unit", "role", "is_primary")
    readonly_fields = fields


@admin.register(User)
class UserAdmin(DjangoUserAdmin, AuditedAdmin):
    list_display = ("username", "get_full_name", "position", "email", "is_active", "is_staff")
    list_filter = ("is_active", "is_staff", "groups", "memberships__unit")
    inlines = [UserMembershipInline]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Công tác"), {"fields": ("position", "phone", "language")}),
    )

    @admin.display(description=_("họ và tên"))
    def get_full_name(self, obj):
        return obj.get_full_name()


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(AuditedAdmin):
    admin_events = False  # calendar_override_save writes the event
    list_display = ("date", "kind", "reason")
    list_filter = ("kind",)
    date_hierarchy = "date"
    search_fields = ("reason",)

    def save_model(self, request, obj, form, change):
        services.calendar_override_save(actor=request.user, override=obj)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """The log, readable; the auditor's workspace is the place to work with it."""

    list_display = ("seq", "at", "actor_name", "action_label", "object_repr", "unit")
    list_filter = ("action", "object_type")
    search_fields = ("object_repr", "actor_name", "reason", "hash")
    date_hierarchy = "at"

    @admin.display(description=_("thao tác"))
    def action_label(self, obj):
        return auditlog.ACTIONS.get(obj.action, obj.action)


@admin.register(Signature)
class SignatureAdmin(ReadOnlyAdmin):
    list_display = ("signed_at", "signer_name", "meaning", "purpose", "content_type", "object_id")
    list_filter = ("meaning", "purpose")
    search_fields = ("signer_name", "content_hash")


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """The notifications sent, readable (each person manages their own on their page)."""

    list_display = ("created_at", "recipient", "kind_label", "title", "read_at", "emailed_at")
    list_filter = ("kind", "created_at")
    search_fields = (
        "recipient__username",
        "recipient__first_name",
        "recipient__last_name",
        "kind",
        "title",
        "key",
    )
    list_select_related = ("recipient",)
    date_hierarchy = "created_at"

    @admin.display(description=_("loại thông báo"), ordering="kind")
    def kind_label(self, obj):
        return obj.kind_label


class NotificationPreferenceForm(forms.ModelForm):
    kind = forms.ChoiceField(label=_("loại thông báo"))

    class Meta:
        model = NotificationPreference
        fields = ("user", "kind", "in_app", "email")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [
            (code, registered.label) for code, registered in notifications.KIND_REGISTRY.items()
        ]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(AuditedAdmin):
    form = NotificationPreferenceForm
    list_display = ("user", "kind", "in_app", "email")
    list_filter = ("kind", "in_app", "email")
    search_fields = ("user__username", "user__first_name", "user__last_name", "kind")
    autocomplete_fields = ("user",)
