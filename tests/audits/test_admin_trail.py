"""Writes made in the admin leave the same trail as the services, and controlled records ask
for the reason of a change."""

import pytest
from django.urls import reverse
from django.utils import timezone

from audits.models import Nonconformity
from qms.core.models import AuditEvent, OrgUnit

pytestmark = pytest.mark.django_db


def test_an_admin_edit_is_logged_with_values_before_and_after(demo, login):
    client = login("admin")
    unit = OrgUnit.objects.get(code="moi-truong")
    old_name = unit.name
    url = reverse("admin:core_orgunit_change", args=[unit.pk])
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update(
        {
            "name": "Phòng Quản lý Môi trường",
            "memberships-TOTAL_FORMS": 0,
            "memberships-INITIAL_FORMS": 0,
        }
    )
    data = {k: ("on" if v is True else v) for k, v in data.items() if v is not False}

    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    event = AuditEvent.objects.filter(action="admin.change").get()
    assert event.object_id == str(unit.pk) and event.actor.username == "admin"
    assert event.before == {"name": old_name}
    assert event.after == {"name": "Phòng Quản lý Môi trường"}


def test_changing_a_nonconformity_in_the_admin_needs_a_reason(demo, login):
    unit = OrgUnit.objects.get(code="moi-truong")
    nonconformity = Nonconformity.objects.create(
        source="manual",
        unit=unit,
        title="Hồ sơ lưu thiếu phiếu kiểm soát",
        description="Phát hiện khi kiểm tra hồ sơ lưu quý I.",
        raised_at=timezone.now(),
    )
    client = login("admin")
    url = reverse("admin:audits_nonconformity_change", args=[nonconformity.pk])
    data = {
        # The status belongs to the corrective-action process: the admin cannot close it.
        "status": "closed",
        "severity": "minor",
        "title": "Hồ sơ lưu thiếu Phiếu kiểm soát quá trình",
        "description": "Phát hiện khi kiểm tra hồ sơ lưu quý I.",
        "finding_ref": "",
        "complaint_ref": "",
    }

    refused = client.post(url, {**data, "change_reason": "   "})

    assert refused.status_code == 200
    assert "Phải ghi lý do thay đổi." in refused.content.decode()
    nonconformity.refresh_from_db()
    assert nonconformity.title == "Hồ sơ lưu thiếu phiếu kiểm soát"

    accepted = client.post(url, {**data, "change_reason": "Ghi đúng tên biểu mẫu"})

    assert accepted.status_code == 302
    nonconformity.refresh_from_db()
    assert nonconformity.title == "Hồ sơ lưu thiếu Phiếu kiểm soát quá trình"
    assert nonconformity.status == "open"
    latest = nonconformity.history.latest()
    assert latest.history_change_reason == "Ghi đúng tên biểu mẫu"
    event = AuditEvent.objects.filter(action="admin.change").get()
    assert event.reason == "Ghi đúng tên biểu mẫu"
    assert (event.before, event.after) == (
        {"title": "Hồ sơ lưu thiếu phiếu kiểm soát"},
        {"title": "Hồ sơ lưu thiếu Phiếu kiểm soát quá trình"},
    )
