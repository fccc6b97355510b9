"""The corrective-action process driven through the real pages by the demo users: raised at the
one-stop desk, corrected and analysed in Phòng Môi trường, two actions carried out in parallel
by their owners, checked and closed with the quality manager's signature."""

import datetime as dt
import io
import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone
from pypdf import PdfReader
from viewflow.workflow import timers
from viewflow.workflow.models import Task
from viewflow.workflow.status import PROCESS, STATUS

from audits import services
from audits.models import EffectivenessCheck
from audits.selectors import (
    corrective_actions_overdue,
    nonconformity_closure_content,
    nonconformity_process,
)
from qms.core.demo import DEMO_PASSWORD
from qms.core.models import AuditEvent, Notification, Signature
from qms.core.signatures import content_hash
from workflows.capa_flow import CapaFlow
from workflows.demo import clock_at

from .conftest import TWO_ACTIONS, complete_actions, evidence, in_days, open_tasks, plan_data, user

pytestmark = pytest.mark.django_db


def events(nonconformity):
    return list(
        AuditEvent.objects.filter(
            object_type="audits.nonconformity", object_id=str(nonconformity.pk)
        ).values_list("action", flat=True)
    )


def test_from_the_desk_to_the_signed_closure_through_the_pages(office, client):
    # Raised by hand at the one-stop desk: the start form is the process's first task.
    office.as_user("motcua")
    assert client.get("/workflow/flows/capa/raise_by_hand/").status_code == 200
    nc = office.raise_nc(
        source="complaint",
        complaint_ref="15/PA ngày 03/06/2024",
        severity="major",
    )
    assert (nc.source, nc.severity, nc.status) == ("complaint", "major", "correction")
    assert nc.raised_by == user("motcua") and nc.complaint_ref == "15/PA ngày 03/06/2024"
    process = nonconformity_process(nc)
    start = process.task_set.get(flow_task=CapaFlow.raise_by_hand)
    assert start.owner == user("motcua") and start.status == STATUS.DONE

    # The correction waits in the unit head's queue; the head names the analyst.
    office.as_user("truongphong")
    assert client.get("/workflow/queue/").context["object_list"].count() == 1
    office.do(nc, "correct", {"correction": "Đã bổ sung chữ ký", "analyst": user("chuyenvien").pk})
    assert nc.status == "analysis" and nc.analyst == user("chuyenvien")
    assert nc.corrected_by == user("truongphong")

    # The analysis lands in the analyst's inbox.
    office.as_user("chuyenvien")
    assert office.tasks(nc, "analyse").get().owner == user("chuyenvien")
    office.do(
        nc,
        "analyse",
        {
            "why_1": "Hồ sơ được lưu trước khi ký nhận",
            "why_2": "Không ai kiểm tra chữ ký trước khi lưu",
            "why_3": "Hướng dẫn lưu hồ sơ không có bước kiểm tra",
            "root_cause": "Hướng dẫn lưu hồ sơ thiếu bước kiểm tra chữ ký bàn giao",
        },
    )
    analysis = nc.analyses.get()
    assert analysis.number == 1 and analysis.analysed_by == user("chuyenvien")
    assert [w.answer for w in analysis.whys.all()][2].startswith("Hướng dẫn")
    assert nc.status == "planning"

    # The plan: two actions in two units, one task each, in parallel, for their owners.
    office.as_user("truongphong").do(nc, "plan", plan_data(*TWO_ACTIONS))
    assert nc.status == "implementation"
    tasks = office.tasks(nc, "implement").select_related("owner").order_by("pk")
    assert [(t.owner.username, t.status) for t in tasks] == [
        ("chuyenvien", STATUS.ASSIGNED),
        ("motcua", STATUS.ASSIGNED),
    ]
    # Each task's deadline is its action's due date (the timer at the end of that day).
    timers = Task.objects.filter(process=process, flow_task=CapaFlow.implement__timeout)
    assert sorted(t.scheduled for t in timers) == sorted(a.deadline for a in nc.actions.all())

    complete_actions(office, nc)
    assert nc.status == "verification"
    done = nc.actions.get(owner_user__username="motcua")
    assert done.status == "done" and len(done.evidence_sha256) == 64

    office.as_user("thuky").do(
        nc, "verify", {"result": "effective", "evidence": "Kiểm tra 20 hồ sơ lưu tháng 7: đủ"}
    )
    assert nc.status == "verification"
    assert office.tasks(nc, "close").exists()
    office.do(nc, "close", {"password": DEMO_PASSWORD})

    assert nc.status == "closed" and nc.closed_by == user("thuky")
    process.refresh_from_db()
    assert process.status == PROCESS.DONE
    assert not open_tasks(nc).exists()
    signature = Signature.objects.get()
    assert (signature.signer, signature.meaning) == (user("thuky"), "closed")
    assert signature.content_hash == content_hash(nonconformity_closure_content(nc))
    assert [a["evidence_sha256"] for a in signature.content["actions"]] == [
        a.evidence_sha256 for a in nc.actions.order_by("order")
    ]
    assert events(nc) == [
        "nonconformity.raise",
        "nonconformity.correct",
        "nonconformity.analyse",
        "nonconformity.plan",
        "corrective_action.complete",
        "corrective_action.complete",
        "nonconformity.check",
        "signature.sign",
        "nonconformity.close",
    ]

    page = client.get(f"/workflow/flows/capa/nonconformities/{nc.pk}/").content.decode()
    assert "Chữ ký hợp lệ" in page and signature.content_hash in page
    assert f"/audits/records/audits.nonconformity/{nc.pk}/" in page
    pdf = client.get(f"/workflow/flows/capa/nonconformities/{nc.pk}/phieu-theo-doi.pdf")
    assert pdf.status_code == 200
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    text = re.sub(r"\s+", " ", text)
    assert "PHIẾU THEO DÕI SỰ KHÔNG PHÙ HỢP VÀ HÀNH ĐỘNG KHẮC PHỤC" in text
    assert "Hướng dẫn lưu hồ sơ thiếu bước kiểm tra chữ ký bàn giao" in text
    assert "chữ ký hợp lệ" in text and done.evidence_sha256 in text.replace(" ", "")
    evidence_file = client.get(f"/workflow/flows/capa/actions/{done.pk}/evidence/")
    assert b"".join(evidence_file.streaming_content).startswith(b"%PDF")
    # The auditor's trail of the record: every step, with the process's tasks.
    trail = client.get(f"/audits/records/audits.nonconformity/{nc.pk}/")
    assert trail.status_code == 200
    for label in ("Phân tích nguyên nhân gốc", "Hoàn thành hành động khắc phục", "Ký điện tử"):
        assert label in trail.content.decode()
    assert trail.context["signatures"][0]["valid"] is True


