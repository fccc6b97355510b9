"""Admin pages leave the same trail as the services: each add, change and delete made in the
admin is an audit-log event with the values before and after, and controlled records ask the
administrator for the reason of a change (kept in the history row and the event)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from . import auditlog

REASON_FIELD = "change_reason"


def _previous_values(obj):
    history = getattr(obj, "history", None)
    if history is None:
        return None
    rows = list(history.order_by("-history_date", "-history_id")[:2])
    if len(rows) < 2:
        return None
    previous = rows[1]
    return auditlog.jsonable(
        {f.attname: getattr(previous, f.attname, None) for f in obj._meta.concrete_fields}
    )


def _values(obj):
    return auditlog.jsonable(
        {f.attname: f.value_from_object(obj) for f in obj._meta.concrete_fields}
    )


class AuditedAdmin(SimpleHistoryAdmin):
    """A ModelAdmin whose writes land in the audit log.

    ``reason_required`` makes a "reason for the change" field appear on the change form of an
    existing record; it is mandatory there and goes into the history row and the event.
    """

    reason_required = False
    #: False where the admin saves through services that write their own events.
    admin_events = True
    #: Fields never copied into the log (secrets).
    audit_exclude = ("password",)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if self.reason_required and obj is not None:
            # The reason is a form field of ours, not a model field.
            if "fields" not in kwargs:
                from django.contrib.admin.utils import flatten_fieldsets

                kwargs["fields"] = flatten_fieldsets(self.get_fieldsets(request, obj))
            if kwargs["fields"] is not None:
                kwargs["fields"] = [f for f in kwargs["fields"] if f != REASON_FIELD]
        form = super().get_form(request, obj, change=change, **kwargs)
        if not (self.reason_required and obj is not None):
            return form

        class ReasonForm(form):
            change_reason = forms.CharField(
                label=_("Lý do thay đổi"),
                max_length=1000,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text=_("Bắt buộc với hồ sơ, tài liệu được kiểm soát; ghi vào lịch sử."),
                error_messages={"required": _("Phải ghi lý do thay đổi.")},
            )

            def clean_change_reason(self):
                reason = self.cleaned_data.get(REASON_FIELD, "").strip()
                if not reason:
                    raise ValidationError(_("Phải ghi lý do thay đổi."))
                return reason

        return ReasonForm

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if self.reason_required and obj is not None and REASON_FIELD not in fields:
            fields.append(REASON_FIELD)
        return fields

    def save_model(self, request, obj, form, change):
        reason = form.cleaned_data.get(REASON_FIELD, "") if form is not None else ""
        if reason:
            obj._change_reason = reason
        super().save_model(request, obj, form, change)

    def _clean(self, values):
        return {k: v for k, v in (values or {}).items() if k not in self.audit_exclude} or None

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        if not self.admin_events:
            return entry
        auditlog.record(
            actor=request.user,
            action=auditlog.ADMIN_ADD,
            obj=obj,
            after=self._clean(_values(obj)),
            reason=getattr(obj, "_change_reason", ""),
        )
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        if not self.admin_events:
            return entry
        before, after = auditlog.changes(
            self._clean(_previous_values(obj)), self._clean(_values(obj))
        )
        auditlog.record(
            actor=request.user,
            action=auditlog.ADMIN_CHANGE,
            obj=obj,
            before=before or None,
            after=after or None,
            reason=getattr(obj, "_change_reason", ""),
        )
        return entry

    def log_deletions(self, request, queryset):
        result = super().log_deletions(request, queryset)
        if not self.admin_events:
            return result
        for obj in queryset:
            auditlog.record(
                actor=request.user,
                action=auditlog.ADMIN_DELETE,
                obj=obj,
                before=self._clean(_values(obj)),
            )
        return result
