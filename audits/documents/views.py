"""Pages of controlled documents: the list of effective documents, a document with its
effective version (download, approval signature), every version with its status history for
the quality manager, leaders and auditors, the document control sheet (PDF), and the quality
manager's withdrawal and the periodic-review confirmation (POST forms onto the services).

Staff see only the effective version: an old, superseded or withdrawn version is a 404 for
them, as is a document not distributed to their unit.
"""

from __future__ import annotations

import datetime as dt
import mimetypes

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import generic

from qms.core.pdf import render_pdf
from qms.core.selectors import agency_current, user_sees_all_units

from . import forms, selectors, services, signing
from .models import ControlledDocument, DocumentAction, DocumentVersion

S = DocumentVersion.Status
PAGE_SIZE = 50


def _start_url(node: str) -> str | None:
    try:
        return reverse(f"workflow:flows:document:{node}:execute")
    except NoReverseMatch:  # the flow is not registered on this site
        return None


def version_context(user, version: DocumentVersion) -> dict:
    """What every page showing a version needs: its file's integrity, its approval signature
    (valid or no longer valid), its distribution and its status history."""
    current_hash = signing.file_sha256(version.file)
    return {
        "version": version,
        "document": version.document,
        "file_intact": bool(current_hash) and current_hash == version.file_sha256,
        "signatures": signing.version_signatures(version, file_hash=current_hash),
        "distribution": list(version.distribution.order_by("order", "name")),
        "actions": list(version.actions.select_related("actor")),
        "sees_all": user_sees_all_units(user),
        "review_due_soon": _due_soon(version),
    }


def _due_soon(version: DocumentVersion) -> bool:
    due = version.next_review_due
    return (
        version.status == S.EFFECTIVE
        and due is not None
        and due <= timezone.localdate() + dt.timedelta(days=selectors.REVIEW_NOTICE_DAYS)
    )


class ReadOnlyMixin:
    http_method_names = ["get", "head", "options"]


# --- list -------------------------------------------------------------------------------------


class DocumentListView(ReadOnlyMixin, generic.TemplateView):
    template_name = "documents/list.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        sees_all = user_sees_all_units(user)
        form = forms.DocumentFilterForm(self.request.GET or None, sees_all=sees_all)
        data = form.cleaned_data if form.is_bound and form.is_valid() else {}
        documents = self._filtered(user, sees_all, data)
        page = Paginator(documents, PAGE_SIZE).get_page(self.request.GET.get("page"))
        query = self.request.GET.copy()
        query.pop("page", None)
        return super().get_context_data(
            form=form,
            page_obj=page,
            rows=[self._row(document) for document in page.object_list],
            query=query.urlencode(),
            sees_all=sees_all,
            draft_new_url=_start_url("draft_new") if selectors.can_draft(user) else None,
            draft_revision_url=(
                _start_url("draft_revision")
                if selectors.documents_for_revision(user).exists()
                else None
            ),
            today=timezone.localdate(),
            **kwargs,
        )

    def _filtered(self, user, sees_all, data):
        effective = selectors.effective_versions_visible_to(user=user)
        documents = selectors.documents_visible_to(user=user).select_related("owner_unit")
        state = data.get("state") or "effective"
        if not sees_all or state == "effective":
            documents = documents.filter(pk__in=effective.values("document_id"))
        elif state == "in_work":
            documents = documents.filter(versions__status__in=DocumentVersion.IN_WORK)
        elif state == "due":
            due = selectors.versions_due_for_review(on=timezone.localdate())
            documents = documents.filter(pk__in=due.values("document_id"))
        elif state == "withdrawn":
            documents = documents.filter(is_withdrawn=True)
        if data.get("kind"):
            documents = documents.filter(kind=data["kind"])
        if data.get("unit"):
            documents = documents.filter(owner_unit=data["unit"])
        if data.get("q"):
            text = data["q"].strip()
            documents = documents.filter(Q(code__icontains=text) | Q(title__icontains=text))
        shown = [S.EFFECTIVE, *DocumentVersion.IN_WORK] if sees_all else [S.EFFECTIVE]
        return (
            documents.distinct()
            .prefetch_related(
                Prefetch(
                    "versions",
                    queryset=DocumentVersion.objects.filter(status__in=shown),
                    to_attr="current_versions",
                )
            )
            .order_by("code")
        )

    @staticmethod
    def _row(document):
        effective = next((v for v in document.current_versions if v.status == S.EFFECTIVE), None)
        in_work = next((v for v in document.current_versions if v.is_in_work), None)
        return {
            "document": document,
            "effective": effective,
            "in_work": in_work,
            "due_soon": effective is not None and _due_soon(effective),
        }