def test_parallel_actions_the_check_waits_for_both_owners(office, client, implementing):
    nc = implementing
    mine, theirs = office.tasks(nc, "implement").select_related("owner").order_by("pk")

    # One owner cannot report the other's action.
    office.as_user("chuyenvien")
    refused = client.post(
        f"{office.task_url(theirs)}/execute/", {"note": "x", "evidence": evidence()}
    )
    assert refused.status_code == 403
    office.do(nc, "implement", {"note": "Đã sửa hướng dẫn", "evidence": evidence()}, task=mine)

    assert nc.status == "implementation"
    assert not office.tasks(nc, "verify").exists()
    assert nc.actions.get(owner_user__username="motcua").status == "planned"

    office.as_user("motcua").do(
        nc, "implement", {"note": "Đã in", "evidence": evidence()}, task=theirs
    )
    assert nc.status == "verification"
    verify = office.tasks(nc, "verify").get()
    assert verify.owner is None and verify.owner_permission == "core.act_quality_manager"
    # In the quality manager's queue, and nobody else's.
    office.as_user("thuky")
    assert verify in client.get("/workflow/queue/").context["object_list"]
    office.as_user("truongphong")
    assert verify not in client.get("/workflow/queue/").context["object_list"]


def test_not_effective_opens_a_new_analysis_round(office, client, verifying):
    nc = verifying
    # "Not effective" needs the reason.
    response = office.as_user("thuky").do(
        nc, "verify", {"result": "not_effective", "evidence": "Tháng 8 vẫn thiếu"}, expect=200
    )
    assert "Phải nêu lý do" in response.content.decode()
    assert not EffectivenessCheck.objects.exists()

    office.do(
        nc,
        "verify",
        {
            "result": "not_effective",
            "evidence": "Kiểm tra 10 hồ sơ tháng 8: 2 hồ sơ vẫn thiếu chữ ký",
            "comment": "Nguyên nhân chưa đúng: bộ phận một cửa không dùng hướng dẫn mới",
        },
    )
    assert nc.status == "analysis"
    assert not office.tasks(nc, "close").exists()
    office.as_user("truongphong").do(
        nc, "analyse", {"why_1": "Một cửa dùng mẫu cũ", "root_cause": "Mẫu cũ chưa thu hồi"}
    )
    assert list(nc.analyses.values_list("number", flat=True)) == [1, 2]
    office.do(
        nc, "plan", plan_data(("Thu hồi mẫu cũ tại một cửa", "mot-cua", "motcua", in_days(3)))
    )
    assert office.tasks(nc, "implement").count() == 1
    assert nc.actions.filter(analysis__number=2).count() == 1
    complete_actions(office, nc)
    office.as_user("thuky").do(nc, "verify", {"result": "effective", "evidence": "Đạt"})
    office.do(nc, "close", {"password": DEMO_PASSWORD})

    assert nc.status == "closed"
    content = Signature.objects.get().content
    assert [r["round"] for r in content["root_causes"]] == [1, 2]
    assert [(c["round"], c["result"]) for c in content["effectiveness"]] == [
        (1, "not_effective"),
        (2, "effective"),
    ]
    page = client.get(f"/workflow/flows/capa/nonconformities/{nc.pk}/").content.decode()
    assert "Lần phân tích 2" in page and "Không có hiệu lực" in page


