"""Demo controlled documents of the Sóc Trăng department, for `make run`.

- Every demo procedure version's internal process is registered as a controlled document
  (kind "Quy trình", linked to the version), issued by the provincial decision approving it.
- The quality manual, the quality policy (version 01 issued in 2022 and superseded today by
  version 02) and the document-control procedure are drafted by the ISO secretary, reviewed
  and approved by the leaders through the real pages (the document-control procedure was sent
  back once), so their approvals are electronic signatures.
- The internal-audit procedure was issued eleven months ago: its periodic review is due within
  30 days. The nonconformity procedure waits for the director's signature and the
  environment unit's work instruction for its head's review.

Loading twice changes nothing. Contents are illustrations [dữ liệu trình diễn].
"""

from __future__ import annotations

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from procedures.models import ProcedureVersion
from qms.core.demo import DEMO_PASSWORD
from qms.core.models import OrgUnit, Role, User
from qms.core.pdf import render_pdf
from qms.core.selectors import agency_current

from . import selectors, services
from .models import ControlledDocument, DocumentVersion

K = ControlledDocument.Kind
FLOW = "/workflow/flows/document"
DEMO_NOTE = "[dữ liệu trình diễn]"

MANUAL_SECTIONS = [
    (
        "Giới thiệu",
        [
            "Sổ tay chất lượng mô tả hệ thống quản lý chất lượng theo TCVN ISO 9001:2015 của "
            "Sở, áp dụng cho việc giải quyết thủ tục hành chính và các hoạt động nội bộ.",
        ],
    ),
    (
        "Phạm vi áp dụng",
        [
            "Các thủ tục hành chính thuộc thẩm quyền giải quyết của Sở trong các lĩnh vực môi "
            "trường, tài nguyên nước, khoáng sản, đất đai, khí tượng thủy văn, biển và hải đảo.",
        ],
    ),
    (
        "Hệ thống tài liệu",
        [
            "Chính sách và mục tiêu chất lượng, các quy trình hệ thống, quy trình nội bộ giải "
            "quyết thủ tục hành chính, hướng dẫn công việc và biểu mẫu.",
        ],
    ),
]
POLICY_SECTIONS = [
    (
        "Chính sách chất lượng",
        [
            "Công khai, minh bạch thủ tục hành chính; giải quyết hồ sơ đúng hạn, đúng quy định; "
            "lấy sự hài lòng của người dân, doanh nghiệp làm thước đo chất lượng phục vụ.",
        ],
    ),
]


def _pdf(code, title, version, sections, *, steps=(), issued=None) -> SimpleUploadedFile:
    agency = agency_current()
    content = render_pdf(
        "documents/demo_file.html",
        {
            "agency": agency.name if agency else "",
            "code": code,
            "title": title,
            "version": version,
            "issued": issued.strftime("%d/%m/%Y") if issued else "",
            "sections": sections,
            "steps": steps,
        },
    )
    return SimpleUploadedFile(f"{code}.pdf", content, content_type="application/pdf")


def _user(username) -> User:
    return User.objects.get(username=username)


def _unit(code) -> OrgUnit:
    return OrgUnit.objects.get(code=code)


# --- internal processes of the procedure catalogue ------------------------------------------


def _steps(version: ProcedureVersion) -> list[dict]:
    return [
        {
            "order": step.order,
            "title": step.title,
            "unit": step.unit.name,
            "role": Role(step.responsible_role).label,
            "time": f"{step.time_value.normalize():f} {step.get_time_unit_display()}".replace(
                ".", ","
            ),
        }
        for step in version.steps.select_related("responsible_unit", "version__handling_unit")
    ]


