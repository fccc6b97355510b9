"""Reads of the internal audit cycle: who may do what, what each user may see, the
programme's coverage, the follow-up of findings, and what each e-signature vouches for."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy

from procedures.models import ProcedureField
from qms.core.models import Membership, OrgUnit, Role, Signature, User
from qms.core.selectors import units_visible_to, user_sees_all_units
from qms.core.signatures import changed_fields, signature_valid, signatures_of

from .models import (
    Audit,
    AuditChecklistAnswer,
    AuditProgramme,
    AuditTeamMember,
    ChecklistItem,
    Finding,
    InternalProcess,
    ProgrammeItem,
)

PURPOSE_PROGRAMME = "internal_audit.programme"
PURPOSE_REPORT = "internal_audit.report"


# Who may do what -------------------------------------------------------------------------------


def has_role(user: User, role: str) -> bool:
    """Whether ``user`` holds ``role`` in some unit (roles are granted by membership)."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and Membership.objects.filter(user=user, role=role).exists()
    )


def is_quality_manager(user: User) -> bool:
    """The ISO secretary plans programmes, audits and checklists and closes audits."""
    return has_role(user, Role.QUALITY_MANAGER)


def is_director(user: User) -> bool:
    """The department's leaders approve the yearly programme."""
    return has_role(user, Role.DIRECTOR)


def team_user_ids(audit: Audit) -> list[int]:
    """The lead auditor first, then the members."""
    return [audit.lead_auditor_id, *audit.members.values_list("user_id", flat=True)]


def is_on_team(user: User, audit: Audit) -> bool:
    """Writing an audit's records is a right of its team, not of a role: the internal auditor
    role reads everything and writes nothing unless its holder is on *this* audit's team."""
    if not (user.is_authenticated and user.is_active):
        return False
    return audit.lead_auditor_id == user.pk or audit.members.filter(user=user).exists()


def independence_conflicts(*, user_ids, unit_ids) -> list[Membership]:
    """The memberships that make a team member audit their own unit (ISO 9001 9.2.2 c)."""
    return list(
        Membership.objects.filter(user_id__in=list(user_ids), unit_id__in=list(unit_ids))
        .select_related("user", "unit")
        .order_by("user__last_name", "user__first_name", "unit__order")
    )


# What each user sees ---------------------------------------------------------------------------


def audits_visible_to(user: User) -> QuerySet[Audit]:
    """All audits for leaders, the quality manager and auditors; otherwise the audits of the
    user's units and those whose team the user is on."""
    audits = Audit.objects.select_related("programme", "lead_auditor")
    if not user.is_authenticated:
        return audits.none()
    if user_sees_all_units(user):
        return audits
    ids = Audit.objects.filter(
        Q(items__unit__in=units_visible_to(user)) | Q(lead_auditor=user) | Q(members__user=user)
    ).values("pk")
    return audits.filter(pk__in=ids)


def sees_whole_audit(user: User, audit: Audit) -> bool:
    """Every finding, answer and the report: leaders, quality manager, auditors, the team.
    A member of an audited unit sees only the findings of their own unit."""
    return user_sees_all_units(user) or is_on_team(user, audit)


def findings_visible_to(user: User) -> QuerySet[Finding]:
    findings = Finding.objects.select_related(
        "audit__programme", "unit", "nonconformity", "recorded_by"
    )
    if not user.is_authenticated:
        return findings.none()
    if user_sees_all_units(user):
        return findings
    ids = Finding.objects.filter(
        Q(unit__in=units_visible_to(user))
        | Q(audit__lead_auditor=user)
        | Q(audit__members__user=user)
    ).values("pk")
    return findings.filter(pk__in=ids)


def audit_findings_for(user: User, audit: Audit) -> QuerySet[Finding]:
    findings = audit.findings.select_related("unit", "nonconformity", "recorded_by")
    if sees_whole_audit(user, audit):
        return findings
    return findings.filter(unit__in=units_visible_to(user))


# The audit's content ---------------------------------------------------------------------------


def audit_units(audit: Audit) -> list[OrgUnit]:
    return [i.unit for i in audit.items.filter(unit__isnull=False).select_related("unit")]