# --- a document, a version --------------------------------------------------------------------


def visible_document(request, pk) -> ControlledDocument:
    return get_object_or_404(
        selectors.documents_visible_to(user=request.user).select_related("owner_unit"), pk=pk
    )


def visible_version(request, pk) -> DocumentVersion:
    return get_object_or_404(
        selectors.versions_visible_to(user=request.user).select_related(
            "document__owner_unit", "author", "reviewer", "approver", "procedure_version"
        ),
        pk=pk,
    )


class DocumentDetailView(ReadOnlyMixin, generic.TemplateView):
    template_name = "documents/detail.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        document = visible_document(self.request, kwargs["pk"])
        effective = (
            document.versions.filter(status=S.EFFECTIVE)
            .select_related("author", "reviewer", "approver", "procedure_version__procedure")
            .first()
        )
        sees_all = user_sees_all_units(user)
        context = version_context(user, effective) if effective else {"sees_all": sees_all}
        context.pop("document", None)
        in_work = selectors.version_in_work(document)
        quality_manager = selectors.is_quality_manager(user)
        may_confirm = effective is not None and (
            quality_manager or selectors.can_review(user, document)
        )
        may_draft = (
            not document.is_withdrawn
            and in_work is None
            and user.has_perm(selectors.WORK_PERMISSION, document.owner_unit)
        )
        revision_url = _start_url("draft_revision") if may_draft else None
        return super().get_context_data(
            **context,
            document=document,
            effective=effective,
            in_work=in_work if (sees_all or in_work and self._own_unit(user, document)) else None,
            history=self._history(document) if sees_all else None,
            withdraw_form=(
                forms.WithdrawForm()
                if quality_manager and effective and not document.is_withdrawn
                else None
            ),
            confirm_form=forms.ConfirmReviewForm() if may_confirm else None,
            revision_url=f"{revision_url}?document={document.pk}" if revision_url else None,
            trail_url=self._trail_url(user, document),
            **kwargs,
        )

    @staticmethod
    def _own_unit(user, document):
        return user.has_perm("core.view_unit_records", document.owner_unit)

    @staticmethod
    def _history(document):
        versions = list(
            document.versions.select_related("author", "reviewer", "approver").prefetch_related(
                Prefetch(
                    "actions",
                    queryset=DocumentAction.objects.select_related("actor"),
                    to_attr="status_history",
                )
            )
        )
        for version in versions:
            version.signature_rows = signing.version_signatures(version)
        return versions

    @staticmethod
    def _trail_url(user, document):
        if not user.has_perm("core.view_auditevent"):
            return None
        try:
            return reverse(
                "audits:trail",
                kwargs={"object_type": document._meta.label_lower, "object_id": document.pk},
            )
        except NoReverseMatch:
            return None


class VersionDetailView(ReadOnlyMixin, generic.TemplateView):
    template_name = "documents/version.html"

    def get_context_data(self, **kwargs):
        version = visible_version(self.request, kwargs["pk"])
        return super().get_context_data(
            **version_context(self.request.user, version),
            effective=selectors.effective_version(version.document),
            process_url=_process_url(version),
            **kwargs,
        )


def _process_url(version: DocumentVersion) -> str | None:
    """The approval process of ``version`` (none for a version registered as issued)."""
    from django.contrib.contenttypes.models import ContentType
    from viewflow.workflow.models import Process

    process = Process.objects.filter(
        artifact_content_type=ContentType.objects.get_for_model(DocumentVersion),
        artifact_object_id=version.pk,
    ).first()
    if process is None:
        return None
    try:
        return reverse("workflow:flows:document:process_detail", args=[process.pk])
    except NoReverseMatch:
        return None


