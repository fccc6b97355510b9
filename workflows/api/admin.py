"""Administration of the integration API: clients are created and changed through their
services (the service user comes with the client); a token is issued on its own page, which
shows the key once; tokens are revoked by an action. Nothing is deleted: the trail stays."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qms.core.admin_audit import AuditedAdmin

from . import services
from .models import ApiToken, IntegrationClient, Scope


class IntegrationClientForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=gettext_lazy("Phạm vi quyền"),
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = IntegrationClient
        fields = ["name", "agency", "scopes", "is_active", "note"]


class TokenIssueForm(forms.Form):
    expires_on = forms.DateField(
        label=gettext_lazy("Hết hạn ngày"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        help_text=gettext_lazy("Để trống: không hết hạn (thu hồi khi không dùng nữa)."),
    )


@admin.register(IntegrationClient)
class IntegrationClientAdmin(AuditedAdmin):
    admin_events = False  # the client services write the events
    form = IntegrationClientForm
    list_display = ("name", "agency", "scopes_display", "is_active", "created_at", "issue_link")
    list_filter = ("is_active", "agency")
    search_fields = ("name",)
    readonly_fields = ("service_user", "created_at")

    @admin.display(description=gettext_lazy("phạm vi quyền"))
    def scopes_display(self, obj):
        return obj.get_scopes_display()

    @admin.display(description=gettext_lazy("khóa truy cập"))
    def issue_link(self, obj):
        url = reverse("admin:integration_integrationclient_issue_token", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Cấp khóa mới"))

    def get_readonly_fields(self, request, obj=None):
        # The agency is fixed once the client exists: its dossiers are that agency's.
        return (*self.readonly_fields, "agency") if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            services.integration_client_update(
                actor=request.user,
                client=obj,
                name=data["name"],
                scopes=data["scopes"],
                is_active=data["is_active"],
                note=data["note"],
                reason=getattr(obj, "_change_reason", ""),
            )
            return
        client = services.integration_client_create(
            actor=request.user,
            name=data["name"],
            agency=data["agency"],
            scopes=data["scopes"],
            note=data["note"],
        )
        obj.pk, obj.service_user = client.pk, client.service_user

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path(
                "<int:pk>/issue-token/",
                self.admin_site.admin_view(self.issue_token_view),
                name="integration_integrationclient_issue_token",
            ),
            *super().get_urls(),
        ]

    def issue_token_view(self, request, pk):
        """Issue a token; the key is shown on the answer page only, never stored or shown
        again."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        client = get_object_or_404(IntegrationClient, pk=pk)
        form = TokenIssueForm(request.POST or None)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Cấp khóa truy cập cho “%(client)s”") % {"client": client},
            "opts": self.opts,
            "client": client,
            "form": form,
        }
        if request.method == "POST" and form.is_valid():
            day = form.cleaned_data["expires_on"]
            expires_at = (
                timezone.make_aware(timezone.datetime.combine(day, timezone.datetime.max.time()))
                if day
                else None
            )
            try:
                token, key = services.api_token_issue(
                    actor=request.user, client=client, expires_at=expires_at
                )
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                response = TemplateResponse(
                    request,
                    "admin/integration/token_issued.html",
                    {**context, "token": token, "key": key},
                )
                response["Cache-Control"] = "no-store"
                return response
        return TemplateResponse(request, "admin/integration/token_issue.html", context)


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedAdmin):
    admin_events = False  # issued and revoked by services, which write the events
    list_display = (
        "prefix_display",
        "client",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("client", ("revoked_at", admin.EmptyFieldListFilter))
    readonly_fields = (
        "client",
        "prefix",
        "created_at",
        "created_by",
        "expires_at",
        "last_used_at",
        "revoked_at",
        "revoked_by",
        "revoke_reason",
    )
    exclude = ("key_hash",)
    actions = ["revoke"]

    @admin.display(description=gettext_lazy("khóa"))
    def prefix_display(self, obj):
        return f"{obj.prefix}…"

    def has_add_permission(self, request):
        return False  # issued from the client's page, which shows the key once

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_revoke_permission(self, request):
        return request.user.has_perm("integration.change_apitoken")

    @admin.action(description=gettext_lazy("Thu hồi các khóa đã chọn"), permissions=["revoke"])
    def revoke(self, request, queryset):
        revoked = 0
        for token in queryset:
            try:
                services.api_token_revoke(
                    actor=request.user, token=token, reason=_("Thu hồi tại trang quản trị.")
                )
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.WARNING)
            else:
                revoked += 1
        if revoked:
            self.message_user(
                request, _("Đã thu hồi %(n)d khóa truy cập.") % {"n": revoked}, messages.SUCCESS
            )
