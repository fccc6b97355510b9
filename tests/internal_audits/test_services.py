"""The internal audit cycle through its services: independence, coverage, approval, checklists
reused, findings opening nonconformities, the signed report, closing only when every
nonconformity is closed, and bad input refused with nothing written."""

import datetime as dt
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from audits import services as audits_services
from audits.internal import selectors, services
from audits.internal.models import (
    Audit,
    AuditChecklistAnswer,
    AuditProgramme,
    ChecklistItem,
    Finding,
    ProgrammeItem,
)
from audits.models import Nonconformity
from qms.core.demo import DEMO_PASSWORD
from qms.core.models import AuditEvent, Signature

from .conftest import MAIN_UNITS, plan_kwargs, units, user

pytestmark = pytest.mark.django_db

needs_nonconformity_raise = pytest.mark.skipif(
    not hasattr(audits_services, "nonconformity_raise"),
    reason="audits.services.nonconformity_raise (corrective action) is not built yet",
)


def counts():
    return (
        Audit.objects.count(),
        ProgrammeItem.objects.count(),
        Finding.objects.count(),
        AuditChecklistAnswer.objects.count(),
        Nonconformity.objects.count(),
        Signature.objects.count(),
        AuditEvent.objects.count(),
    )


def messages_of(error):
    return " ".join(error.value.messages)


# Independence ----------------------------------------------------------------------------------


def test_a_lead_auditor_of_an_audited_unit_is_refused_naming_person_and_unit(programme):
    before = counts()
    with pytest.raises(ValidationError) as error:
        services.audit_plan(
            actor=user("thuky"),
            programme=programme,
            **plan_kwargs(lead_auditor=user("truongphong"), members=[]),
        )
    assert "lead_auditor" in error.value.error_dict
    text = messages_of(error)
    assert "Nguyễn Thị Hồng" in text and "Phòng Môi trường" in text
    assert "tính độc lập" in text
    assert counts() == before


def test_a_team_member_of_an_audited_unit_is_refused_too(programme):
    with pytest.raises(ValidationError) as error:
        services.audit_plan(
            actor=user("thuky"),
            programme=programme,
            **plan_kwargs(members=[user("chuyenvien.nuoc"), user("motcua")]),
        )
    assert list(error.value.error_dict) == ["members"]
    assert "Trần Thị Mai" in messages_of(error)
    assert "Bộ phận Một cửa" in messages_of(error)
    assert not Audit.objects.exists()


def test_changing_the_plan_to_audit_the_leads_own_unit_is_refused(main_audit):
    with pytest.raises(ValidationError) as error:
        services.audit_update_plan(
            actor=user("thuky"), audit=main_audit, units=units("van-phong", "thanh-tra")
        )
    assert "Kim Sóc Ra" in messages_of(error) and "Thanh tra Sở" in messages_of(error)
    assert sorted(u.code for u in selectors.audit_units(main_audit)) == sorted(MAIN_UNITS)


def test_independence_is_checked_again_when_the_audit_starts(approved, main_audit):
    # The lead auditor joined an audited unit after the plan was approved.
    from qms.core.services import membership_grant

    membership_grant(
        actor=None, user=user("danhgia"), unit=units("moi-truong")[0], role="specialist"
    )
    with pytest.raises(ValidationError) as error:
        services.audit_start(actor=user("danhgia"), audit=main_audit)
    assert "Phòng Môi trường" in messages_of(error)
    main_audit.refresh_from_db()
    assert main_audit.status == Audit.Status.PLANNED


# Programme, coverage, approval -----------------------------------------------------------------


def test_coverage_lists_every_unit_field_and_process_with_its_status(main_audit):
    coverage = selectors.programme_coverage(main_audit.programme)
    by_unit = {row.label: row.status for row in coverage["units"]}
    assert by_unit["Phòng Môi trường"] == "planned"
    assert by_unit["Thanh tra Sở"] == "not_covered"
    assert len(coverage["units"]) == 10 and len(coverage["processes"]) == 6
    assert all(row.status == "planned" for row in coverage["fields"] + coverage["processes"])
    assert coverage["totals"] == {"audited": 0, "planned": 3 + 6 + 6, "not_covered": 7}
    assert not coverage["complete"]
    assert coverage["units"][0].cells == [False]  # Ban Giám đốc is in no audit