def test_it_cannot_be_closed_without_an_effectiveness_check(office, verifying):
    nc = verifying
    # The process offers no closing step before the check …
    assert not office.tasks(nc, "close").exists()
    # … and the service refuses it, whoever calls it.
    with pytest.raises(ValidationError, match="Chưa có kết quả kiểm tra hiệu lực"):
        services.nonconformity_close(actor=user("thuky"), nonconformity=nc, password=DEMO_PASSWORD)
    nc.refresh_from_db()
    assert nc.status == "verification" and nc.closed_at is None
    assert not Signature.objects.exists()


def test_only_the_quality_manager_checks_and_closes(office, verifying):
    nc = verifying
    for username in ("truongphong", "giamdoc"):
        with pytest.raises(ValidationError, match="Thư ký ISO"):
            services.nonconformity_check(
                actor=user(username), nonconformity=nc, result="effective", evidence="x"
            )
        with pytest.raises(ValidationError, match="Thư ký ISO"):
            services.nonconformity_close(
                actor=user(username), nonconformity=nc, password=DEMO_PASSWORD
            )
    assert not EffectivenessCheck.objects.exists() and not Signature.objects.exists()
    nc.refresh_from_db()
    assert nc.status == "verification"


def test_a_wrong_password_signs_nothing(office, client, verifying):
    nc = verifying
    office.as_user("thuky").do(nc, "verify", {"result": "effective", "evidence": "Đạt"})
    before = AuditEvent.objects.count()

    for password in ("", "mat-khau-sai"):
        response = office.do(nc, "close", {"password": password}, expect=200)
        text = response.content.decode()
        assert "Nhập mật khẩu của bạn để ký." in text or "Mật khẩu không đúng" in text

    nc.refresh_from_db()
    assert nc.status == "verification" and nc.closed_at is None
    assert not Signature.objects.exists()
    assert AuditEvent.objects.count() == before
    assert office.tasks(nc, "close").get().status == STATUS.ASSIGNED
    office.do(nc, "close", {"password": DEMO_PASSWORD})
    assert nc.status == "closed"