def _file_response(version: DocumentVersion):
    if not version.file:
        raise Http404(_("Phiên bản này không có tệp."))
    try:
        handle = version.file.open("rb")
    except (FileNotFoundError, OSError) as error:
        raise Http404(_("Không tìm thấy tệp của phiên bản này.")) from error
    extension = version.file.name.rsplit(".", 1)[-1].lower() if "." in version.file.name else "bin"
    name = f"{version.document.code}_v{version.version}.{extension}".replace("/", "-")
    return FileResponse(
        handle,
        filename=name,
        as_attachment=False,
        content_type=mimetypes.guess_type(name)[0] or "application/octet-stream",
    )


class DocumentDownloadView(ReadOnlyMixin, generic.View):
    """The effective version's file of a document the user may read."""

    def get(self, request, pk):
        document = visible_document(request, pk)
        effective = selectors.effective_version(document)
        if effective is None:
            raise Http404(_("Tài liệu không có phiên bản đang hiệu lực."))
        return _file_response(effective)


class VersionDownloadView(ReadOnlyMixin, generic.View):
    def get(self, request, pk):
        return _file_response(visible_version(request, pk))


class ControlSheetPdfView(ReadOnlyMixin, generic.View):
    """Phiếu theo dõi sửa đổi tài liệu: every version, its approver and signature."""

    def get(self, request, pk):
        if not user_sees_all_units(request.user):
            raise Http404(_("Không tìm thấy tài liệu."))
        document = visible_document(request, pk)
        versions = DocumentDetailView._history(document)
        pdf = render_pdf(
            "documents/control_sheet.html",
            {
                "document": document,
                "versions": list(reversed(versions)),
                "agency": agency_current(),
                "printed_at": timezone.localtime(),
                "printed_by": request.user,
            },
        )
        response = HttpResponse(pdf, content_type="application/pdf")
        filename = f"phieu-theo-doi-sua-doi-{document.code}.pdf".replace("/", "-")
        response["Content-Disposition"] = f'inline; filename="{filename}"'
        return response


# --- actions ----------------------------------------------------------------------------------


class DocumentActionView(generic.View):
    """A POST-only action on a document the user can see: validate the form, call one service,
    report through messages and go back to the document. A refused action changes nothing."""

    http_method_names = ["post"]
    form_class: type
    success_message = ""

    def allowed(self, user, document) -> bool:
        raise NotImplementedError

    def post(self, request, pk):
        document = visible_document(request, pk)
        if not self.allowed(request.user, document):
            raise PermissionDenied
        form = self.form_class(request.POST)
        if form.is_valid():
            try:
                self.perform(request.user, document, form.cleaned_data)
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
            else:
                messages.success(request, self.success_message)
        else:
            for field_errors in form.errors.values():
                for message in field_errors:
                    messages.error(request, message)
        return redirect("documents:detail", pk=document.pk)

    def perform(self, user, document, data):
        raise NotImplementedError


class WithdrawView(DocumentActionView):
    form_class = forms.WithdrawForm

    @property
    def success_message(self):
        return _("Đã thu hồi tài liệu; cán bộ không còn xem được tài liệu này.")

    def allowed(self, user, document):
        return selectors.is_quality_manager(user)

    def perform(self, user, document, data):
        services.document_withdraw(actor=user, document=document, reason=data["reason"])


class ConfirmReviewView(DocumentActionView):
    form_class = forms.ConfirmReviewForm

    @property
    def success_message(self):
        return _("Đã ghi nhận xem xét định kỳ: tài liệu còn phù hợp.")

    def allowed(self, user, document):
        return selectors.is_quality_manager(user) or selectors.can_review(user, document)

    def perform(self, user, document, data):
        effective = selectors.effective_version(document)
        if effective is None:
            raise ValidationError(_("Tài liệu không có phiên bản đang hiệu lực."))
        services.document_version_confirm_review(
            actor=user, version=effective, comment=data["comment"]
        )
