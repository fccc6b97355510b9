"""The admin corrects internal audit records with a stated reason; it never adds or deletes
them (the services number, link and sign), and a correction shows the report's signature as
no longer valid."""

import pytest

from audits.internal import selectors
from audits.internal.models import AuditReport, Finding
from qms.core.models import AuditEvent

from .test_pages import _findings
from .test_services import _report

pytestmark = pytest.mark.django_db


def test_a_correction_in_the_admin_needs_a_reason_and_breaks_the_signature(login, started):
    _findings(started)
    _report(started)
    report = AuditReport.objects.get(audit=started)
    client = login("admin")
    for model in (
        "auditprogramme",
        "audit",
        "programmeitem",
        "auditteammember",
        "checklist",
        "checklistitem",
        "auditchecklist",
        "auditchecklistanswer",
        "finding",
        "auditreport",
    ):
        assert client.get(f"/admin/internal_audits/{model}/").status_code == 200, model
        assert client.get(f"/admin/internal_audits/{model}/add/").status_code == 403, model
    finding = Finding.objects.first()
    assert client.get(f"/admin/internal_audits/finding/{finding.pk}/change/").status_code == 200
    url = f"/admin/internal_audits/auditreport/{report.pk}/change/"
    data = {
        "summary": report.summary,
        "conclusions": "Sửa trong trang quản trị",
        "recommendations": "",
    }
    response = client.post(url, data)
    assert response.status_code == 200 and "Phải ghi lý do thay đổi." in response.content.decode()
    report.refresh_from_db()
    assert report.conclusions != "Sửa trong trang quản trị"

    response = client.post(url, {**data, "change_reason": "Đính chính lỗi chính tả"})
    assert response.status_code == 302
    event = AuditEvent.objects.filter(action="admin.change").last()
    assert event.reason == "Đính chính lỗi chính tả"
    [shown] = selectors.report_signatures(started)
    assert not shown["valid"] and shown["changed"] == ["conclusions"]