def test_a_reported_audit_makes_its_units_audited(started, rest_audit):
    audit = started
    _conformity(audit)
    _report(audit)
    coverage = selectors.programme_coverage(audit.programme)
    statuses = {row.label: row.status for row in coverage["units"]}
    assert statuses["Văn phòng Sở"] == "audited"
    assert statuses["Thanh tra Sở"] == "planned"
    assert coverage["complete"] and coverage["covered_percent"] == 100


def test_approval_is_refused_until_every_unit_is_covered(main_audit):
    with pytest.raises(ValidationError) as error:
        services.programme_approve(
            actor=user("giamdoc"), programme=main_audit.programme, password=DEMO_PASSWORD
        )
    assert "Thanh tra Sở" in messages_of(error)
    assert not Signature.objects.exists()


def test_only_a_director_approves_and_a_later_change_needs_approval_again(
    programme, main_audit, rest_audit
):
    with pytest.raises(PermissionDenied):
        services.programme_approve(actor=user("thuky"), programme=programme, password="x")
    with pytest.raises(ValidationError) as error:
        services.programme_approve(actor=user("giamdoc"), programme=programme, password="sai")
    assert "Mật khẩu không đúng" in messages_of(error)
    signature = services.programme_approve(
        actor=user("phogiamdoc"), programme=programme, password=DEMO_PASSWORD
    )
    assert signature.meaning == "approved" and signature.signer_name == "Lý Thị Thu"
    programme.refresh_from_db()
    assert programme.status == AuditProgramme.Status.APPROVED
    assert selectors.programme_approval_valid(programme)

    services.audit_update_plan(
        actor=user("thuky"), audit=rest_audit, planned_end=dt.date(2024, 10, 31)
    )
    programme.refresh_from_db()
    assert programme.status == AuditProgramme.Status.DRAFT
    [shown] = selectors.programme_signatures(programme)
    assert not shown["valid"] and shown["changed"] == ["audits"]
    # An audit of a programme that is not approved as it stands cannot start.
    with pytest.raises(ValidationError) as error:
        services.audit_start(actor=user("danhgia"), audit=main_audit)
    assert "chưa được Lãnh đạo Sở phê duyệt" in messages_of(error)


# Checklists ------------------------------------------------------------------------------------


def test_a_checklist_serves_several_audits_and_answers_keep_the_question_as_asked(
    started, rest_audit, checklists
):
    template = checklists["7.5"]
    assert set(template.uses.values_list("audit_id", flat=True)) == {started.pk, rest_audit.pk}
    item = template.items.order_by("order").first()
    office = units("van-phong")[0]
    services.answers_record(
        actor=user("chuyenvien.nuoc"),
        audit=started,
        unit=office,
        answers=[services.AnswerInput(item=item, result="conform", evidence_notes="Xem QĐ 15")],
    )
    asked = item.question
    item.question = "Câu hỏi đã sửa sau cuộc đánh giá"
    item.save()
    answer = AuditChecklistAnswer.objects.get(audit=started, item=item, unit=office)
    assert answer.question == asked and answer.answered_by == user("chuyenvien.nuoc")

    # Recording again corrects the same answer (one per question and unit), logged once.
    events = AuditEvent.objects.filter(action="internal_audit.answers").count()
    services.answers_record(
        actor=user("danhgia"),
        audit=started,
        unit=office,
        answers=[services.AnswerInput(item=item, result="observation", evidence_notes="Thiếu")],
    )
    answer.refresh_from_db()
    assert answer.result == "observation" and AuditChecklistAnswer.objects.count() == 1
    assert AuditEvent.objects.filter(action="internal_audit.answers").count() == events + 1


