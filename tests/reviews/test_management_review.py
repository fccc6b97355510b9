"""Management review (9.3): inputs compiled from the data, the meeting and its actions, the
report produced by a background job with progress, signed by a leader, and the same report
from the command line."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from audits import indicators
from audits.review.models import ManagementReview, ReviewReport
from qms.core.demo import DEMO_PASSWORD
from qms.core.models import OrgUnit, Signature, User

pytestmark = pytest.mark.django_db


def text_of(content: bytes) -> str:
    return " ".join(
        " ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(content)).pages
    )


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """The whole demo, built once for the module inside a transaction rolled back at its end
    (each test runs in a savepoint of it)."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            call_command("load_demo", verbosity=0)
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def world(loaded, db):
    today = timezone.localdate()
    return {"from": today.replace(month=1, day=1), "to": today}


def create_review(client, world):
    response = client.post(
        reverse("reviews:create"),
        {
            "title": "Xem xét của lãnh đạo năm nay",
            "period_from": world["from"].isoformat(),
            "period_to": world["to"].isoformat(),
            "chair": User.objects.get(username="giamdoc").pk,
            "participants": "Ban Giám đốc, trưởng các phòng, Thư ký ISO",
        },
    )
    assert response.status_code == 302, response.context and response.context["form"].errors
    return ManagementReview.objects.latest("pk")


def test_the_whole_review_through_the_pages(
    world, login, client, django_capture_on_commit_callbacks
):
    client = login("thuky")
    review = create_review(client, world)

    assert client.post(reverse("reviews:compile", args=[review.pk])).status_code == 302
    review.refresh_from_db()
    expected = indicators.compute("on_time_rate", date_from=world["from"], date_to=world["to"])
    overall = review.inputs["process_performance"]["overall"]
    assert (overall["numerator"], overall["denominator"]) == (
        expected.numerator,
        expected.denominator,
    )
    assert expected.denominator, "the demo has dossiers finished this year"
    assert review.inputs["nonconformities"]["raised"] >= 1  # the demo's late dossier
    assert review.status == "compiled"

    unit = OrgUnit.objects.get(code="moi-truong")
    head = User.objects.get(username="truongphong")
    client.post(
        reverse("reviews:meeting", args=[review.pk]),
        {
            "meeting_date": world["to"].isoformat(),
            "participants": "Ban Giám đốc, các trưởng phòng",
            "external_issues": "Luật Đất đai 2024 có hiệu lực từ 01/8/2024.",
            "resources": "Thiếu 01 chuyên viên tại Phòng Quản lý môi trường.",
            "minutes": "Hệ thống vận hành có hiệu lực; tập trung giảm hồ sơ trễ hạn.",
        },
    )
    bad = client.post(
        reverse("reviews:action_add", args=[review.pk]),
        {"kind": "improvement", "description": "x", "owner_unit": unit.pk, "due_date": "x"},
    )
    assert bad.status_code == 302 and not review.actions.exists()
    client.post(
        reverse("reviews:action_add", args=[review.pk]),
        {
            "kind": "improvement",
            "description": "Rà soát quy trình nội bộ các TTHC có hồ sơ trễ hạn",
            "owner_unit": unit.pk,
            "owner": head.pk,
            "due_date": (world["to"] + dt.timedelta(days=60)).isoformat(),
        },
    )
    review.refresh_from_db()
    assert review.status == "held" and review.actions.count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reviews:report_request", args=[review.pk]))
    assert response.status_code == 302 and "/jobs/" in response["Location"]
    job_page = client.get(response["Location"]).content.decode()
    assert "Hoàn thành" in job_page
    report = ReviewReport.objects.get(review=review)
    content = report.file.read()
    text = text_of(content)
    assert "BÁO CÁO XEM XÉT CỦA LÃNH ĐẠO" in text
    assert "9.3.2 a" in text and "9.3.3" in text
    assert "Rà soát quy trình nội bộ các TTHC có hồ sơ trễ hạn" in text
    assert expected.__str__() in text  # the on-time rate as the indicator prints it

    # Only a leader signs, with the password again.
    assert (
        client.post(
            reverse("reviews:sign", args=[review.pk, report.pk]), {"password": DEMO_PASSWORD}
        ).status_code
        == 403
    )
    leader = login("giamdoc")
    signatures = Signature.objects.filter(purpose="management_review.report")
    before = signatures.count()
    leader.post(reverse("reviews:sign", args=[review.pk, report.pk]), {"password": "sai"})
    assert signatures.count() == before
    leader.post(reverse("reviews:sign", args=[review.pk, report.pk]), {"password": DEMO_PASSWORD})
    review.refresh_from_db()
    assert review.status == "closed"
    signed = text_of(leader.get(reverse("reviews:signed_report", args=[review.pk])).content)
    assert "Đặng Văn Phúc" in signed and "chữ ký hợp lệ" in signed

    # Signed: the review can no longer change through the pages…
    client = login("thuky")
    compiled_at = review.inputs_compiled_at
    client.post(reverse("reviews:compile", args=[review.pk]))
    review.refresh_from_db()
    assert review.inputs_compiled_at == compiled_at and review.reports.count() == 1
    # …and the action is still tracked to closure by its owner, through their own page
    # (a unit head has no access to the review itself).
    action = review.actions.get()
    owner = login("truongphong")
    assert owner.get(reverse("reviews:detail", args=[review.pk])).status_code == 403
    mine = owner.get(reverse("reviews:assigned")).content.decode()
    assert "Rà soát quy trình nội bộ các TTHC có hồ sơ trễ hạn" in mine
    done_url = reverse("reviews:action_done", args=[review.pk, action.pk])
    assert login("chuyenvien.nuoc").post(done_url, {"result": "x"}).status_code == 404
    owner = login("truongphong")
    owner.post(done_url, {"result": ""})
    action.refresh_from_db()
    assert action.status == "open"
    response = owner.post(done_url, {"result": "Đã sửa 2 quy trình nội bộ"})
    assert response["Location"] == reverse("reviews:assigned")
    action.refresh_from_db()
    assert (action.status, action.result) == ("done", "Đã sửa 2 quy trình nội bộ")

    # A change to the signed content after signing shows the signature no longer valid.
    review.minutes = "Kết luận đã bị sửa"
    review.save()
    page = login("giamdoc").get(reverse("reviews:detail", args=[review.pk])).content.decode()
    assert "Chữ ký không còn hiệu lực" in page