def audit_scope(audit: Audit) -> dict:
    """Units, fields and internal processes of ``audit`` (one query)."""
    units, fields, processes = [], [], []
    for item in audit.items.select_related("unit", "field").order_by("id"):
        if item.unit_id:
            units.append(item.unit)
        elif item.field_id:
            fields.append(item.field)
        else:
            processes.append(item.get_internal_process_display())
    return {"units": units, "fields": fields, "processes": processes}


def audit_team(audit: Audit) -> list[User]:
    members = [m.user for m in audit.members.select_related("user").order_by("id")]
    return [audit.lead_auditor, *members]


def audit_checklist_items(audit: Audit) -> list[ChecklistItem]:
    return list(
        ChecklistItem.objects.filter(checklist__uses__audit=audit)
        .select_related("checklist")
        .order_by("checklist__clause", "checklist__title", "order")
    )


def audit_answers(audit: Audit, unit: OrgUnit) -> dict[int, AuditChecklistAnswer]:
    return {a.item_id: a for a in audit.answers.filter(unit=unit).select_related("answered_by")}


def open_nonconformity_findings(audit: Audit) -> list[Finding]:
    """The nonconformity findings whose nonconformity is not closed yet (what keeps the audit
    open)."""
    return [
        f
        for f in audit.findings.filter(kind__in=Finding.NONCONFORMITIES).select_related(
            "unit", "nonconformity"
        )
        if not f.is_closed
    ]


# Coverage of the programme ---------------------------------------------------------------------

PLANNED, AUDITED, NOT_COVERED = "planned", "audited", "not_covered"
DONE_STATUSES = {Audit.Status.REPORTED, Audit.Status.CLOSED}
COVERAGE_LABELS = {
    AUDITED: gettext_lazy("Đã đánh giá"),
    PLANNED: gettext_lazy("Đã lên kế hoạch"),
    NOT_COVERED: gettext_lazy("Chưa bao quát"),
}


@dataclass
class CoverageRow:
    kind: str  # "unit", "field" or "process"
    label: str
    detail: str = ""
    audits: list = field(default_factory=list)
    cells: list = field(default_factory=list)

    @property
    def status(self) -> str:
        """Audited (an audit covering it is reported or closed), planned, or not covered."""
        if any(a.status in DONE_STATUSES for a in self.audits):
            return AUDITED
        return PLANNED if self.audits else NOT_COVERED

    @property
    def status_label(self) -> str:
        return str(COVERAGE_LABELS[self.status])


def programme_coverage(programme: AuditProgramme) -> dict:
    """Every active unit, every field of procedures and every internal process with the
    programme's audits that cover it: audited (an audit reported or closed), planned, or not
    covered. Four queries whatever the size of the programme."""
    audits = {a.pk: a for a in programme.audits.all()}
    by_unit, by_field, by_process = {}, {}, {}
    for item in ProgrammeItem.objects.filter(audit__programme=programme).order_by("audit__number"):
        audit = audits[item.audit_id]
        if item.unit_id:
            by_unit.setdefault(item.unit_id, []).append(audit)
        elif item.field_id:
            by_field.setdefault(item.field_id, []).append(audit)
        else:
            by_process.setdefault(item.internal_process, []).append(audit)
    units = [
        CoverageRow("unit", u.name, u.get_kind_display(), by_unit.get(u.pk, []))
        for u in OrgUnit.objects.filter(is_active=True).order_by("order", "name")
    ]
    fields = [
        CoverageRow("field", f.name, _field_detail(f), by_field.get(f.pk, []))
        for f in ProcedureField.objects.select_related("handling_unit")
        .annotate(procedures_count=Count("procedures"))
        .order_by("name")
    ]
    processes = [
        CoverageRow("process", label, "", by_process.get(value, []))
        for value, label in InternalProcess.choices
    ]
    rows = units + fields + processes
    columns = sorted(audits.values(), key=lambda a: a.number)
    for row in rows:
        row.cells = [audit in row.audits for audit in columns]
    totals = {
        status: sum(1 for r in rows if r.status == status)
        for status in (AUDITED, PLANNED, NOT_COVERED)
    }
    covered = totals[AUDITED] + totals[PLANNED]
    return {
        "audits": columns,
        "units": units,
        "fields": fields,
        "processes": processes,
        "totals": totals,
        "total": len(rows),
        "covered_percent": round(100 * covered / len(rows)) if rows else 0,
        "complete": totals[NOT_COVERED] == 0,
    }