def test_checklist_questions_are_added_by_the_quality_manager_only(checklists):
    checklist = checklists["9.1"]
    item = services.checklist_item_add(
        actor=user("thuky"),
        checklist=checklist,
        clause="9.1.3",
        question="Kết quả phân tích có được dùng để cải tiến không?",
    )
    assert item.order == checklist.items.count()
    with pytest.raises(PermissionDenied):
        services.checklist_item_add(
            actor=user("danhgia"), checklist=checklist, clause="9.1", question="?"
        )
    with pytest.raises(ValidationError) as error:
        services.checklist_item_add(
            actor=user("thuky"), checklist=checklist, clause="11.2", question=""
        )
    assert set(error.value.error_dict) == {"clause", "question"}


# Findings --------------------------------------------------------------------------------------


def _conformity(audit, unit_code="van-phong"):
    return services.finding_record(
        actor=user("danhgia"),
        audit=audit,
        unit=units(unit_code)[0],
        clause="7.5.2",
        kind="conformity",
        description="Tài liệu được phê duyệt đầy đủ.",
    )


def _minor_nc(audit):
    return services.finding_record(
        actor=user("chuyenvien.nuoc"),
        audit=audit,
        unit=units("moi-truong")[0],
        clause="10.2.1",
        kind="minor_nc",
        description="Hồ sơ trễ hạn chưa được phân tích nguyên nhân.",
        evidence="02 hồ sơ trễ hạn quý II có Mẫu 04 nhưng không có phân tích nguyên nhân.",
    )


def _report(audit):
    services.report_save(
        actor=user("danhgia"),
        audit=audit,
        summary="Làm việc tại ba đơn vị.",
        conclusions="Hệ thống được duy trì phù hợp.",
    )
    return services.report_sign(actor=user("danhgia"), audit=audit, password=DEMO_PASSWORD)


def _close_nonconformity(nonconformity):
    # The corrective-action process is another module's; its end state is what counts here.
    nonconformity.status = Nonconformity.Status.CLOSED
    nonconformity.closed_at = timezone.now()
    nonconformity.save()


@needs_nonconformity_raise
def test_a_nonconformity_finding_opens_a_nonconformity_and_closes_with_it(started):
    finding = _minor_nc(started)

    nonconformity = finding.nonconformity
    assert nonconformity is not None
    assert (nonconformity.source, nonconformity.severity) == ("audit", "minor")
    assert nonconformity.unit.code == "moi-truong"
    assert nonconformity.finding_ref == f"internal_audits.finding:{finding.pk}"
    assert "01/2024" in nonconformity.title and "10.2.1" in nonconformity.description
    assert nonconformity.status != Nonconformity.Status.CLOSED
    assert not finding.is_closed
    assert selectors.open_nonconformity_findings(started) == [finding]

    _close_nonconformity(nonconformity)
    finding = Finding.objects.get(pk=finding.pk)
    assert finding.is_closed and selectors.open_nonconformity_findings(started) == []


@needs_nonconformity_raise
def test_a_major_nonconformity_is_raised_as_major(started):
    finding = services.finding_record(
        actor=user("danhgia"),
        audit=started,
        unit=units("mot-cua")[0],
        clause="8.5.1",
        kind="major_nc",
        description="Không lập Giấy tiếp nhận hồ sơ cho hồ sơ nộp trực tiếp.",
        evidence="07 hồ sơ tháng 3/2024 không có Mẫu 01.",
    )
    assert finding.nonconformity.severity == "major"


def test_other_findings_open_nothing_and_need_no_follow_up(started):
    before = Nonconformity.objects.count()
    finding = services.finding_record(
        actor=user("danhgia"),
        audit=started,
        unit=units("van-phong")[0],
        clause="7.5.3.2",
        kind="improvement",
        description="Nên số hóa sổ thu hồi tài liệu.",
    )
    assert finding.number == 1 and finding.nonconformity is None and finding.is_closed
    assert Nonconformity.objects.count() == before


def test_a_refused_nonconformity_leaves_no_finding(started):
    before = counts()
    with (
        mock.patch.object(
            audits_services,
            "nonconformity_raise",
            side_effect=ValidationError("Không ghi nhận được sự không phù hợp."),
            create=True,
        ),
        pytest.raises(ValidationError),
    ):
        _minor_nc(started)
    assert counts() == before


