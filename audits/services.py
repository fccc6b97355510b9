"""Writes of the audits app."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from procedures.models import Dossier
from qms.core import auditlog

from .models import Nonconformity

NONCONFORMITY_RAISE = auditlog.action(
    "nonconformity.raise", gettext_lazy("Ghi nhận sự không phù hợp")
)


@transaction.atomic
def nonconformity_raise_for_late_dossier(*, dossier: Dossier) -> Nonconformity:
    """A dossier finished after its appointment is a nonconforming output (ISO 9001 8.7):
    record it once, against the handling unit. Raising again returns the same record."""
    existing = Nonconformity.objects.filter(
        dossier=dossier, source=Nonconformity.Source.LATE_DOSSIER
    ).first()
    if existing:
        return existing
    due = timezone.localtime(dossier.legal_due_at)
    finished = timezone.localtime(dossier.finished_at)
    apology = getattr(dossier, "apology", None)
    nonconformity = Nonconformity(
        source=Nonconformity.Source.LATE_DOSSIER,
        unit=dossier.handling_unit,
        dossier=dossier,
        title=_("Hồ sơ %(code)s giải quyết trễ hạn") % {"code": dossier.code},
        description=_(
            "Thủ tục: %(procedure)s. Hẹn trả: %(due)s; xử lý xong: %(finished)s. %(apology)s"
        )
        % {
            "procedure": dossier.procedure_version.procedure.name,
            "due": due.strftime("%d/%m/%Y"),
            "finished": finished.strftime("%H:%M %d/%m/%Y"),
            "apology": (
                _("Đã có phiếu xin lỗi, hẹn lại ngày %(day)s.")
                % {"day": timezone.localtime(apology.new_due_at).strftime("%d/%m/%Y")}
                if apology
                else _("Không có phiếu xin lỗi.")
            ),
        },
        raised_at=timezone.now(),
    )
    nonconformity.full_clean()
    nonconformity.save()
    auditlog.record(
        actor=None,
        action=NONCONFORMITY_RAISE,
        obj=nonconformity,
        unit=nonconformity.unit,
        after=auditlog.snapshot(nonconformity),
        reason=_("Tự động: hồ sơ %(code)s giải quyết trễ hạn.") % {"code": dossier.code},
    )
    return nonconformity
