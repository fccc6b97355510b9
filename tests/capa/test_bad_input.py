"""Bad input at every step is refused with a Vietnamese message, and nothing is written: the
record, its rounds and actions, the process's tasks and the audit log stay as they were."""

import pytest
from django.core.exceptions import ValidationError
from viewflow.workflow.models import Process, Task

from audits import services
from audits.models import CorrectiveAction, Nonconformity, RootCauseAnalysis
from qms.core.models import AuditEvent

from .conftest import evidence, in_days, plan_data, unit, user

pytestmark = pytest.mark.django_db


def state():
    return (
        list(Nonconformity.objects.values_list("pk", "status")),
        RootCauseAnalysis.objects.count(),
        list(CorrectiveAction.objects.values_list("pk", "status", "evidence_sha256")),
        list(Task.objects.values_list("pk", "status", "owner_id")),
        Process.objects.count(),
        AuditEvent.objects.exclude(action__in=["auth.login", "auth.logout"]).count(),
    )


def text(response):
    return response.content.decode()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"source": "complaint"}, "Phải ghi số, ngày của phản ánh, kiến nghị."),
        ({"source": "audit"}, "Phải ghi mã phát hiện của cuộc đánh giá."),
        ({"title": "   "}, "Trường này là bắt buộc."),
        ({"source": "late_dossier"}, "không có trong danh sách"),
    ],
)
def test_raising_by_hand_refuses_incomplete_records(office, fields, message):
    office.as_user("motcua")
    before = state()
    response = office.raise_nc(expect=200, **fields)
    assert message in text(response)
    assert state() == before


def test_the_services_refuse_a_late_dossier_source_without_its_dossier(demo):
    with pytest.raises(ValidationError, match="phải gắn với hồ sơ"):
        services.nonconformity_raise(
            actor=None,
            source="late_dossier",
            unit=unit("moi-truong"),
            title="x",
            description="y",
        )
    with pytest.raises(ValidationError, match="Mức độ"):
        services.nonconformity_raise(
            actor=None,
            source="manual",
            unit=unit("moi-truong"),
            title="x",
            description="y",
            severity="critical",
        )
    assert not Nonconformity.objects.exists() and not Process.objects.exists()


def test_the_correction_needs_its_text_and_an_analyst_of_the_unit(office):
    nc = office.as_user("motcua").raise_nc()
    office.as_user("truongphong").take(nc, "correct")
    before = state()
    response = office.do(nc, "correct", {"correction": ""}, expect=200)
    assert "correction" in response.context["form"].errors
    other = {"correction": "Đã sửa", "analyst": user("chuyenvien.nuoc").pk}
    assert "analyst" in office.do(nc, "correct", other, expect=200).context["form"].errors
    assert state() == before
    with pytest.raises(ValidationError, match="phải là thành viên của Phòng Môi trường"):
        services.nonconformity_correct(
            actor=user("truongphong"),
            nonconformity=nc,
            correction="Đã sửa",
            analyst=user("chuyenvien.nuoc"),
        )
    with pytest.raises(ValidationError, match="Chỉ lãnh đạo Phòng Môi trường"):
        services.nonconformity_correct(
            actor=user("truongphong.nuoc"), nonconformity=nc, correction="Đã sửa"
        )
    assert state() == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"root_cause": "Thiếu bước kiểm tra"},
            "Phải trả lời ít nhất câu hỏi “Tại sao?” thứ nhất.",
        ),
        ({"why_1": "   ", "root_cause": "Thiếu bước"}, "Phải trả lời ít nhất câu hỏi"),
        (
            {"why_1": "Vì a", "why_3": "Vì c", "root_cause": "Thiếu bước"},
            "phải liên tiếp, không bỏ trống câu ở giữa",
        ),
        ({"why_1": "Vì a", "root_cause": ""}, "Trường này là bắt buộc."),
    ],
)
def test_the_analysis_refuses_empty_or_gapped_whys(office, data, message):
    nc = office.as_user("motcua").raise_nc()
    office.as_user("truongphong").do(nc, "correct", {"correction": "Đã sửa"})
    office.take(nc, "analyse")
    before = state()
    response = office.do(nc, "analyse", data, expect=200)
    assert message in text(response)
    assert state() == before


def test_only_the_unit_leader_or_the_named_analyst_analyses(office):
    nc = office.as_user("motcua").raise_nc()
    office.as_user("truongphong").do(nc, "correct", {"correction": "Đã sửa"})
    with pytest.raises(ValidationError, match="người được giao phân tích"):
        services.nonconformity_analyse(
            actor=user("chuyenvien"), nonconformity=nc, whys=["Vì a"], root_cause="b"
        )
    assert not RootCauseAnalysis.objects.exists()


@pytest.mark.parametrize(
    ("actions", "message"),
    [
        (
            [("Sửa hướng dẫn", "moi-truong", "chuyenvien", in_days(-1))],
            "Hành động 1: hạn hoàn thành",
        ),
        (
            [
                ("Sửa hướng dẫn", "moi-truong", "chuyenvien", in_days(5)),
                ("Thu hồi mẫu cũ", "moi-truong", "chuyenvien.nuoc", in_days(5)),
            ],
            "Hành động 2: Thạch Sophal không thuộc Phòng Môi trường.",
        ),
        ([], "Kế hoạch phải có ít nhất một hành động khắc phục."),
    ],
)
def test_the_plan_refuses_past_due_dates_owners_of_another_unit_and_no_action(
    office, planning, actions, message
):
    office.as_user("truongphong").take(planning, "plan")
    before = state()
    response = office.do(planning, "plan", plan_data(*actions), expect=200)
    assert message in text(response)
    assert state() == before


def test_a_half_filled_plan_line_is_refused(office, planning):
    office.as_user("truongphong").take(planning, "plan")
    before = state()
    data = plan_data(("Sửa hướng dẫn", "moi-truong", "chuyenvien", in_days(5)))
    data["actions-1-description"] = "Dòng thiếu người thực hiện và hạn"
    response = office.do(planning, "plan", data, expect=200)
    assert response.context["form"].errors[1].keys() >= {"owner_unit", "owner_user", "due_date"}
    assert state() == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"note": "Đã làm"}, "Phải đính kèm bằng chứng thực hiện"),
        (
            {"note": "Đã làm", "evidence": evidence("bien-ban.pdf", b"MZ\x90\x00 not a pdf")},
            "không phải PDF, PNG hoặc JPEG",
        ),
        ({"note": " ", "evidence": evidence()}, "Trường này là bắt buộc."),
    ],
)
def test_reporting_an_action_needs_its_result_and_real_evidence(
    office, implementing, data, message
):
    office.as_user("chuyenvien")
    before = state()
    response = office.do(implementing, "implement", data, expect=200)
    assert message in text(response)
    assert state() == before


def test_the_check_refuses_an_unknown_result(office, verifying):
    office.as_user("thuky").take(verifying, "verify")
    before = state()
    response = office.do(verifying, "verify", {"result": "maybe", "evidence": "x"}, expect=200)
    assert "result" in response.context["form"].errors
    assert state() == before


def test_steps_out_of_order_are_refused_by_the_services(office, implementing):
    with pytest.raises(ValidationError, match="đang ở bước “Thực hiện hành động khắc phục”"):
        services.nonconformity_analyse(
            actor=user("truongphong"), nonconformity=implementing, whys=["a"], root_cause="b"
        )
    action = implementing.actions.get(owner_user__username="chuyenvien")
    with pytest.raises(ValidationError, match="Chỉ người được giao"):
        services.corrective_action_complete(
            actor=user("truongphong"), action=action, note="x", evidence=evidence()
        )
