"""Demo internal audits, made through the services: five reusable checklists (clauses 7.5,
8.5, 8.7, 9.1, 10.2) and the 2024 programme covering every unit, field and internal process,
approved by the director, with three audits:

* 01/2024 — document control and the one-stop desk: conducted, reported and closed;
* 02/2024 — the environment field and corrective action: reported, one minor nonconformity
  still open (its corrective-action process is running);
* 03/2024 — the other units and fields, management review: planned.

The internal auditor ``danhgia`` leads the two audits already reported; the planned audit is
led by the head of the Phòng Môi trường, so no open audit has ``danhgia`` on its team (the
auditor's role stays read-only everywhere the team rule does not apply). Loading twice changes
nothing. People are invented.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from unittest import mock

from django.db import transaction
from django.utils import timezone

from procedures.models import ProcedureField
from qms.core.demo import DEMO_PASSWORD
from qms.core.models import OrgUnit, User

from . import services
from .models import Audit, AuditChecklistAnswer, AuditProgramme, Checklist, Finding

YEAR = 2024
R = AuditChecklistAnswer.Result
K = Finding.Kind

#: (title, clause, internal process, [(clause, question, evidence expected)])
CHECKLISTS = [
    (
        "Kiểm soát thông tin dạng văn bản",
        "7.5",
        "document_control",
        [
            (
                "7.5.2",
                "Tài liệu nội bộ (quy trình, biểu mẫu) có mã hiệu, lần ban hành, ngày hiệu lực "
                "và được người có thẩm quyền phê duyệt trước khi ban hành không?",
                "Danh mục tài liệu nội bộ; quyết định ban hành quy trình",
            ),
            (
                "7.5.3.1",
                "Tài liệu hiện hành có sẵn ở nơi sử dụng (trên hệ thống, tại Bộ phận Một cửa) "
                "không?",
                "Tài liệu trên hệ thống; tài liệu tại quầy tiếp nhận",
            ),
            (
                "7.5.3.2",
                "Tài liệu lỗi thời có được thu hồi hoặc đánh dấu để tránh sử dụng nhầm không?",
                "Sổ theo dõi thu hồi tài liệu; bản lỗi thời được đánh dấu",
            ),
            (
                "7.5.3.2",
                "Hồ sơ (phiếu kiểm soát, sổ theo dõi) có được lưu giữ đúng thời hạn và dễ tìm "
                "không?",
                "Danh mục hồ sơ và thời hạn lưu trữ; hồ sơ lưu năm trước",
            ),
            (
                "7.5.3.1",
                "Tài liệu có nguồn gốc bên ngoài (văn bản quy phạm pháp luật) có được cập nhật "
                "khi thay đổi không?",
                "Danh mục văn bản pháp luật áp dụng; ngày cập nhật",
            ),
        ],
    ),
    (
        "Thực hiện thủ tục hành chính",
        "8.5",
        "one_stop",
        [
            (
                "8.5.1",
                "Hồ sơ được tiếp nhận, kiểm tra thành phần và lập Giấy tiếp nhận hồ sơ và hẹn "
                "trả kết quả (Mẫu 01) đúng quy định không?",
                "Mẫu 01 của 05 hồ sơ chọn ngẫu nhiên",
            ),
            (
                "8.5.1",
                "Hồ sơ được chuyển cho phòng chuyên môn trong ngày (hoặc đầu giờ ngày làm việc "
                "tiếp theo) không?",
                "Phiếu kiểm soát quá trình giải quyết hồ sơ (Mẫu 05)",
            ),
            (
                "8.5.2",
                "Mỗi hồ sơ có mã số và truy được quá trình xử lý qua từng bước không?",
                "Sổ theo dõi hồ sơ (Mẫu 06); lịch sử xử lý trên hệ thống",
            ),
            (
                "8.5.3",
                "Giấy tờ của người dân (bản chính) được bảo quản và trả lại đầy đủ không?",
                "Biên nhận giao trả bản chính",
            ),
            (
                "8.5.1",
                "Kết quả được trả đúng hẹn; trường hợp trễ hạn có Phiếu xin lỗi và hẹn lại "
                "ngày trả (Mẫu 04) không?",
                "Danh sách hồ sơ trễ hạn; Mẫu 04",
            ),
        ],
    ),
    (
        "Kiểm soát đầu ra không phù hợp",
        "8.7",
        "corrective_action",
        [
            (
                "8.7.1",
                "Hồ sơ giải quyết trễ hạn có được nhận biết và ghi nhận là sự không phù hợp không?",
                "Danh sách sự không phù hợp; báo cáo tình hình giải quyết TTHC",
            ),
            (
                "8.7.1",
                "Hồ sơ có sai sót trong kết quả giải quyết được xử lý (đính chính, thu hồi, "
                "cấp lại) và thông báo cho người dân không?",
                "Văn bản đính chính; thông báo cho người dân",
            ),
            (
                "8.7.2",
                "Thông tin dạng văn bản về sự không phù hợp, hành động đã thực hiện và người "
                "quyết định có được lưu giữ không?",
                "Hồ sơ sự không phù hợp trên hệ thống",
            ),
        ],
    ),
    (
        "Theo dõi, đo lường và sự hài lòng",
        "9.1",
        "monitoring",
        [
            (
                "9.1.1",
                "Tỷ lệ hồ sơ giải quyết đúng hạn được theo dõi hằng tháng và so với mục tiêu "
                "chất lượng (≥ 98%) không?",
                "Báo cáo chỉ số theo Quyết định 766/QĐ-TTg",
            ),
            (
                "9.1.2",
                "Mức độ hài lòng của người dân được thu thập sau khi trả kết quả và được phân "
                "tích không?",
                "Kết quả đánh giá của người dân; báo cáo phân tích",
            ),
            (
                "9.1.3",
                "Kết quả theo dõi, đo lường có được đưa vào xem xét của lãnh đạo không?",
                "Biên bản họp xem xét của lãnh đạo",
            ),
        ],
    ),
    (
        "Sự không phù hợp và hành động khắc phục",
        "10.2",
        "corrective_action",
        [
            (
                "10.2.1",
                "Với mỗi sự không phù hợp, nguyên nhân gốc rễ có được phân tích (ví dụ 5 lần "
                "tại sao) không?",
                "Phiếu phân tích nguyên nhân",
            ),
            (
                "10.2.1",
                "Hành động khắc phục có người thực hiện, thời hạn và được thực hiện đúng hạn "
                "không?",
                "Kế hoạch hành động khắc phục; bằng chứng thực hiện",
            ),
            (
                "10.2.1",
                "Hiệu lực của hành động khắc phục có được kiểm tra trước khi đóng không?",
                "Kết quả kiểm tra hiệu lực",
            ),
            (
                "10.2.2",
                "Thông tin về bản chất sự không phù hợp và kết quả hành động khắc phục có được "
                "lưu giữ không?",
                "Hồ sơ sự không phù hợp đã đóng",
            ),
        ],
    ),
]

OBJECTIVES = (
    "Xác định hệ thống quản lý chất lượng theo TCVN ISO 9001:2015 của Sở được áp dụng, duy trì "
    "có hiệu lực và phù hợp với các quy định về giải quyết thủ tục hành chính; đánh giá mọi đơn "
    "vị, mọi lĩnh vực thủ tục hành chính và các quá trình nội bộ ít nhất một lần trong năm; "
    "phát hiện cơ hội cải tiến để đạt mục tiêu ≥ 98% hồ sơ giải quyết đúng hạn."
)


def _day(month, day, hour=8):
    return timezone.make_aware(dt.datetime(YEAR, month, day, hour, 0))


class _DatetimeMeta(type):
    def __instancecheck__(cls, obj):
        return isinstance(obj, dt.datetime)


@contextlib.contextmanager
def _clock_at(moment: dt.datetime):
    """``timezone.now()`` is ``moment`` inside the block, so a 2024 audit carries 2024 times
    (the same technique as the demo dossiers' clock)."""

    class FrozenDatetime(dt.datetime, metaclass=_DatetimeMeta):
        @classmethod
        def now(cls, tz=None):
            return moment.astimezone(tz) if tz else timezone.make_naive(moment)

    with mock.patch("django.utils.timezone.datetime", FrozenDatetime):
        yield


def _users(*usernames):
    return [User.objects.get(username=u) for u in usernames]


def _units(*codes):
    return [OrgUnit.objects.get(code=c) for c in codes]


def _fields(*codes):
    return list(ProcedureField.objects.filter(code__in=codes))


def load_demo_checklists(*, actor: User) -> dict[str, Checklist]:
    checklists = {}
    for title, clause, process, items in CHECKLISTS:
        checklist = Checklist.objects.filter(title=title).first()
        if checklist is None:
            checklist = services.checklist_create(
                actor=actor, title=title, clause=clause, internal_process=process, items=items
            )
        checklists[clause] = checklist
    return checklists


def _answer_all(audit, unit, actor, results: dict[str, tuple[str, str]]):
    """Answer every question of the audit at ``unit``: conform unless ``results`` (keyed by
    the question's clause) says otherwise."""
    from .selectors import audit_checklist_items

    answers = []
    for item in audit_checklist_items(audit):
        result, notes = results.get(item.clause, (R.CONFORM, ""))
        answers.append(services.AnswerInput(item=item, result=result, evidence_notes=notes))
    services.answers_record(actor=actor, audit=audit, unit=unit, answers=answers)


@transaction.atomic
def load_demo_internal_audits() -> AuditProgramme | None:
    """Create the demo programme once; return it (None without the demo organisation)."""
    existing = AuditProgramme.objects.filter(year=YEAR).first()
    if existing is not None:
        return existing
    if not User.objects.filter(username="thuky").exists():
        return None
    thuky, giamdoc, danhgia = _users("thuky", "giamdoc", "danhgia")

    with _clock_at(_day(1, 8)):
        checklists = load_demo_checklists(actor=thuky)
        programme = services.programme_create(actor=thuky, year=YEAR, objectives=OBJECTIVES)
        audit1 = services.audit_plan(
            actor=thuky,
            programme=programme,
            title="Kiểm soát tài liệu, hồ sơ và Bộ phận Một cửa",
            scope=(
                "Quá trình kiểm soát tài liệu, hồ sơ của Văn phòng Sở và quá trình tiếp nhận, "
                "trả kết quả tại Bộ phận Một cửa; hồ sơ từ 01/01/2024 đến 31/03/2024."
            ),
            clauses="7.5, 8.2, 8.5",
            criteria=(
                "TCVN ISO 9001:2015; Quy trình kiểm soát tài liệu QT-01, kiểm soát hồ sơ QT-02; "
                "Nghị định 61/2018/NĐ-CP và Nghị định 107/2021/NĐ-CP về thực hiện cơ chế một "
                "cửa, một cửa liên thông."
            ),
            planned_start=dt.date(YEAR, 4, 8),
            planned_end=dt.date(YEAR, 4, 12),
            lead_auditor=danhgia,
            members=_users("truongphong.datdai"),
            units=_units("van-phong", "mot-cua"),
            processes=["document_control", "one_stop"],
            checklists=[checklists["7.5"], checklists["8.5"]],
        )
        audit2 = services.audit_plan(
            actor=thuky,
            programme=programme,
            title="Lĩnh vực Môi trường và hành động khắc phục",
            scope=(
                "Giải quyết thủ tục hành chính lĩnh vực Môi trường tại Phòng Môi trường; kiểm "
                "soát hồ sơ trễ hạn, sự không phù hợp và hành động khắc phục; theo dõi, đo lường."
            ),
            clauses="8.5, 8.7, 9.1, 10.2",
            criteria=(
                "TCVN ISO 9001:2015; quy trình nội bộ các TTHC lĩnh vực Môi trường; Luật Bảo vệ "
                "môi trường số 72/2020/QH14; Nghị định 08/2022/NĐ-CP; Quyết định 766/QĐ-TTg."
            ),
            planned_start=dt.date(YEAR, 7, 15),
            planned_end=dt.date(YEAR, 7, 19),
            lead_auditor=danhgia,
            members=_users("chuyenvien.nuoc"),
            units=_units("moi-truong"),
            fields=_fields("moi-truong"),
            processes=["corrective_action", "monitoring"],
            checklists=[
                checklists["8.5"],
                checklists["8.7"],
                checklists["9.1"],
                checklists["10.2"],
            ],
        )
        services.audit_plan(
            actor=thuky,
            programme=programme,
            title="Các phòng chuyên môn còn lại, đơn vị tham mưu và xem xét của lãnh đạo",
            scope=(
                "Giải quyết TTHC các lĩnh vực Tài nguyên nước, Địa chất và khoáng sản, Khí tượng "
                "thủy văn, Đất đai, Biển và hải đảo; công tác của Thanh tra, Kế hoạch - Tài "
                "chính, Trung tâm CNTT; xem xét của lãnh đạo và đánh giá nội bộ."
            ),
            clauses="7.5, 8.5, 9.1, 9.2, 9.3",
            criteria=(
                "TCVN ISO 9001:2015; quy trình nội bộ các TTHC thuộc phạm vi; Quyết định "
                "19/2014/QĐ-TTg và Thông tư 26/2014/TT-BKHCN."
            ),
            planned_start=dt.date(YEAR, 10, 14),
            planned_end=dt.date(YEAR, 10, 25),
            lead_auditor=User.objects.get(username="truongphong"),
            members=_users("chuyenvien"),
            units=_units(
                "ban-giam-doc",
                "thanh-tra",
                "ke-hoach-tai-chinh",
                "trung-tam-cntt",
                "tai-nguyen-nuoc",
                "dat-dai",
                "bien-hai-dao",
            ),
            fields=_fields(
                "tai-nguyen-nuoc",
                "dia-chat-khoang-san",
                "dat-dai",
                "khi-tuong-thuy-van",
                "bien-hai-dao",
            ),
            processes=["internal_audit", "management_review"],
            checklists=[checklists["7.5"], checklists["8.5"], checklists["9.1"]],
        )

    with _clock_at(_day(1, 15, 9)):
        services.programme_approve(actor=giamdoc, programme=programme, password=DEMO_PASSWORD)

    _conduct_audit1(audit1, danhgia=danhgia, thuky=thuky)
    _conduct_audit2(audit2, danhgia=danhgia)
    programme.refresh_from_db()
    return programme


def _conduct_audit1(audit: Audit, *, danhgia, thuky):
    office, desk = _units("van-phong", "mot-cua")
    member = User.objects.get(username="truongphong.datdai")
    with _clock_at(_day(4, 8)):
        services.audit_start(actor=danhgia, audit=audit)
    with _clock_at(_day(4, 9, 10)):
        _answer_all(
            audit,
            office,
            danhgia,
            {
                "7.5.3.2": (
                    R.OBSERVATION,
                    "Sổ theo dõi thu hồi tài liệu ghi chưa đủ ngày thu hồi của 02 quy trình.",
                ),
            },
        )
        _answer_all(audit, desk, member, {})
        services.finding_record(
            actor=danhgia,
            audit=audit,
            unit=office,
            clause="7.5.2",
            kind=K.CONFORMITY,
            description="Tài liệu nội bộ có mã hiệu, lần ban hành và được phê duyệt đầy đủ.",
            evidence=(
                "Danh mục tài liệu nội bộ ngày 02/01/2024; Quyết định ban hành số 15/QĐ-STNMT."
            ),
        )
        services.finding_record(
            actor=danhgia,
            audit=audit,
            unit=office,
            clause="7.5.3.2",
            kind=K.OBSERVATION,
            description=(
                "Sổ theo dõi thu hồi tài liệu lỗi thời chưa ghi đủ ngày thu hồi; nguy cơ dùng "
                "nhầm bản cũ."
            ),
            evidence="Sổ theo dõi thu hồi: quy trình QT-MT-03 và QT-DD-07 không ghi ngày thu hồi.",
        )
        services.finding_record(
            actor=member,
            audit=audit,
            unit=desk,
            clause="8.5.1",
            kind=K.IMPROVEMENT,
            description=(
                "Có thể gửi tin nhắn báo trước ngày hẹn trả cho người dân để giảm số hồ sơ chờ "
                "nhận kết quả quá hạn."
            ),
            evidence="12 hồ sơ có kết quả nhưng người dân đến nhận sau ngày hẹn trên 05 ngày.",
        )
        services.report_save(
            actor=danhgia,
            audit=audit,
            summary=(
                "Đoàn đánh giá làm việc tại Văn phòng Sở ngày 08–09/4/2024 và tại Bộ phận Một "
                "cửa ngày 10–11/4/2024; kiểm tra 10 câu hỏi tại mỗi đơn vị, xem 25 hồ sơ chọn "
                "ngẫu nhiên."
            ),
            conclusions=(
                "Quá trình kiểm soát tài liệu, hồ sơ và tiếp nhận, trả kết quả được áp dụng phù "
                "hợp và có hiệu lực. Không có phát hiện không phù hợp; 01 điểm cần lưu ý và 01 "
                "cơ hội cải tiến."
            ),
            recommendations="Văn phòng Sở bổ sung ngày thu hồi trong sổ theo dõi trước 30/4/2024.",
        )
    with _clock_at(_day(4, 12, 16)):
        services.report_sign(actor=danhgia, audit=audit, password=DEMO_PASSWORD)
    with _clock_at(_day(4, 26, 10)):
        services.audit_close(actor=thuky, audit=audit)


def _conduct_audit2(audit: Audit, *, danhgia):
    (environment,) = _units("moi-truong")
    member = User.objects.get(username="chuyenvien.nuoc")
    with _clock_at(_day(7, 15)):
        services.audit_start(actor=danhgia, audit=audit)
    with _clock_at(_day(7, 17, 14)):
        _answer_all(
            audit,
            environment,
            member,
            {
                "10.2.1": (
                    R.NONCONFORM,
                    "02 hồ sơ trễ hạn quý II/2024 chưa có phân tích nguyên nhân và hành động "
                    "khắc phục.",
                ),
                "9.1.2": (R.OBSERVATION, "Chưa phân tích ý kiến không hài lòng của quý II."),
            },
        )
        answer = AuditChecklistAnswer.objects.filter(
            audit=audit, unit=environment, result=R.NONCONFORM
        ).first()
        services.finding_record(
            actor=danhgia,
            audit=audit,
            unit=environment,
            clause="8.5.1",
            kind=K.CONFORMITY,
            description="Hồ sơ được thẩm định, trình ký theo đúng các bước của quy trình nội bộ.",
            evidence="05 hồ sơ cấp giấy phép môi trường tháng 6/2024.",
        )
        services.finding_record(
            actor=danhgia,
            audit=audit,
            unit=environment,
            clause="10.2.1",
            kind=K.MINOR_NC,
            description=(
                "Hồ sơ giải quyết trễ hạn chưa được phân tích nguyên nhân và chưa có hành động "
                "khắc phục để phòng ngừa tái diễn."
            ),
            evidence=(
                "02 hồ sơ thủ tục cấp giấy phép môi trường trễ hạn trong quý II/2024 có Phiếu "
                "xin lỗi nhưng không có phiếu phân tích nguyên nhân."
            ),
            answer=answer,
        )
        services.finding_record(
            actor=member,
            audit=audit,
            unit=environment,
            clause="9.1.2",
            kind=K.OBSERVATION,
            description="Ý kiến không hài lòng của người dân chưa được tổng hợp, phân tích.",
            evidence="03 đánh giá “không hài lòng” trong quý II/2024 chưa có báo cáo phân tích.",
        )
        services.report_save(
            actor=danhgia,
            audit=audit,
            summary=(
                "Đoàn đánh giá làm việc tại Phòng Môi trường từ 15 đến 19/7/2024; xem 15 hồ sơ "
                "lĩnh vực Môi trường và hồ sơ sự không phù hợp, hành động khắc phục."
            ),
            conclusions=(
                "Việc giải quyết TTHC lĩnh vực Môi trường cơ bản phù hợp quy trình nội bộ. Có 01 "
                "điểm không phù hợp nhẹ (điều 10.2.1) và 01 điểm cần lưu ý (điều 9.1.2)."
            ),
            recommendations=(
                "Phòng Môi trường phân tích nguyên nhân các hồ sơ trễ hạn và thực hiện hành động "
                "khắc phục; Thư ký ISO theo dõi đến khi đóng."
            ),
        )
    with _clock_at(_day(7, 19, 16)):
        services.report_sign(actor=danhgia, audit=audit, password=DEMO_PASSWORD)