def _field_detail(procedure_field) -> str:
    unit = procedure_field.handling_unit.name if procedure_field.handling_unit_id else ""
    count = f"{procedure_field.procedures_count} TTHC"
    return f"{count} · {unit}" if unit else count


# Follow-up -------------------------------------------------------------------------------------


def follow_up(findings: QuerySet[Finding], *, open_only: bool = False) -> list[Finding]:
    """Findings that need follow-up (the nonconformities), with their nonconformity loaded."""
    rows = list(
        findings.filter(kind__in=Finding.NONCONFORMITIES).order_by(
            "-audit__programme__year", "audit__number", "number"
        )
    )
    return [f for f in rows if not (open_only and f.is_closed)]


# What the signatures vouch for ------------------------------------------------------------------


def programme_content(programme: AuditProgramme) -> dict:
    """The approved programme: its objectives and every audit's plan (not their progress)."""
    audits = (
        programme.audits.order_by("number")
        .select_related("lead_auditor")
        .prefetch_related(
            Prefetch("items", queryset=ProgrammeItem.objects.order_by("id")),
            Prefetch("members", queryset=AuditTeamMember.objects.order_by("id")),
        )
    )
    return {
        "year": programme.year,
        "title": programme.title,
        "objectives": programme.objectives,
        "audits": [
            {
                "number": a.number,
                "title": a.title,
                "scope": a.scope,
                "clauses": a.clauses,
                "criteria": a.criteria,
                "planned_start": a.planned_start,
                "planned_end": a.planned_end,
                "lead_auditor": a.lead_auditor_id,
                "members": sorted(m.user_id for m in a.members.all()),
                "units": sorted(i.unit_id for i in a.items.all() if i.unit_id),
                "fields": sorted(i.field_id for i in a.items.all() if i.field_id),
                "processes": sorted(
                    i.internal_process for i in a.items.all() if i.internal_process
                ),
            }
            for a in audits
        ],
    }


def report_content(audit: Audit) -> dict:
    """The signed report: the audit's plan, the report's text and the findings table."""
    report = audit.report
    scope = audit_scope(audit)
    return {
        "audit": audit.code,
        "title": audit.title,
        "scope": audit.scope,
        "clauses": audit.clauses,
        "criteria": audit.criteria,
        "planned_start": audit.planned_start,
        "planned_end": audit.planned_end,
        "units": [u.pk for u in scope["units"]],
        "team": team_user_ids(audit),
        "summary": report.summary,
        "conclusions": report.conclusions,
        "recommendations": report.recommendations,
        "findings": [
            {
                "number": f.number,
                "unit": f.unit_id,
                "clause": f.clause,
                "kind": f.kind,
                "description": f.description,
                "evidence": f.evidence,
            }
            for f in audit.findings.order_by("number")
        ],
    }


def _checked(signatures, current: dict) -> list[dict]:
    result = []
    for signature in signatures:
        valid = signature_valid(signature, current)
        result.append(
            {
                "signature": signature,
                "valid": valid,
                "changed": [] if valid else changed_fields(signature, current),
            }
        )
    return result


def programme_signatures(programme: AuditProgramme) -> list[dict]:
    signatures = list(signatures_of(programme).filter(purpose=PURPOSE_PROGRAMME))
    return _checked(signatures, programme_content(programme)) if signatures else []


def programme_approval_valid(programme: AuditProgramme) -> bool:
    """Approved, and the latest approval still covers what the programme says."""
    if programme.status != AuditProgramme.Status.APPROVED:
        return False
    signatures = programme_signatures(programme)
    return bool(signatures) and signatures[-1]["valid"]


def report_signatures(audit: Audit) -> list[dict]:
    if not hasattr(audit, "report"):
        return []
    signatures = list(signatures_of(audit.report).filter(purpose=PURPOSE_REPORT))
    return _checked(signatures, report_content(audit)) if signatures else []


def report_signature_meaning() -> str:
    return Signature.Meaning.AUTHORED