# Report and closing ----------------------------------------------------------------------------


def test_the_report_is_signed_by_the_lead_only_with_the_password(started):
    _conformity(started)
    services.report_save(
        actor=user("chuyenvien.nuoc"), audit=started, summary="Tóm tắt.", conclusions="Kết luận."
    )
    with pytest.raises(PermissionDenied):
        services.report_sign(actor=user("chuyenvien.nuoc"), audit=started, password=DEMO_PASSWORD)
    with pytest.raises(ValidationError) as error:
        services.report_sign(actor=user("danhgia"), audit=started, password="sai")
    assert "Mật khẩu không đúng" in messages_of(error)
    started.refresh_from_db()
    assert started.status == Audit.Status.IN_PROGRESS
    assert not Signature.objects.filter(purpose=selectors.PURPOSE_REPORT).exists()

    signature = services.report_sign(actor=user("danhgia"), audit=started, password=DEMO_PASSWORD)
    started.refresh_from_db()
    assert started.status == Audit.Status.REPORTED and started.reported_at == signature.signed_at
    assert signature.meaning == "authored" and signature.signer_name == "Kim Sóc Ra"
    assert signature.content["findings"][0]["description"] == "Tài liệu được phê duyệt đầy đủ."
    [shown] = selectors.report_signatures(started)
    assert shown["valid"]

    # Nothing more is recorded on a reported audit.
    with pytest.raises(PermissionDenied):
        _conformity(started)


def test_a_change_to_a_finding_after_signing_invalidates_the_signature(started):
    finding = _conformity(started)
    _report(started)
    finding.description = "Nội dung đã sửa sau khi ký."
    finding.save()
    [shown] = selectors.report_signatures(started)
    assert not shown["valid"] and shown["changed"] == ["findings"]
    with pytest.raises(ValidationError) as error:
        services.audit_close(actor=user("thuky"), audit=started)
    assert "không còn hiệu lực" in messages_of(error)


def test_a_report_needs_a_finding_and_a_draft_before_signing(started):
    with pytest.raises(ValidationError) as error:
        services.report_sign(actor=user("danhgia"), audit=started, password=DEMO_PASSWORD)
    assert "Chưa soạn báo cáo" in messages_of(error)
    services.report_save(actor=user("danhgia"), audit=started, summary="A", conclusions="B")
    with pytest.raises(ValidationError) as error:
        services.report_sign(actor=user("danhgia"), audit=started, password=DEMO_PASSWORD)
    assert "Chưa ghi nhận phát hiện nào" in messages_of(error)


@needs_nonconformity_raise
def test_the_audit_cannot_close_while_a_nonconformity_is_open(started):
    finding = _minor_nc(started)
    _report(started)
    with pytest.raises(PermissionDenied):
        services.audit_close(actor=user("danhgia"), audit=started)
    with pytest.raises(ValidationError) as error:
        services.audit_close(actor=user("thuky"), audit=started)
    assert "số 1 (Phòng Môi trường)" in messages_of(error)
    started.refresh_from_db()
    assert started.status == Audit.Status.REPORTED

    _close_nonconformity(finding.nonconformity)
    services.audit_close(actor=user("thuky"), audit=started)
    started.refresh_from_db()
    assert started.status == Audit.Status.CLOSED and started.closed_by == user("thuky")
    assert AuditEvent.objects.filter(action="internal_audit.close").count() == 1


def test_a_planned_audit_cannot_be_closed(main_audit):
    with pytest.raises(ValidationError):
        services.audit_close(actor=user("thuky"), audit=main_audit)


# Who writes ------------------------------------------------------------------------------------


