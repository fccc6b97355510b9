"""Admin of the procedure catalogue: a thin interface onto ``procedures.services.catalogue``
and ``procedures.importexport``.

A version is saved with its fees, components and steps in one call of
:func:`procedure_version_save`, so the check of the internal process against the legal time
limit applies here as everywhere; a version frozen by a dossier is shown read-only. Catalogue
records are never deleted here: a procedure or version ends with its validity date.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from qms.core.admin_audit import AuditedAdmin

from ..importexport import FORMATS, export_catalogue, format_of
from ..jobs import catalogue_import_request
from ..models import (
    DossierComponent,
    FeeItem,
    FormTemplate,
    Procedure,
    ProcedureField,
    ProcedureVersion,
    ProcessStep,
    Regime,
)
from ..services import catalogue as services

#: Largest catalogue file accepted through the admin.
MAX_IMPORT_BYTES = 10 * 1024 * 1024

CONTENT_TYPES = {
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class NoDeleteAdmin(AuditedAdmin):
    admin_events = False  # the catalogue services write the events

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Regime)
class RegimeAdmin(NoDeleteAdmin):
    list_display = ("code", "name", "valid_from", "valid_to")
    search_fields = ("code", "name")

    def get_readonly_fields(self, request, obj=None):
        return ("code",) if obj else ()

    def save_model(self, request, obj, form, change):
        services.regime_save(actor=request.user, regime=obj)


@admin.register(FormTemplate)
class FormTemplateAdmin(NoDeleteAdmin):
    list_display = ("number", "title", "kind", "regime", "template_name")
    list_filter = ("regime", "kind")
    search_fields = ("number", "title")

    def save_model(self, request, obj, form, change):
        services.form_template_save(actor=request.user, form_template=obj)


@admin.register(ProcedureField)
class ProcedureFieldAdmin(NoDeleteAdmin):
    list_display = ("name", "code", "handling_unit")
    search_fields = ("name", "code")

    def get_readonly_fields(self, request, obj=None):
        return ("code",) if obj else ()

    def save_model(self, request, obj, form, change):
        saved = services.procedure_field_upsert(
            actor=request.user, code=obj.code, name=obj.name, handling_unit=obj.handling_unit
        )
        obj.pk = saved.pk


# --- procedures, import and export --------------------------------------------------------------


class VersionInline(admin.TabularInline):
    model = ProcedureVersion
    extra = 0
    fields = ("version", "valid_from", "valid_to", "time_limit_display", "handling_unit")
    readonly_fields = fields
    can_delete = False
    show_change_link = True
    ordering = ("version",)

    @admin.display(description=_("thời hạn giải quyết"))
    def time_limit_display(self, obj):
        return obj.time_limit_display

    def has_add_permission(self, request, obj=None):
        # A version is added on its own page, with its fees, components and steps.
        return False


class CatalogueImportForm(forms.Form):
    file = forms.FileField(
        label=_("Tệp danh mục"), help_text=_("Tệp .json hoặc .xlsx theo mẫu xuất của hệ thống.")
    )
    reason = forms.CharField(
        label=_("Lý do thay đổi"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Bắt buộc khi tệp sửa một phiên bản thủ tục đã có (ghi vào lịch sử)."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if format_of(upload.name) is None:
            raise ValidationError(_("Chỉ nhận tệp .json hoặc .xlsx."))
        if upload.size > MAX_IMPORT_BYTES:
            raise ValidationError(_("Tệp quá lớn (tối đa 10 MB)."))
        return upload


@admin.register(Procedure)
class ProcedureAdmin(NoDeleteAdmin):
    list_display = ("name", "code", "key", "field", "level", "agency", "is_demo_data")
    list_filter = ("field", "level", "is_demo_data", "agency")
    search_fields = ("name", "code", "key")
    inlines = [VersionInline]
    actions = ["export_json", "export_xlsx"]
    change_list_template = "admin/procedures/procedure/change_list.html"

    def get_readonly_fields(self, request, obj=None):
        # The key identifies the procedure in catalogue files: changing it would make a new one.
        return ("key",) if obj else ()

    def save_model(self, request, obj, form, change):
        saved = services.procedure_upsert(
            actor=request.user,
            key=obj.key,
            code=obj.code,
            name=obj.name,
            field=obj.field,
            level=obj.level,
            agency=obj.agency,
            is_demo_data=obj.is_demo_data,
        )
        obj.pk = saved.pk

    def _export(self, queryset, fmt):
        response = HttpResponse(
            export_catalogue(fmt=fmt, queryset=queryset), content_type=CONTENT_TYPES[fmt]
        )
        filename = f"danh-muc-tthc-{timezone.localdate():%Y%m%d}.{fmt}"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    @admin.action(description=_("Xuất JSON"), permissions=["view"])
    def export_json(self, request, queryset):
        return self._export(queryset, "json")

    @admin.action(description=_("Xuất Excel"), permissions=["view"])
    def export_xlsx(self, request, queryset):
        return self._export(queryset, "xlsx")

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_import"
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name=name),
            *super().get_urls(),
        ]

    def import_view(self, request):
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        form = CatalogueImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            # The file is kept and imported by a worker; the job page shows the progress, and
            # the errors of the file (nothing imported) or the summary of what changed.
            upload = form.cleaned_data["file"]
            job = catalogue_import_request(
                actor=request.user,
                upload=upload,
                fmt=format_of(upload.name),
                reason=form.cleaned_data["reason"],
            )
            self.message_user(
                request, gettext("Đã nhận tệp; đang nhập danh mục (theo dõi tiến độ dưới đây).")
            )
            return redirect("organisation:job", pk=job.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Nhập danh mục TTHC"),
            "opts": self.opts,
            "form": form,
            "formats": ", ".join(f".{fmt}" for fmt in FORMATS),
        }
        return TemplateResponse(request, "admin/procedures/procedure/import.html", context)


# --- versions -----------------------------------------------------------------------------------


def _frozen(obj) -> bool:
    """A version some dossier has received under cannot change any more."""
    return obj is not None and obj.pk is not None and obj.dossiers.exists()


class VersionRowInline(admin.TabularInline):
    extra = 0

    def _parent_frozen(self, obj):
        return _frozen(obj)

    def has_add_permission(self, request, obj=None):
        return not self._parent_frozen(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not self._parent_frozen(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._parent_frozen(obj) and super().has_delete_permission(request, obj)


class FeeItemInline(VersionRowInline):
    model = FeeItem
    fields = services.FEE_FIELDS


class DossierComponentInline(VersionRowInline):
    model = DossierComponent
    fields = services.COMPONENT_FIELDS


class ProcessStepFormSet(BaseInlineFormSet):
    """Checks the process as a whole against the version's legal time limit, so that a
    violation is shown on the page and nothing is saved."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        version = self.instance
        if version.time_limit_value is None or not version.time_limit_unit:
            return  # the version's own form reports it
        steps = []
        for form in self.forms:
            if not form.cleaned_data or self._should_delete_form(form):
                continue
            steps.append(ProcessStep(**{n: form.cleaned_data.get(n) for n in services.STEP_FIELDS}))
        steps.sort(key=lambda step: step.order)
        version.check_steps(steps)