def test_staff_cannot_open_reviews_and_auditors_cannot_change_them(world, login):
    index = login("chuyenvien").get(reverse("reviews:index"))
    assert index.status_code == 302 and index["Location"] == reverse("reviews:assigned")
    client = login("thuky")
    review = create_review(client, world)
    auditor = login("danhgia")
    assert auditor.get(reverse("reviews:detail", args=[review.pk])).status_code == 200
    for name in ("compile", "meeting", "action_add", "report_request"):
        assert auditor.post(reverse(f"reviews:{name}", args=[review.pk])).status_code == 403
    review.refresh_from_db()
    assert review.inputs is None


def test_the_demo_has_a_signed_review_with_actions_and_one_waiting_for_signature(world):
    previous, current = ManagementReview.objects.order_by("period_to")
    assert previous.status == "closed" and current.status == "held"
    assert previous.actions.filter(status="done").count() == 1
    assert current.reports.count() == 1
    assert current.inputs["previous_actions"]["open"] == 1  # last year's action still open


def test_bad_period_is_refused_in_vietnamese(world, login):
    client = login("thuky")
    response = client.post(
        reverse("reviews:create"),
        {
            "title": "Sai kỳ",
            "period_from": "2024-12-31",
            "period_to": "2024-01-01",
            "chair": User.objects.get(username="giamdoc").pk,
        },
    )
    assert response.status_code == 200
    assert "Ngày bắt đầu kỳ xem xét phải trước" in response.content.decode()
    assert not ManagementReview.objects.filter(title="Sai kỳ").exists()


def test_the_command_writes_the_same_report(world, tmp_path):
    reviews = ManagementReview.objects.count()
    out = tmp_path / "bao-cao.pdf"
    call_command(
        "management_review_report",
        "--from",
        world["from"].strftime("%d/%m/%Y"),
        "--to",
        world["to"].isoformat(),
        "--out",
        str(out),
        stdout=io.StringIO(),
    )
    text = text_of(out.read_bytes())
    assert "BÁO CÁO XEM XÉT CỦA LÃNH ĐẠO" in text and "Tỷ lệ hài lòng" in text
    assert ManagementReview.objects.count() == reviews  # printing saves nothing


def test_review_figures_equal_direct_counts_in_the_database(world):
    from audits.models import Nonconformity
    from audits.review.inputs import compile_inputs
    from procedures.models import Dossier

    review = ManagementReview(
        title="Kiểm tra số liệu",
        period_from=world["from"],
        period_to=world["to"],
        chair=User.objects.get(username="giamdoc"),
    )
    inputs = compile_inputs(review)
    raised = Nonconformity.objects.filter(
        raised_at__date__gte=world["from"], raised_at__date__lte=world["to"]
    )
    assert inputs["nonconformities"]["raised"] == raised.count()
    by_source = {row["source"]: row["count"] for row in inputs["nonconformities"]["by_source"]}
    assert by_source["late_dossier"] == raised.filter(source="late_dossier").count()
    rated = Dossier.objects.filter(rated_at__date__gte=world["from"])
    assert inputs["satisfaction"]["rated"] == rated.count()
    # On time: dossiers finished in the period, late if finished after the appointment.
    finished = Dossier.objects.filter(
        finished_at__date__gte=world["from"], finished_at__date__lte=world["to"]
    )
    late = [d for d in finished if d.finished_at > d.legal_due_at]
    overall = inputs["process_performance"]["overall"]
    assert overall["denominator"] >= finished.count()
    assert overall["denominator"] - overall["numerator"] >= len(late)
    assert (
        sum(r["denominator"] for r in inputs["process_performance"]["by_unit"])
        == overall["denominator"]
    )


def test_conformity_announcement_and_the_yearly_report(world, login):
    from audits.review.models import ConformityAnnouncement

    client = login("thuky")
    first, renewal = ConformityAnnouncement.objects.order_by("decision_date")
    assert renewal.replaces == first and renewal.kind == "renewal"
    count = ConformityAnnouncement.objects.count()
    # A re-announcement without a reason is refused and nothing is written.
    response = client.post(
        reverse("reviews:conformity_create"),
        {
            "decision_number": "300/QĐ-STNMT",
            "decision_date": world["to"].isoformat(),
            "signed_by": "Giám đốc Sở",
            "standard": "TCVN ISO 9001:2015",
            "scope": "Toàn bộ TTHC",
        },
        follow=True,
    )
    assert "phải ghi lý do" in response.content.decode()
    assert ConformityAnnouncement.objects.count() == count
    assert login("danhgia").post(reverse("reviews:conformity_create"), {}).status_code == 403

    year = 2024
    pdf = login("giamdoc").get(reverse("reviews:annual_report", args=[year]))
    text = text_of(pdf.content)
    assert "Kính gửi: Sở Khoa học và Công nghệ" in text
    assert renewal.decision_number in text
    from audits.internal.models import Audit

    held = Audit.objects.filter(planned_start__year=year).exclude(status="planned").count()
    assert f"Cuộc đánh giá nội bộ đã thực hiện {held}" in text
