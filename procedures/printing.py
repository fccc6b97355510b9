"""The one-stop forms (Mẫu 01–05) of a dossier as PDF, and the Vietnamese date wording they use.

The form's number, title and legal note come from the :class:`FormTemplate` row of the dossier's
frozen regime, never from a template: a new regime or a corrected title is data. Hand-overs for
the control sheet (Mẫu 05) are computed by the workflow layer and passed in, because this layer
must not import it.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

from qms.core.pdf import render_pdf

from .models import Dossier, DossierOpinion, FormTemplate, ProcessStep, SupplementRequest
from .signing import dossier_signatures

#: Legal times are those of the desk, whatever zone the requesting user has activated.
VIETNAM_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
#: What a form shows where the system holds no value: the blank the official fills by hand.
DOTS = "…………………"

K = FormTemplate.Kind


def local(value: dt.datetime | dt.date | None) -> dt.datetime | dt.date | None:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value, VIETNAM_TZ) if timezone.is_aware(value) else value
    return value


def _day_month(day: dt.date) -> tuple[str, str]:
    # NĐ 30/2020/NĐ-CP: days below 10 and the months January and February take a leading zero
    # on administrative documents ("ngày 05 tháng 02 năm 2025", "ngày 26 tháng 4 năm 2024").
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{day.day:02d}", month


def vn_date(value: dt.datetime | dt.date | None) -> str:
    """``ngày 26 tháng 4 năm 2024``; dotted blanks when there is no date."""
    value = local(value)
    if value is None:
        return "ngày …… tháng …… năm ……"
    day, month = _day_month(value)
    return f"ngày {day} tháng {month} năm {value.year}"


def vn_datetime(value: dt.datetime | None) -> str:
    """``08 giờ 30 phút, ngày 26 tháng 4 năm 2024`` in Vietnam time."""
    value = local(value)
    if value is None:
        return f"…… giờ …… phút, {vn_date(None)}"
    return f"{value.hour:02d} giờ {value.minute:02d} phút, {vn_date(value)}"


def vn_place_date(agency, value: dt.datetime | dt.date | None) -> str:
    """The date line under the national motto: ``Sóc Trăng, ngày 26 tháng 4 năm 2024``."""
    place = (agency.place_name if agency else "") or DOTS
    return f"{place}, {vn_date(value)}"


def vn_short_date(value: dt.datetime | dt.date | None) -> str:
    """``26/04/2024`` (day first), or an empty string."""
    value = local(value)
    return value.strftime("%d/%m/%Y") if value else ""


def signature_title(position: str) -> list[str]:
    """The lines above a leader's signature: ``GIÁM ĐỐC``, or ``KT. GIÁM ĐỐC`` / ``PHÓ GIÁM
    ĐỐC`` for a deputy signing on the director's behalf (ký thay)."""
    position = " ".join((position or "").split())
    # The signature block names the office, not the agency the header already names.
    if position.lower().endswith(" sở"):
        position = position[: -len(" sở")]
    if not position:
        return ["GIÁM ĐỐC"]
    if position.lower().startswith("phó giám đốc"):
        return ["KT. GIÁM ĐỐC", position.upper()]
    return [position.upper()]


def _full_name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def _one_stop_unit(dossier: Dossier):
    step = (
        dossier.procedure_version.steps.filter(kind=ProcessStep.Kind.RECEIVE)
        .select_related("responsible_unit", "version__handling_unit")
        .first()
    )
    return step.unit if step else None


def _receipt(dossier: Dossier, **_) -> dict:
    if dossier.received_at is None:
        raise ValueError("Hồ sơ chưa được tiếp nhận: chưa có Giấy tiếp nhận.")
    return {
        "copies": ["Liên 1: Lưu", "Liên 2: Giao người nộp"],
        "documents": list(dossier.documents.filter(present=True).select_related("component")),
        "time_limit": dossier.procedure_version.time_limit_display,
        "received_text": vn_datetime(dossier.received_at),
        # A reprint shows the appointment the desk gave, not one moved later.
        "due_text": vn_datetime(dossier.original_due_at or dossier.due_at),
        "receiver_name": _full_name(dossier.received_by),
        "online": dossier.channel == Dossier.Channel.ONLINE,
        "form_date": dossier.received_at,
    }


def _supplement(dossier: Dossier, *, supplement: SupplementRequest | None = None, **_) -> dict:
    supplement = supplement or dossier.supplements.order_by("-requested_at", "-pk").first()
    if supplement is None or supplement.dossier_id != dossier.pk:
        raise ValueError("Hồ sơ không có yêu cầu bổ sung này.")
    return {
        "supplement": supplement,
        "number_line": f"Số: {supplement.number or '……/HDHS'}",
        "missing": [str(item) for item in supplement.missing],
        "guide_name": _full_name(supplement.requested_by),
        "guide_phone": supplement.requested_by.phone,
        "form_date": supplement.requested_at,
    }


