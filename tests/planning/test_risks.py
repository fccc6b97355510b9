"""The risk and opportunity register (ISO 9001 6.1): scoring, reviews, daily reminders,
scoping and refusals."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from audits.planning import selectors, services, tasks
from audits.planning.models import RiskEntry, RiskReminder, RiskReview
from procedures.models import Procedure
from qms.core.models import AuditEvent, Notification
from tests.planning.dossiers import ENV

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def risk(people, units, **fields):
    values = {
        "kind": "risk",
        "procedure": None,
        "process_name": "Kiểm soát tài liệu",
        "description": "Dùng biểu mẫu hết hiệu lực",
        "cause": "Bản giấy cũ còn lưu",
        "likelihood": 3,
        "impact": 4,
        "action": "Thu hồi bản giấy",
        "unit": None,
        "owner_unit": units["van-phong"],
        "owner": people["thuky"],
        "review_date": today() + dt.timedelta(days=30),
    }
    values.update(fields)
    return services.risk_create(actor=people["thuky"], **values)


def test_level_is_likelihood_times_impact_with_bands(people, units):
    assert [RiskEntry.band_of(n) for n in (1, 4, 5, 12, 15, 25)] == [
        "low",
        "low",
        "medium",
        "medium",
        "high",
        "high",
    ]
    high = risk(people, units, likelihood=4, impact=4)
    medium = risk(people, units, likelihood=3, impact=4)
    low = risk(people, units, likelihood=2, impact=2)
    assert [(r.level, r.band) for r in (high, medium, low)] == [
        (16, "high"),
        (12, "medium"),
        (4, "low"),
    ]
    assert high.get_band_display() == "Cao"
    # The database refuses a level that is not the product.
    with pytest.raises(IntegrityError), transaction.atomic():
        RiskEntry.objects.filter(pk=low.pk).first().__class__.objects.create(
            **{
                f.name: getattr(low, f.name)
                for f in RiskEntry._meta.concrete_fields
                if f.name not in ("id", "level")
            },
            level=5,
        )


BAD_RISKS = [
    ({"process_name": ""}, "một trong hai"),
    ({"procedure": ENV}, "một trong hai"),
    ({"likelihood": 6}, "Khả năng xảy ra phải là số nguyên từ 1 đến 5"),
    ({"impact": 0}, "Mức độ ảnh hưởng phải là số nguyên từ 1 đến 5"),
    ({"likelihood": "3"}, "Khả năng xảy ra phải là số nguyên"),
    ({"description": " "}, "Phải mô tả"),
    ({"action": ""}, "biện pháp xử lý"),
    ({"kind": "threat"}, "rủi ro hay cơ hội"),
    ({"owner": "chuyenvien.datdai"}, "không thuộc Văn phòng Sở"),
    ({"review_date": dt.date(2020, 1, 1)}, "không được trước hôm nay"),
    ({"owner_unit": None}, "đơn vị chủ trì"),
]


def test_bad_risks_are_refused_and_nothing_is_written(catalogue, people, units):
    for fields, message in BAD_RISKS:
        if fields.get("procedure") == ENV:
            fields = {**fields, "procedure": Procedure.objects.get(key=ENV)}
        if isinstance(fields.get("owner"), str):
            fields = {**fields, "owner": people[fields["owner"]]}
        with pytest.raises(ValidationError, match=message):
            risk(people, units, **fields)
    assert not RiskEntry.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="risk.").exists()


def test_the_owner_reviews_through_the_page_rescoring_and_moving_the_date(
    catalogue, people, units, login
):
    entry = risk(
        people,
        units,
        procedure=Procedure.objects.get(key=ENV),
        process_name="",
        unit=units["moi-truong"],
        owner_unit=units["moi-truong"],
        owner=people["truongphong"],
        review_date=today(),
    )
    client = login("truongphong")
    next_date = today() + dt.timedelta(days=90)
    response = client.post(
        f"/planning/risks/{entry.pk}/review/",
        {
            "likelihood": 2,
            "impact": 4,
            "status": "treated",
            "note": "Đã áp dụng nhắc việc tự động, không phát sinh hồ sơ trễ.",
            "next_review_date": next_date.isoformat(),
        },
        follow=True,
    )
    assert "Đã ghi kết quả xem xét" in response.content.decode()
    entry.refresh_from_db()
    assert (entry.likelihood, entry.impact, entry.level, entry.band) == (2, 4, 8, "medium")
    assert (entry.status, entry.review_date) == ("treated", next_date)
    assert entry.last_reviewed_at is not None
    review = RiskReview.objects.get()
    assert (review.likelihood_before, review.impact_before, review.level) == (3, 4, 8)
    assert review.reviewed_by == people["truongphong"]
    event = AuditEvent.objects.get(action="risk.review")
    assert event.before["level"] == 12 and event.after["level"] == 8
    assert event.after["review_date"] == next_date.isoformat()
    assert not selectors.risk_is_due(entry)


BAD_REVIEWS = [
    ({"next_review_date": "today"}, "phải sau ngày xem xét"),
    ({"note": ""}, "Kết quả xem xét"),
    ({"likelihood": 7}, "Khả năng xảy ra"),
    ({"next_review_date": "32/13/2024"}, "ngày/tháng/năm"),
]


def test_a_bad_review_changes_nothing(people, units, login):
    entry = risk(people, units)
    before = (entry.likelihood, entry.impact, entry.review_date, entry.status)
    client = login("thuky")
    for data, message in BAD_REVIEWS:
        values = {
            "likelihood": 2,
            "impact": 2,
            "status": "open",
            "note": "Xem xét định kỳ",
            "next_review_date": (today() + dt.timedelta(days=10)).isoformat(),
            **data,
        }
        if values["next_review_date"] == "today":
            values["next_review_date"] = today().isoformat()
        response = client.post(f"/planning/risks/{entry.pk}/review/", values, follow=True)
        assert message in response.content.decode(), data
    with pytest.raises(ValidationError, match="Khả năng xảy ra"):
        services.risk_review(
            actor=people["thuky"],
            risk=entry,
            likelihood=True,
            impact=2,
            note="x",
            next_review_date=today() + dt.timedelta(days=3),
        )
    entry.refresh_from_db()
    assert (entry.likelihood, entry.impact, entry.review_date, entry.status) == before
    assert not RiskReview.objects.exists()


def test_only_the_owner_and_the_managers_review(people, units, login):
    entry = risk(people, units, owner_unit=units["moi-truong"], owner=people["chuyenvien"])
    data = {
        "likelihood": 1,
        "impact": 1,
        "status": "closed",
        "note": "Đóng",
        "next_review_date": (today() + dt.timedelta(days=10)).isoformat(),
    }
    for username in ("danhgia", "truongphong.nuoc"):
        assert login(username).post(f"/planning/risks/{entry.pk}/review/", data).status_code in (
            403,
            404,
        )
    with pytest.raises(PermissionDenied):
        services.risk_review(
            actor=people["danhgia"],
            risk=entry,
            likelihood=1,
            impact=1,
            note="x",
            next_review_date=today() + dt.timedelta(days=3),
        )
    assert not RiskReview.objects.exists()
    assert login("chuyenvien").post(f"/planning/risks/{entry.pk}/review/", data).status_code == 302
    entry.refresh_from_db()
    assert entry.status == "closed"


def test_reminders_go_once_a_day_to_owners_of_risks_due_within_seven_days(
    people, units, django_capture_on_commit_callbacks
):
    soon = risk(people, units, review_date=today() + dt.timedelta(days=7))
    overdue = risk(people, units, owner_unit=units["moi-truong"], owner=people["chuyenvien"])
    later = risk(people, units, review_date=today() + dt.timedelta(days=8))
    closed = risk(people, units, review_date=today() + dt.timedelta(days=1))
    services.risk_change(actor=people["thuky"], risk=closed, reason="Đã loại bỏ", status="closed")
    # No owner: the heads of the owner unit are reminded.
    headless = risk(people, units, owner_unit=units["dat-dai"], owner=None, review_date=today())
    overdue.review_date = today() - dt.timedelta(days=3)  # three days pass without a review
    overdue.save()

    with django_capture_on_commit_callbacks(execute=True):
        tasks.remind_risk_reviews.delay()
    assert sorted(mail.outbox[i].to[0] for i in range(len(mail.outbox))) == [
        "chuyenvien@demo.stnmt.soctrang.invalid",
        "thuky@demo.stnmt.soctrang.invalid",
        "truongphong_datdai@demo.stnmt.soctrang.invalid",
    ]
    by_person = {m.to[0]: m for m in mail.outbox}
    assert f"#{overdue.pk}" in by_person["chuyenvien@demo.stnmt.soctrang.invalid"].body
    assert "đã quá hạn" in by_person["chuyenvien@demo.stnmt.soctrang.invalid"].body
    thuky = by_person["thuky@demo.stnmt.soctrang.invalid"]
    assert f"#{soon.pk}" in thuky.body and f"#{later.pk}" not in thuky.body
    assert f"#{closed.pk}" not in thuky.body
    assert f"#{headless.pk}" in by_person["truongphong_datdai@demo.stnmt.soctrang.invalid"].body
    assert RiskReminder.objects.filter(day=today()).count() == 3
    # Each person also finds the reminder in the notification centre, linking to the risk.
    notices = {n.recipient.username: n for n in Notification.objects.filter(kind="risk.review_due")}
    assert set(notices) == {"chuyenvien", "thuky", "truongphong.datdai"}
    assert notices["chuyenvien"].url == f"/planning/risks/{overdue.pk}/"
    assert notices["thuky"].url == f"/planning/risks/{soon.pk}/"
    assert all(n.read_at is None and n.emailed_at is not None for n in notices.values())

    # The same day again (a second beat run, a retried task): nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.risk_reminders_send() == 0
    assert len(mail.outbox) == 3 and RiskReminder.objects.count() == 3
    assert Notification.objects.count() == 3
    assert AuditEvent.objects.filter(action="risk.remind").count() == 3

    # The next day, the risks still due are reminded again, one more joins.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.risk_reminders_send(on=today() + dt.timedelta(days=1)) == 4
    assert len(mail.outbox) == 6


def test_unit_staff_see_their_units_and_department_risks_only(people, units, login):
    env = risk(
        people,
        units,
        unit=units["moi-truong"],
        owner_unit=units["moi-truong"],
        owner=people["truongphong"],
    )
    department = risk(people, units)
    client = login("chuyenvien.nuoc")
    listed = {r.pk for r, _due in client.get("/planning/risks/").context["rows"]}
    assert listed == {department.pk}
    assert client.get(f"/planning/risks/{env.pk}/").status_code == 404
    assert client.get(f"/planning/risks/{department.pk}/").status_code == 200
    own = login("chuyenvien")
    assert {r.pk for r, _d in own.get("/planning/risks/").context["rows"]} == {
        env.pk,
        department.pk,
    }
    auditor = login("danhgia")
    assert {r.pk for r, _d in auditor.get("/planning/risks/").context["rows"]} == {
        env.pk,
        department.pk,
    }


def test_filters_of_the_register(people, units, login):
    high = risk(people, units, likelihood=5, impact=4)
    risk(people, units, likelihood=1, impact=2, kind="opportunity", process_name="Đào tạo")
    client = login("thuky")
    rows = client.get("/planning/risks/", {"band": "high"}).context["rows"]
    assert [r.pk for r, _d in rows] == [high.pk]
    rows = client.get("/planning/risks/", {"kind": "opportunity", "text": "tạo"}).context["rows"]
    assert [r.process_name for r, _d in rows] == ["Đào tạo"]


def test_the_quality_manager_records_a_risk_through_the_page(catalogue, people, units, login):
    client = login("thuky")
    assert client.get("/planning/risks/new/").status_code == 200
    data = {
        "kind": "risk",
        "procedure": Procedure.objects.get(key=ENV).pk,
        "process_name": "",
        "description": "Chờ ý kiến phối hợp",
        "cause": "",
        "likelihood": "4",
        "impact": "5",
        "action": "Nhắc cơ quan phối hợp",
        "owner_unit": units["moi-truong"].pk,
        "owner": people["truongphong"].pk,
        "review_date": (today() + dt.timedelta(days=14)).strftime("%d/%m/%Y"),
    }
    bad = client.post("/planning/risks/new/", {**data, "process_name": "Cũng ghi tên"})
    assert bad.status_code == 200 and "một trong hai" in bad.content.decode()
    assert not RiskEntry.objects.exists()
    assert client.post("/planning/risks/new/", data).status_code == 302
    entry = RiskEntry.objects.get()
    assert (entry.level, entry.band, entry.created_by) == (20, "high", people["thuky"])
    page = client.get(f"/planning/risks/{entry.pk}/").content.decode()
    assert "Cao" in page and "Ghi kết quả xem xét" in page
    # Changing needs a reason.
    change = client.post(
        f"/planning/risks/{entry.pk}/edit/", {**data, "status": "open", "reason": ""}
    )
    assert change.status_code == 200 and not RiskReview.objects.exists()
    client.post(
        f"/planning/risks/{entry.pk}/edit/",
        {**data, "impact": "3", "status": "open", "reason": "Đánh giá lại ảnh hưởng"},
    )
    entry.refresh_from_db()
    assert (entry.impact, entry.level) == (3, 12)


def test_only_managers_record_or_change_risks(people, units, login):
    entry = risk(people, units, owner=None)
    for username in ["danhgia", "chuyenvien", "truongphong", "motcua"]:
        client = login(username)
        assert client.get("/planning/risks/new/").status_code == 403
        assert client.post("/planning/risks/new/", {"kind": "risk"}).status_code == 403
        assert client.get(f"/planning/risks/{entry.pk}/edit/").status_code == 403
        assert client.post(f"/planning/risks/{entry.pk}/edit/", {"reason": "x"}).status_code == 403
        with pytest.raises(PermissionDenied):
            services.risk_change(actor=people[username], risk=entry, reason="x", status="closed")
    entry.refresh_from_db()
    assert entry.status == "open" and RiskEntry.objects.count() == 1