def backfill_internal_processes(*, actor: User) -> int:
    """Register each procedure version's internal process as a controlled document (kind
    "Quy trình", linked to the version) unless it already is one."""
    made = 0
    versions = ProcedureVersion.objects.select_related("procedure", "handling_unit").order_by(
        "procedure__field__name", "procedure__name", "version"
    )
    for number, version in enumerate(versions, start=1):
        if selectors.document_for_procedure_version(version) is not None:
            continue
        procedure = version.procedure
        title = f"Quy trình nội bộ giải quyết TTHC: {procedure.name}"
        reference = version.internal_process_decision or (
            f"Quyết định phê duyệt quy trình nội bộ của Chủ tịch UBND tỉnh {DEMO_NOTE}"
        )
        earlier = (
            DocumentVersion.objects.filter(procedure_version__procedure=procedure)
            .select_related("document")
            .first()
        )
        if earlier is not None:
            document, new_document, code = earlier.document, None, earlier.document.code
        else:
            code = f"QTNB.{number:02d}"
            while ControlledDocument.objects.filter(code=code).exists():
                number += 100
                code = f"QTNB.{number:02d}"
            document = None
            new_document = services.DocumentFields(
                code=code,
                title=title,
                kind=K.PROCEDURE,
                owner_unit=version.handling_unit,
                # Revised whenever the procedure changes; otherwise reviewed every 5 years.
                review_period_months=60,
                retention_years=5,
                retention_note="Hồ sơ giải quyết TTHC lưu tại đơn vị giải quyết",
            )
        services.document_register_issued(
            actor=actor,
            document=document,
            new_document=new_document,
            content=services.VersionFields(
                version=f"{version.version:02d}",
                title=title,
                file=_pdf(
                    code,
                    title,
                    f"{version.version:02d}",
                    [
                        ("Mục đích", [f"Quy định trình tự giải quyết thủ tục {procedure}."]),
                        ("Căn cứ pháp lý", [version.legal_basis]),
                        (
                            "Thời hạn giải quyết",
                            [version.time_limit_display, version.time_limit_note],
                        ),
                        ("Trình tự thực hiện", []),
                    ],
                    steps=_steps(version),
                    issued=version.valid_from,
                ),
                change_summary=(
                    f"Quy trình nội bộ của {procedure} (phiên bản thủ tục {version.version}), "
                    f"áp dụng từ {version.valid_from:%d/%m/%Y}."
                ),
                distribution=[version.handling_unit, _unit("mot-cua")],
                procedure_version=version,
            ),
            effective_from=min(version.valid_from, timezone.localdate()),
            approval_reference=reference,
        )
        made += 1
    return made


# --- the system documents, through the real pages --------------------------------------------


class DemoDesk:
    """Drives the document pages as the demo users, as the office would."""

    def __init__(self):
        self.client = Client(SERVER_NAME="127.0.0.1", raise_request_exception=True)

    def as_user(self, username):
        self.client.force_login(_user(username))
        return self

    def draft_new(self, *, code, title, kind, unit, sections, distribution=(), **extra):
        data = {
            "code": code,
            "document_title": title,
            "kind": kind,
            "owner_unit": _unit(unit).pk,
            "review_period_months": extra.get("review_period_months", 12),
            "retention_years": extra.get("retention_years", ""),
            "retention_note": extra.get("retention_note", ""),
            "version": extra.get("version", "01"),
            "file": _pdf(code, title, extra.get("version", "01"), sections),
            "change_summary": extra.get("summary", "Ban hành lần đầu."),
            "distribution": [_unit(u).pk for u in distribution],
        }
        self._post(f"{FLOW}/draft_new/", data)
        return DocumentVersion.objects.get(document__code=code, status__in=DocumentVersion.IN_WORK)

    def draft_revision(self, document, *, version, summary, sections, distribution=()):
        data = {
            "document": document.pk,
            "version": version,
            "title": "",
            "file": _pdf(document.code, document.title, version, sections),
            "change_summary": summary,
            "distribution": [_unit(u).pk for u in distribution],
        }
        self._post(f"{FLOW}/draft_revision/", data)
        return DocumentVersion.objects.get(document=document, status__in=DocumentVersion.IN_WORK)

    def do(self, version, data):
        task = Task.objects.get(
            process__artifact_content_type=ContentType.objects.get_for_model(DocumentVersion),
            process__artifact_object_id=version.pk,
            status__in=[STATUS.NEW, STATUS.ASSIGNED],
            flow_task_type="HUMAN",
        )
        base = f"{FLOW}/{task.process_id}/{task.flow_task.name}/{task.pk}"
        if task.status == STATUS.NEW:
            self._post(f"{base}/assign/", {})
        self._post(f"{base}/execute/", data)
        version.refresh_from_db()
        return self

    def _post(self, url, data):
        response = self.client.post(url, data)
        if response.status_code != 302:
            errors = getattr(response, "context", None) and response.context.get("form")
            raise RuntimeError(
                f"Không thực hiện được {url} ({response.status_code}): "
                f"{errors.errors if errors else ''}"
            )


AGREE = {"decision": "agree", "comment": ""}


def _approve(today):
    return {
        "decision": "approve",
        "effective_from": today.isoformat(),
        "comment": "Ban hành.",
        "password": DEMO_PASSWORD,
    }