class ProcessStepInline(VersionRowInline):
    model = ProcessStep
    formset = ProcessStepFormSet
    fields = services.STEP_FIELDS


def _rows(formset, names) -> list[dict]:
    rows = []
    for form in formset.forms:
        if not form.cleaned_data or formset._should_delete_form(form):
            continue
        rows.append({name: form.cleaned_data.get(name) for name in names})
    return rows


class ProcedureVersionForm(forms.ModelForm):
    """The version's own fields plus the reason, required when an existing version changes."""

    change_reason = forms.CharField(
        label=_("Lý do thay đổi"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Bắt buộc khi sửa một phiên bản đã có; được ghi vào lịch sử và nhật ký."),
    )

    class Meta:
        model = ProcedureVersion
        fields = ("procedure", "version", *services.VERSION_FIELDS)

    def clean_change_reason(self):
        reason = self.cleaned_data.get("change_reason", "").strip()
        if self.instance.pk and not reason:
            raise ValidationError(
                _("Phiên bản đã ban hành: phải ghi lý do thay đổi trước khi lưu.")
            )
        return reason


@admin.register(ProcedureVersion)
class ProcedureVersionAdmin(NoDeleteAdmin):
    form = ProcedureVersionForm
    list_display = ("procedure", "version", "valid_from", "valid_to", "time_limit_display")
    list_filter = ("procedure__field", "online_level", "time_limit_unit")
    search_fields = ("procedure__name", "procedure__code", "procedure__key")
    list_select_related = ("procedure",)
    inlines = [FeeItemInline, DossierComponentInline, ProcessStepInline]

    @admin.display(description=_("thời hạn giải quyết"))
    def time_limit_display(self, obj):
        return obj.time_limit_display

    def get_readonly_fields(self, request, obj=None):
        # (procedure, version) identifies the version: a different number is a new version.
        return ("procedure", "version") if obj else ()

    def has_change_permission(self, request, obj=None):
        return not _frozen(obj) and super().has_change_permission(request, obj)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:
            # Checked by the forms already; reaching here means the data changed meanwhile.
            # The transaction of the page was rolled back: nothing was saved.
            for message in error.messages:
                self.message_user(request, message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request, obj, form, change):
        """Saved together with its rows in :meth:`save_related`, through the service."""

    def save_related(self, request, form, formsets, change):
        by_model = {formset.model: formset for formset in formsets}
        instance = form.instance
        version_data = {name: getattr(instance, name) for name in services.VERSION_FIELDS}
        version_data["version"] = instance.version
        version = services.procedure_version_save(
            actor=request.user,
            procedure=instance.procedure,
            version_data=version_data,
            fees=_rows(by_model[FeeItem], services.FEE_FIELDS),
            components=_rows(by_model[DossierComponent], services.COMPONENT_FIELDS),
            steps=_rows(by_model[ProcessStep], services.STEP_FIELDS),
            reason=form.cleaned_data.get("change_reason", ""),
        )
        instance.pk = version.pk
        for formset in formsets:
            # What the admin's change message reads; the rows were saved by the service.
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