def test_only_the_team_writes_and_only_while_the_audit_is_in_progress(approved, main_audit):
    office = units("van-phong")[0]
    kwargs = {"unit": office, "clause": "7.5", "kind": "conformity", "description": "Phù hợp."}
    with pytest.raises(PermissionDenied):  # planned: not started yet
        services.finding_record(actor=user("danhgia"), audit=main_audit, **kwargs)
    services.audit_start(actor=user("danhgia"), audit=main_audit)
    for outsider in ("thuky", "giamdoc", "truongphong", "admin"):
        with pytest.raises(PermissionDenied):
            services.finding_record(actor=user(outsider), audit=main_audit, **kwargs)
    with pytest.raises(PermissionDenied):
        services.audit_plan(actor=user("danhgia"), programme=main_audit.programme, **plan_kwargs())
    assert not Finding.objects.exists()
    finding = services.finding_record(actor=user("chuyenvien.nuoc"), audit=main_audit, **kwargs)
    assert finding.recorded_by == user("chuyenvien.nuoc")


# Bad input -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"planned_end": dt.date(2024, 4, 1)}, "planned_end", "sau hoặc bằng ngày bắt đầu"),
        (
            {"planned_start": dt.date(2025, 1, 2), "planned_end": dt.date(2025, 1, 3)},
            "planned_start",
            "trong năm 2024",
        ),
        ({"clauses": "7.x, 12"}, "clauses", "7.5.3"),
        ({"units": []}, "units", "ít nhất một đơn vị"),
        ({"title": "   "}, "title", "Phải nhập"),
        ({"lead_auditor": None}, "lead_auditor", "trưởng đoàn"),
        ({"processes": ["khong-co"]}, "processes", "không hợp lệ"),
    ],
)
def test_a_bad_plan_is_refused_and_nothing_is_written(programme, overrides, field, message):
    before = counts()
    with pytest.raises(ValidationError) as error:
        services.audit_plan(actor=user("thuky"), programme=programme, **plan_kwargs(**overrides))
    assert field in error.value.error_dict
    assert message in " ".join(error.value.message_dict[field])
    assert counts() == before


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"clause": "3.1"}, "clause"),
        ({"kind": "critical"}, "kind"),
        ({"description": ""}, "description"),
        ({"kind": "minor_nc", "evidence": ""}, "evidence"),
        ({"unit_code": "dat-dai"}, "unit"),
    ],
)
def test_a_bad_finding_is_refused_and_nothing_is_written(started, overrides, field):
    before = counts()
    values = {
        "clause": "7.5.2",
        "kind": "conformity",
        "description": "Phù hợp.",
        "evidence": "",
        "unit_code": "van-phong",
    }
    values.update(overrides)
    unit = units(values.pop("unit_code"))[0]
    with pytest.raises(ValidationError) as error:
        services.finding_record(actor=user("danhgia"), audit=started, unit=unit, **values)
    assert field in error.value.error_dict
    assert counts() == before


def test_bad_answers_are_refused(started, checklists):
    item = checklists["7.5"].items.first()
    foreign = ChecklistItem.objects.filter(checklist=checklists["9.1"]).first()
    office = units("van-phong")[0]
    cases = [
        [services.AnswerInput(item=item, result="nonconform", evidence_notes="")],
        [services.AnswerInput(item=foreign, result="conform")],
        [services.AnswerInput(item=item, result="maybe")],
        [services.AnswerInput(item=item, result="")],
    ]
    for answers in cases:
        with pytest.raises(ValidationError):
            services.answers_record(
                actor=user("danhgia"), audit=started, unit=office, answers=answers
            )
    with pytest.raises(ValidationError) as error:
        services.answers_record(
            actor=user("danhgia"),
            audit=started,
            unit=units("dat-dai")[0],
            answers=[services.AnswerInput(item=item, result="conform")],
        )
    assert "không thuộc phạm vi" in messages_of(error)
    assert not AuditChecklistAnswer.objects.exists()


def test_a_second_programme_for_the_same_year_is_refused(programme):
    with pytest.raises(ValidationError) as error:
        services.programme_create(actor=user("thuky"), year=2024, objectives="Lần hai")
    assert "đã có chương trình" in messages_of(error)
    with pytest.raises(ValidationError):
        services.programme_create(actor=user("thuky"), year=1999, objectives="")
    assert AuditProgramme.objects.count() == 1