def load_demo_documents() -> int:
    """Create the demo documents once; return how many documents were made."""
    quality = _user("thuky")
    made = backfill_internal_processes(actor=quality)
    if ControlledDocument.objects.filter(code="STCL").exists():
        return made
    today = timezone.localdate()
    desk = DemoDesk()

    policy = services.document_register_issued(
        actor=quality,
        new_document=services.DocumentFields(
            code="CSCL", title="Chính sách chất lượng", kind=K.POLICY, owner_unit=_unit("van-phong")
        ),
        content=services.VersionFields(
            version="01",
            title="Chính sách chất lượng",
            file=_pdf("CSCL", "Chính sách chất lượng", "01", POLICY_SECTIONS),
            change_summary="Ban hành lần đầu chính sách chất lượng.",
        ),
        effective_from=dt.date(2022, 1, 10),
        approval_reference=f"Quyết định số 05/QĐ-STNMT ngày 05/01/2022 {DEMO_NOTE}",
    ).document
    audit_from = services.add_months(today, -12) + dt.timedelta(days=20)
    services.document_register_issued(
        actor=quality,
        new_document=services.DocumentFields(
            code="QT.02",
            title="Quy trình đánh giá nội bộ",
            kind=K.PROCEDURE,
            owner_unit=_unit("van-phong"),
            retention_years=5,
            retention_note="Hồ sơ đánh giá nội bộ lưu tại Văn phòng Sở (Thư ký ISO)",
        ),
        content=services.VersionFields(
            version="01",
            title="Quy trình đánh giá nội bộ",
            file=_pdf(
                "QT.02",
                "Quy trình đánh giá nội bộ",
                "01",
                [("Mục đích", ["Lập chương trình, kế hoạch và thực hiện đánh giá nội bộ."])],
            ),
            change_summary="Ban hành lần đầu.",
        ),
        effective_from=audit_from,
        approval_reference=f"Quyết định số 112/QĐ-STNMT {DEMO_NOTE}",
    )

    manual = desk.as_user("thuky").draft_new(
        code="STCL",
        title="Sổ tay chất lượng",
        kind=K.MANUAL,
        unit="van-phong",
        sections=MANUAL_SECTIONS,
        review_period_months=12,
    )
    desk.as_user("phogiamdoc").do(manual, AGREE)
    desk.as_user("giamdoc").do(manual, _approve(today))

    policy_v2 = desk.as_user("thuky").draft_revision(
        policy,
        version="02",
        summary="Bổ sung cam kết chuyển đổi số, giải quyết hồ sơ trực tuyến (ISO điện tử).",
        sections=POLICY_SECTIONS,
    )
    desk.as_user("phogiamdoc").do(policy_v2, AGREE)
    desk.as_user("giamdoc").do(policy_v2, _approve(today))

    control = desk.as_user("thuky").draft_new(
        code="QT.01",
        title="Quy trình kiểm soát tài liệu",
        kind=K.PROCEDURE,
        unit="van-phong",
        sections=[("Mục đích", ["Kiểm soát việc soạn thảo, phê duyệt, ban hành tài liệu."])],
    )
    desk.as_user("phogiamdoc").do(
        control,
        {"decision": "send_back", "comment": "Bổ sung bước xem xét định kỳ và thu hồi tài liệu."},
    )
    desk.as_user("thuky").do(
        control,
        {
            "action": "resubmit",
            "version": "01",
            "title": "Quy trình kiểm soát tài liệu",
            "change_summary": "Ban hành lần đầu; có xem xét định kỳ và thu hồi tài liệu lỗi thời.",
            "comment": "Đã bổ sung theo ý kiến.",
        },
    )
    desk.as_user("phogiamdoc").do(control, AGREE)
    desk.as_user("giamdoc").do(control, _approve(today))

    nonconformity = desk.as_user("thuky").draft_new(
        code="QT.03",
        title="Quy trình kiểm soát sự không phù hợp và hành động khắc phục",
        kind=K.PROCEDURE,
        unit="van-phong",
        sections=[("Mục đích", ["Xử lý sự không phù hợp, tìm nguyên nhân, khắc phục."])],
        retention_years=3,
    )
    desk.as_user("phogiamdoc").do(nonconformity, AGREE)  # waits for the director's signature

    desk.as_user("chuyenvien").draft_new(
        code="HD.MT.01",
        title="Hướng dẫn thẩm định hồ sơ cấp giấy phép môi trường",
        kind=K.INSTRUCTION,
        unit="moi-truong",
        sections=[("Nội dung", ["Trình tự kiểm tra hồ sơ, kiểm tra thực tế cơ sở."])],
        distribution=["moi-truong", "mot-cua"],
    )  # waits for the head of the environment unit
    return made + 6