def test_the_signature_no_longer_holds_once_the_signed_content_changes(office, client, verifying):
    nc = verifying
    office.as_user("thuky").do(nc, "verify", {"result": "effective", "evidence": "Đạt"})
    office.do(nc, "close", {"password": DEMO_PASSWORD})

    nc.title = "Tiêu đề bị sửa sau khi ký"
    nc.save()

    page = client.get(f"/workflow/flows/capa/nonconformities/{nc.pk}/").content.decode()
    assert "Chữ ký không còn hiệu lực" in page and "title" in page


def test_an_overdue_action_is_noted_reminded_and_listed_and_its_task_goes_on(
    office, client, implementing, django_capture_on_commit_callbacks
):
    nc = implementing
    action = nc.actions.get(owner_user__username="chuyenvien")
    late = action.deadline + dt.timedelta(minutes=1)
    with clock_at(late):
        with django_capture_on_commit_callbacks(execute=True):
            assert timers.fire_due_timers() == 1
        office.as_user("truongphong")
        listing = client.get("/workflow/flows/capa/").content.decode()
    assert "Hành động khắc phục quá hạn" in listing and "1 quá hạn" in listing

    event = AuditEvent.objects.get(action="corrective_action.overdue")
    assert event.after["action"] == action.pk
    # The owner and the unit's head, each in the notification centre and by e-mail.
    notices = Notification.objects.filter(kind="capa.action_overdue").order_by("recipient__pk")
    assert {n.recipient.username for n in notices} == {"chuyenvien", "truongphong"}
    assert {n.url for n in notices} == {f"/workflow/flows/capa/nonconformities/{nc.pk}/"}
    assert sorted(m.to for m in mail.outbox) == sorted(
        [[user("chuyenvien").email], [user("truongphong").email]]
    )
    assert all(nc.code in m.subject for m in mail.outbox)
    # Non-interrupting: the owner can still report it, late.
    task = office.tasks(nc, "implement").get(owner__username="chuyenvien")
    assert task.status == STATUS.ASSIGNED
    with clock_at(late):
        office.as_user("chuyenvien").do(
            nc, "implement", {"note": "Làm muộn", "evidence": evidence()}, task=task
        )
    action.refresh_from_db()
    assert action.done_late and not action.is_overdue
    # The overdue branch does not hold the join: the check follows the last action.
    assert nc.status == "implementation" and not office.tasks(nc, "verify").exists()
    other = office.tasks(nc, "implement").get()
    office.as_user("motcua").do(
        nc, "implement", {"note": "Đã in", "evidence": evidence()}, task=other
    )
    assert nc.status == "verification" and office.tasks(nc, "verify").exists()


def test_an_action_is_overdue_after_the_office_hours_of_its_due_day(office, implementing):
    action = implementing.actions.get(owner_user__username="chuyenvien")
    assert timezone.localtime(action.deadline) == timezone.make_aware(
        dt.datetime.combine(action.due_date, dt.time(17, 0))
    )
    visible_to = user("truongphong")
    with clock_at(action.deadline - dt.timedelta(minutes=1)):
        assert not action.is_overdue
        assert not corrective_actions_overdue(user=visible_to).exists()
        assert timers.fire_due_timers() == 0
    with clock_at(action.deadline + dt.timedelta(minutes=1)):
        assert action.is_overdue
        assert list(corrective_actions_overdue(user=visible_to)) == [action]
        # Another unit's member does not see it.
        assert not corrective_actions_overdue(user=user("chuyenvien.nuoc")).exists()
