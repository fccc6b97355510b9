"""The yearly report on building, applying, maintaining and improving the quality management
system (QĐ 19/2014/QĐ-TTg art. 4, TT 26/2014/TT-BKHCN), sent to the Sở Khoa học và Công nghệ:
every figure is counted from the records of the year."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from audits import indicators
from audits.documents.models import DocumentVersion
from audits.internal.models import Audit, Finding
from audits.models import Nonconformity
from qms.core.pdf import render_pdf
from qms.core.selectors import agency_current

from .models import ConformityAnnouncement, ManagementReview


def annual_figures(year: int) -> dict:
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    in_force = (
        ConformityAnnouncement.objects.filter(decision_date__lte=last)
        .filter(Q(replaced_by__isnull=True) | Q(replaced_by__decision_date__gt=last))
        .order_by("-decision_date", "-pk")
        .first()
    )
    audits = Audit.objects.filter(planned_start__year=year).exclude(status=Audit.Status.PLANNED)
    findings = Finding.objects.filter(audit__in=audits)
    raised = Nonconformity.objects.filter(raised_at__year=year)
    return {
        "year": year,
        "announcement": in_force,
        "announcements_in_year": list(
            ConformityAnnouncement.objects.filter(decision_date__year=year).order_by(
                "decision_date"
            )
        ),
        "procedures_in_scope": in_force.procedures.count() if in_force else 0,
        "documents_effective": DocumentVersion.objects.filter(effective_from__year=year).count(),
        "audits": audits.count(),
        "findings": {
            str(label): findings.filter(kind=value).count() for value, label in Finding.Kind.choices
        },
        "reviews": ManagementReview.objects.filter(meeting_date__year=year).count(),
        "nonconformities_raised": raised.count(),
        "nonconformities_closed": Nonconformity.objects.filter(closed_at__year=year).count(),
        "on_time": indicators.compute("on_time_rate", date_from=first, date_to=last),
        "satisfaction": indicators.compute("satisfaction_rate", date_from=first, date_to=last),
        "online": indicators.compute("online_rate", date_from=first, date_to=last),
    }


def render_annual_report(year: int) -> bytes:
    return render_pdf(
        "reviews/annual_report_pdf.html",
        {"agency": agency_current(), "f": annual_figures(year), "printed_at": timezone.localtime()},
    )
