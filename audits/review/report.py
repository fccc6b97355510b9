"""The ISO review report (PDF): built by a Celery job with progress, from the inputs compiled
on the review, its minutes and its actions; charts are inline SVG drawn here."""

from __future__ import annotations

import hashlib
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from qms.core import jobs
from qms.core.pdf import render_pdf
from qms.core.selectors import agency_current

from .models import ManagementReview
from .services import (
    REPORT_JOB,
    review_compile_inputs,
    review_report_of_job,
    review_report_save,
)


def bar_chart(rows: list[dict], *, maximum: float = 100.0, target: float | None = None, unit="%"):
    """A horizontal bar chart as SVG: one bar per row (``label``, ``value``), an optional
    target line. Safe to embed in the report."""
    rows = [r for r in rows if r.get("value") is not None][:25]
    if not rows:
        return ""
    width, label_w, bar_h, gap = 640, 260, 14, 6
    height = len(rows) * (bar_h + gap) + 24
    top = max([maximum, *[float(r["value"]) for r in rows]]) or 1
    scale = (width - label_w - 60) / top
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-size="9" font-family="serif">'
    ]
    for i, row in enumerate(rows):
        y = 10 + i * (bar_h + gap)
        value = float(row["value"])
        label = escape(str(row["label"])[:48])
        bar = max(value * scale, 0.5)
        colour = "#2e7d32" if target is None or value >= target else "#c62828"
        parts.append(f'<text x="{label_w - 6}" y="{y + 10}" text-anchor="end">{label}</text>')
        parts.append(
            f'<rect x="{label_w}" y="{y}" width="{bar:.1f}" height="{bar_h}" fill="{colour}"/>'
        )
        shown = f"{Decimal(str(value)):.2f}".replace(".", ",")
        parts.append(f'<text x="{label_w + bar + 4:.1f}" y="{y + 10}">{shown}{unit}</text>')
    if target is not None:
        x = label_w + target * scale
        parts.append(
            f'<line x1="{x:.1f}" y1="4" x2="{x:.1f}" y2="{height - 14}" stroke="#0d47a1" '
            'stroke-dasharray="4 2"/>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))


def review_signatures(review: ManagementReview) -> list[dict]:
    """The director's signatures on the review's reports, each checked against the review as
    it is now."""
    from qms.core.signatures import changed_fields, signature_valid, signatures_of

    from .services import report_content

    result = []
    if review.pk is None:
        return result
    current = report_content(review)
    for report in review.reports.all():
        for signature in signatures_of(report):
            valid = signature_valid(signature, current)
            result.append(
                {
                    "signature": signature,
                    "valid": valid,
                    "changed": [] if valid else changed_fields(signature, current),
                    "report": report,
                }
            )
    return result


def report_context(review: ManagementReview) -> dict:
    inputs = review.inputs or {}
    performance = inputs.get("process_performance", {})
    return {
        "agency": agency_current(),
        "review": review,
        "inputs": inputs,
        "actions": list(review.actions.select_related("owner_unit", "owner")) if review.pk else [],
        "chart_units": bar_chart(performance.get("by_unit", []), target=98),
        "chart_procedures": bar_chart(performance.get("by_procedure", []), target=98),
        "printed_at": timezone.localtime(),
        "signatures": review_signatures(review),
    }


def render_report(review: ManagementReview) -> bytes:
    return render_pdf("reviews/report_pdf.html", report_context(review))


@jobs.handler(REPORT_JOB, label=gettext_lazy("Báo cáo xem xét của lãnh đạo"))
def build_report(job, progress):
    """Idempotent per job: a run after a crash that followed the saving of the report returns
    that report's file and saves no second one (``review_report_save`` keeps one per job)."""
    review = ManagementReview.objects.get(pk=job.params["review"])
    name = f"bao-cao-xem-xet-lanh-dao-{review.period_from:%Y%m%d}-{review.period_to:%Y%m%d}.pdf"
    report = review_report_of_job(job)
    if report is None:
        progress(5, "Tổng hợp đầu vào từ dữ liệu")
        if not review.inputs:
            review = review_compile_inputs(actor=job.requested_by, review=review)
        progress(40, "Dựng báo cáo")
        content = render_report(review)
        progress(90, "Lưu báo cáo")
        with transaction.atomic():  # the report and the job's result, together or neither
            report = review_report_save(job=job, review=review, name=name, content=content)
            if report.sha256 == hashlib.sha256(content).hexdigest():
                jobs.job_complete(job, name=name, content=content)
                return name, content
    with report.file.open("rb") as stored:  # the one an earlier run of this job saved
        return name, stored.read()