def _refusal(dossier: Dossier, **_) -> dict:
    opinion = (
        dossier.opinions.filter(decision=DossierOpinion.Decision.REFUSED_AT_RECEIPT)
        .select_related("author")
        .order_by("-created_at", "-pk")
        .first()
    )
    return {
        "refuser_name": _full_name(opinion.author if opinion else None),
        "submitted_text": vn_datetime(dossier.submitted_at),
        "online": dossier.channel == Dossier.Channel.ONLINE,
        "form_date": opinion.created_at if opinion else dossier.submitted_at,
    }


def _apology(dossier: Dossier, **_) -> dict:
    apology = getattr(dossier, "apology", None)
    if apology is None:
        raise ValueError("Hồ sơ chưa có phiếu xin lỗi, hẹn lại.")
    signer = apology.signer
    return {
        "apology": apology,
        "number_line": f"Số: {apology.number or '……/PXL'}",
        "citizen": dossier.applicant_kind == Dossier.ApplicantKind.CITIZEN,
        "received_date": vn_date(dossier.received_at),
        "previous_due_date": vn_date(apology.previous_due_at),
        "new_due_date": vn_date(apology.new_due_at),
        "signer_title": signature_title(signer.position if signer else ""),
        "signer_name": _full_name(signer),
        "form_date": apology.issued_at,
    }


def _handover_row(handover) -> dict:
    return {
        "giver_unit": str(handover.giver_unit or DOTS),
        "receiver_unit": str(handover.receiver_unit or DOTS),
        "giver": _full_name(handover.giver),
        "receiver": _full_name(handover.receiver),
        "at_text": vn_datetime(handover.at),
        "result_label": str(handover.result_label),
        "note": handover.note,
    }


def _control(dossier: Dossier, *, handovers=None, **_) -> dict:
    rows = [_handover_row(h) for h in handovers or []]
    # Blank blocks for the hand-overs still to be written in by hand on the paper copy.
    blanks = 3 if not rows else (0 if dossier.returned_at else 1)
    original_due = dossier.original_due_at or dossier.due_at
    return {
        "handovers": rows,
        "blank_rows": range(blanks),
        "blank_at_text": vn_datetime(None),
        "received_text": vn_datetime(dossier.received_at),
        "due_text": vn_datetime(original_due),
        "new_due_text": vn_datetime(dossier.due_at) if dossier.due_at != original_due else "",
        "form_date": dossier.received_at,
    }


BUILDERS = {
    K.RECEIPT: _receipt,
    K.SUPPLEMENT: _supplement,
    K.REFUSAL: _refusal,
    K.APOLOGY: _apology,
    K.CONTROL: _control,
}


def dossier_form_context(
    dossier: Dossier, kind: str, *, handovers=None, printed_by=None, supplement=None
) -> dict:
    """What the template of form ``kind`` receives for ``dossier``."""
    if kind not in BUILDERS:
        raise ValueError(f"Không in được “{kind}” cho một hồ sơ.")
    form = FormTemplate.objects.get(regime_id=dossier.regime_id, kind=kind)
    context = BUILDERS[kind](dossier, handovers=handovers, supplement=supplement)
    one_stop = _one_stop_unit(dossier)
    return {
        "form": form,
        "dossier": dossier,
        "agency": dossier.agency,
        "procedure": dossier.procedure_version.procedure,
        "version": dossier.procedure_version,
        "one_stop_unit": one_stop,
        "one_stop_name": one_stop.name if one_stop else DOTS,
        "place_date": vn_place_date(dossier.agency, context["form_date"]),
        "dots": DOTS,
        "printed_by": printed_by,
        "printed_at": timezone.now(),
        "signatures": dossier_signatures(dossier),
        **context,
    }


def render_dossier_form(
    dossier: Dossier, kind: str, *, handovers=None, printed_by=None, supplement=None
) -> bytes:
    """The PDF of one-stop form ``kind`` (a :class:`FormTemplate.Kind`) for ``dossier``.

    ``handovers`` (Mẫu 05) are objects with ``giver_unit``, ``giver``, ``receiver_unit``,
    ``receiver``, ``at``, ``result_label`` and ``note``; ``supplement`` picks a request other
    than the latest for Mẫu 02. ``printed_by`` is who asked for the copy.
    """
    context = dossier_form_context(
        dossier, kind, handovers=handovers, printed_by=printed_by, supplement=supplement
    )
    return render_pdf(context["form"].template_name, context)
