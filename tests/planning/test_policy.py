"""The quality policy (ISO 9001 5.2): drafted by the ISO secretary, approved by a director who
signs with the password re-entered; one version in force at a time."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audits.planning import selectors, services
from audits.planning.models import QualityPolicy
from qms.core.demo import DEMO_PASSWORD
from qms.core.models import AuditEvent, Signature

pytestmark = pytest.mark.django_db


def draft(people, effective=dt.date(2024, 1, 1), text="Cam kết giải quyết TTHC đúng hạn."):
    return services.quality_policy_save(
        actor=people["thuky"],
        title="Chính sách chất lượng",
        text=text,
        effective_from=effective,
    )


def test_director_approves_the_draft_with_password_and_signs_it(people, login):
    policy = draft(people)
    assert policy.version == 1 and policy.status == "draft"
    assert selectors.quality_policy_effective(on=dt.date(2024, 6, 1)) is None
    client = login("giamdoc")
    page = client.get(f"/planning/policy/{policy.pk}/")
    assert page.status_code == 200 and "Phê duyệt và ký ban hành" in page.content.decode()

    response = client.post(
        f"/planning/policy/{policy.pk}/approve/", {"password": DEMO_PASSWORD}, follow=True
    )
    assert "Đã phê duyệt và ký chính sách chất lượng." in response.content.decode()
    policy.refresh_from_db()
    assert policy.status == "approved" and policy.approved_by == people["giamdoc"]
    signature = Signature.objects.get(object_id=policy.pk, purpose=services.PURPOSE_POLICY)
    assert signature.signer_name == "Đặng Văn Phúc" and signature.meaning == "approved"
    assert selectors.quality_policy_effective(on=dt.date(2024, 6, 1)) == policy
    actions = list(
        AuditEvent.objects.filter(object_type="planning.qualitypolicy").values_list(
            "action", flat=True
        )
    )
    assert actions == ["quality_policy.save", "quality_policy.approve", "signature.sign"]
    page = client.get(f"/planning/policy/{policy.pk}/").content.decode()
    assert "Chữ ký hợp lệ" in page and "Đang có hiệu lực" in page


def test_a_wrong_password_approves_and_signs_nothing(people, login):
    policy = draft(people)
    client = login("giamdoc")
    response = client.post(
        f"/planning/policy/{policy.pk}/approve/", {"password": "sai-mat-khau"}, follow=True
    )
    assert "Mật khẩu không đúng" in response.content.decode()
    policy.refresh_from_db()
    assert policy.status == "draft" and policy.approved_at is None
    assert not Signature.objects.exists()
    assert not AuditEvent.objects.filter(action="quality_policy.approve").exists()


def test_one_version_in_force_at_a_time(people):
    first = draft(people, dt.date(2024, 1, 1))
    services.quality_policy_approve(actor=people["giamdoc"], policy=first, password=DEMO_PASSWORD)
    second = draft(people, dt.date(2025, 1, 1), text="Phiên bản sau sáp nhập.")
    services.quality_policy_approve(
        actor=people["phogiamdoc"], policy=second, password=DEMO_PASSWORD
    )
    assert selectors.quality_policy_effective(on=dt.date(2024, 12, 31)) == first
    assert selectors.quality_policy_effective(on=dt.date(2025, 1, 1)) == second
    states = {
        p.version: selectors.policy_state(
            p, selectors.quality_policy_effective(on=dt.date(2025, 3, 1))
        )
        for p in QualityPolicy.objects.all()
    }
    assert states == {1: "superseded", 2: "effective"}
    # A version cannot come into force before the latest approved one.
    third = draft(people, dt.date(2024, 7, 1))
    with pytest.raises(ValidationError, match="phải sau ngày hiệu lực"):
        services.quality_policy_approve(
            actor=people["giamdoc"], policy=third, password=DEMO_PASSWORD
        )
    third.refresh_from_db()
    assert third.status == "draft"


def test_an_approved_version_is_never_edited(people, login):
    policy = draft(people)
    services.quality_policy_approve(actor=people["giamdoc"], policy=policy, password=DEMO_PASSWORD)
    with pytest.raises(ValidationError, match="đã được phê duyệt, không sửa được"):
        services.quality_policy_save(
            actor=people["thuky"],
            policy=policy,
            title="Sửa",
            text="Khác",
            effective_from=dt.date(2024, 1, 1),
        )
    client = login("thuky")
    response = client.get(f"/planning/policy/{policy.pk}/edit/")
    assert response.status_code == 302
    response = client.post(
        f"/planning/policy/{policy.pk}/edit/",
        {"title": "Sửa", "text": "Khác", "effective_from": "2024-01-01"},
    )
    assert response.status_code == 200 and "không sửa được" in response.content.decode()
    policy.refresh_from_db()
    assert policy.text == "Cam kết giải quyết TTHC đúng hạn."


def test_a_changed_signed_text_shows_the_signature_as_no_longer_valid(people, login):
    policy = draft(people)
    services.quality_policy_approve(actor=people["giamdoc"], policy=policy, password=DEMO_PASSWORD)
    policy.text = "Nội dung bị sửa ngoài hệ thống."
    policy.save()
    page = login("danhgia").get(f"/planning/policy/{policy.pk}/").content.decode()
    assert "Chữ ký không còn hiệu lực" in page


def test_the_quality_manager_drafts_through_the_page_but_cannot_approve(people, login):
    client = login("thuky")
    response = client.post(
        "/planning/policy/new/",
        {"title": "Chính sách chất lượng", "text": "Nội dung", "effective_from": "01/01/2024"},
    )
    assert response.status_code == 302
    policy = QualityPolicy.objects.get()
    assert (policy.version, policy.effective_from) == (1, dt.date(2024, 1, 1))
    assert (
        client.post(
            f"/planning/policy/{policy.pk}/approve/", {"password": DEMO_PASSWORD}
        ).status_code
        == 403
    )
    with pytest.raises(PermissionDenied):
        services.quality_policy_approve(
            actor=people["thuky"], policy=policy, password=DEMO_PASSWORD
        )
    assert QualityPolicy.objects.get().status == "draft"


def test_bad_draft_is_refused_and_nothing_is_written(people, login):
    client = login("thuky")
    response = client.post(
        "/planning/policy/new/", {"title": "  ", "text": "", "effective_from": "31/02/2024"}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"title", "text", "effective_from"}
    with pytest.raises(ValidationError, match="Phải nhập nội dung"):
        services.quality_policy_save(
            actor=people["thuky"], title="A", text="  ", effective_from=dt.date(2024, 1, 1)
        )
    assert not QualityPolicy.objects.exists()


def test_only_managers_open_the_policy_forms(people, login):
    policy = draft(people)
    for username in ["danhgia", "chuyenvien", "truongphong", "motcua"]:
        client = login(username)
        assert client.get("/planning/policy/").status_code == 200
        assert client.get(f"/planning/policy/{policy.pk}/").status_code == 200
        assert client.get("/planning/policy/new/").status_code == 403
        data = {"title": "x", "text": "y", "effective_from": "2024-01-01"}
        assert client.post("/planning/policy/new/", data).status_code == 403
        assert client.post(f"/planning/policy/{policy.pk}/edit/", data).status_code == 403
        approve = client.post(f"/planning/policy/{policy.pk}/approve/", {"password": DEMO_PASSWORD})
        assert approve.status_code == 403
    assert QualityPolicy.objects.get().title == "Chính sách chất lượng"
    assert QualityPolicy.objects.count() == 1
