"""The internal audit pages: who may write what (the audit's team, not the auditor's role),
per-unit scoping, the plan form's independence check, the director's approval, the PDFs with
the signature as it stands, bad input, and the demo."""

import io

import pytest
from pypdf import PdfReader

from audits import services as audits_services
from audits.internal import selectors, services
from audits.internal.demo import load_demo_internal_audits
from audits.internal.models import Audit, AuditProgramme, AuditReport, Finding
from audits.internal.views import nonconformity_url
from audits.models import Nonconformity
from qms.core.demo import DEMO_PASSWORD
from qms.core.models import AuditEvent

from .conftest import units, user

pytestmark = pytest.mark.django_db
BASE = "/internal-audits"


def pdf_text(response) -> str:
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def state():
    return (
        list(Audit.objects.order_by("pk").values_list("pk", "status")),
        Finding.objects.count(),
        AuditReport.objects.count(),
        AuditEvent.objects.exclude(action__in=["auth.login", "auth.logout"]).count(),
    )


def _findings(audit):
    services.finding_record(
        actor=user("danhgia"),
        audit=audit,
        unit=units("van-phong")[0],
        clause="7.5.3.2",
        kind="observation",
        description="Sổ thu hồi tài liệu ghi thiếu ngày.",
    )
    services.finding_record(
        actor=user("danhgia"),
        audit=audit,
        unit=units("moi-truong")[0],
        clause="8.5.1",
        kind="improvement",
        description="Nên nhắc lịch trả kết quả cho người dân.",
    )


# Planning --------------------------------------------------------------------------------------


def test_the_plan_form_names_the_auditor_who_would_audit_their_own_unit(login, programme):
    client = login("thuky")
    page = client.get(f"{BASE}/programmes/{programme.pk}/audits/new/")
    assert page.status_code == 200
    response = client.post(
        f"{BASE}/programmes/{programme.pk}/audits/new/",
        {
            "title": "Phòng Môi trường",
            "scope": "Lĩnh vực Môi trường",
            "clauses": "8.5",
            "criteria": "ISO 9001:2015",
            "planned_start": "2024-05-06",
            "planned_end": "2024-05-07",
            "lead_auditor": user("truongphong").pk,
            "members": [user("danhgia").pk],
            "units": [units("moi-truong")[0].pk],
        },
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "Không bảo đảm tính độc lập: Nguyễn Thị Hồng là thành viên của Phòng Môi trường" in text
    assert not Audit.objects.exists()

    response = client.post(
        f"{BASE}/programmes/{programme.pk}/audits/new/",
        {
            "title": "Phòng Môi trường",
            "scope": "Lĩnh vực Môi trường",
            "clauses": "8.5, 10.2",
            "criteria": "ISO 9001:2015",
            "planned_start": "06/05/2024",
            "planned_end": "07/05/2024",
            "lead_auditor": user("danhgia").pk,
            "units": [units("moi-truong")[0].pk],
            "processes": ["corrective_action"],
        },
    )
    audit = Audit.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/audits/{audit.pk}/")
    assert audit.code == "01/2024" and audit.lead_auditor == user("danhgia")
    plan = pdf_text(client.get(f"{BASE}/audits/{audit.pk}/plan.pdf"))
    assert "KẾ HOẠCH ĐÁNH GIÁ NỘI BỘ" in plan and "Kim Sóc Ra" in plan
    assert "Phòng Môi trường" in plan and "06/05/2024" in plan


def test_the_programme_page_shows_the_coverage_matrix_to_every_unit(login, main_audit):
    page = login("chuyenvien.datdai").get(f"{BASE}/programmes/{main_audit.programme.pk}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Thanh tra Sở" in text and "Chưa bao quát" in text and "Đã lên kế hoạch" in text
    assert "Lập kế hoạch cuộc đánh giá" not in text  # only the quality manager plans
    # The audit of other units is listed but not linked for a member of Phòng Quản lý đất đai.
    assert f"/internal-audits/audits/{main_audit.pk}/" not in text


def test_the_director_approves_the_programme_with_the_password(login, main_audit, rest_audit):
    programme = main_audit.programme
    client = login("giamdoc")
    response = client.post(f"{BASE}/programmes/{programme.pk}/approve/", {"password": "sai"})
    assert response.status_code == 400 and "Mật khẩu không đúng" in response.content.decode()
    response = client.post(f"{BASE}/programmes/{programme.pk}/approve/", {"password": ""})
    assert response.status_code == 400 and "Nhập mật khẩu" in response.content.decode()
    programme.refresh_from_db()
    assert programme.status == AuditProgramme.Status.DRAFT

    response = client.post(
        f"{BASE}/programmes/{programme.pk}/approve/", {"password": DEMO_PASSWORD}
    )
    assert response.status_code == 302
    page = client.get(f"{BASE}/programmes/{programme.pk}/").content.decode()
    assert "Đặng Văn Phúc" in page and "Chữ ký hợp lệ" in page
    printed = pdf_text(client.get(f"{BASE}/programmes/{programme.pk}/programme.pdf"))
    assert "Đặng Văn Phúc" in printed and "chữ ký hợp lệ" in printed


# Who writes: the team of the audit, not a role -------------------------------------------------


def _write_routes(audit, checklists):
    item = checklists["7.5"].items.first()
    unit = units("tai-nguyen-nuoc")[0]
    return {
        f"{BASE}/audits/{audit.pk}/checklist/": {
            "unit": unit.pk,
            f"result_{item.pk}": "conform",
        },
        f"{BASE}/audits/{audit.pk}/findings/new/": {
            "unit": unit.pk,
            "clause": "7.5",
            "kind": "conformity",
            "description": "Phù hợp",
        },
        f"{BASE}/audits/{audit.pk}/report/": {"summary": "A", "conclusions": "B"},
        f"{BASE}/audits/{audit.pk}/report/sign/": {"password": DEMO_PASSWORD},
        f"{BASE}/audits/{audit.pk}/start/": {},
        f"{BASE}/audits/{audit.pk}/close/": {},
        f"{BASE}/audits/{audit.pk}/edit/": {"title": "X"},
        f"{BASE}/programmes/{audit.programme.pk}/audits/new/": {"title": "X"},
        f"{BASE}/programmes/{audit.programme.pk}/approve/": {"password": DEMO_PASSWORD},
        f"{BASE}/programmes/{audit.programme.pk}/edit/": {"title": "X", "objectives": "Y"},
        f"{BASE}/programmes/new/": {"year": 2025, "objectives": "Y"},
        f"{BASE}/checklists/new/": {"title": "X", "clause": "7.5"},
        f"{BASE}/checklists/{checklists['7.5'].pk}/": {"clause": "7.5", "question": "?"},
    }


@pytest.mark.parametrize(
    ("username", "statuses"),
    [
        # The internal auditor reads everything but is not on this audit's team.
        ("danhgia", {403}),
        # The quality manager plans, but records nothing of an audit in progress.
        ("thuky", {403}),
        # A member of an audited unit sees the audit, not its writing.
        ("chuyenvien.nuoc", {403}),
        # A member of a unit the audit does not cover does not even see it.
        ("vanthu", {403, 404}),
    ],
)
def test_only_the_team_writes_an_audit_in_progress(
    login, approved, rest_audit, checklists, username, statuses
):
    services.audit_start(actor=user("truongphong"), audit=rest_audit)
    client = login(username)
    before = state()
    routes = _write_routes(rest_audit, checklists)
    allowed = []
    for url, data in routes.items():
        response = client.post(url, data)
        if response.status_code not in statuses:
            # The quality manager's own planning routes answer (and refuse by their rules).
            if username == "thuky" and ("/programmes/" in url or "/checklists/" in url):
                continue
            allowed.append(f"{url} → {response.status_code}")
    assert allowed == []
    if username != "thuky":
        assert state() == before


def test_the_internal_auditor_writes_the_audit_whose_team_he_is_on(login, started, checklists):
    client = login("danhgia")
    office = units("van-phong")[0]
    item = checklists["7.5"].items.first()
    response = client.post(
        f"{BASE}/audits/{started.pk}/checklist/",
        {"unit": office.pk, f"result_{item.pk}": "conform", f"notes_{item.pk}": "QĐ 15"},
    )
    assert response.status_code == 302
    response = client.post(
        f"{BASE}/audits/{started.pk}/findings/new/",
        {"unit": office.pk, "clause": "7.5.2", "kind": "conformity", "description": "Phù hợp"},
    )
    assert response.status_code == 302
    assert Finding.objects.get().recorded_by == user("danhgia")
    client.post(f"{BASE}/audits/{started.pk}/report/", {"summary": "A", "conclusions": "B"})
    response = client.post(f"{BASE}/audits/{started.pk}/report/sign/", {"password": DEMO_PASSWORD})
    assert response.status_code == 302
    started.refresh_from_db()
    assert started.status == Audit.Status.REPORTED

    # Reported: the team's writing is over, for the lead auditor too.
    before = state()
    for url, data in _write_routes(started, checklists).items():
        assert client.post(url, data).status_code in {403, 404, 405}, url
    assert state() == before


# Scoping ---------------------------------------------------------------------------------------


def test_an_audited_unit_sees_its_own_findings_only(login, started):
    _findings(started)
    client = login("vanthu")  # Văn phòng Sở
    page = client.get(f"{BASE}/audits/{started.pk}/").content.decode()
    assert "Sổ thu hồi tài liệu ghi thiếu ngày." in page
    assert "Nên nhắc lịch trả kết quả" not in page  # Phòng Môi trường's finding
    assert client.get(f"{BASE}/audits/{started.pk}/report/").status_code == 403
    assert client.get(f"{BASE}/audits/{started.pk}/checklist/").status_code == 403
    assert client.get(f"{BASE}/audits/{started.pk}/plan.pdf").status_code == 200

    other = login("chuyenvien.datdai")  # Phòng Quản lý đất đai: not in this audit
    assert other.get(f"{BASE}/audits/{started.pk}/").status_code == 404
    assert other.get(f"{BASE}/audits/{started.pk}/plan.pdf").status_code == 404

    auditor = login("danhgia")
    page = auditor.get(f"{BASE}/audits/{started.pk}/").content.decode()
    assert "Sổ thu hồi" in page and "Nên nhắc lịch" in page


@pytest.mark.skipif(
    not hasattr(audits_services, "nonconformity_raise"), reason="nonconformity_raise not built"
)
def test_the_follow_up_list_shows_each_unit_its_open_nonconformities(login, started):
    finding = services.finding_record(
        actor=user("danhgia"),
        audit=started,
        unit=units("moi-truong")[0],
        clause="10.2.1",
        kind="minor_nc",
        description="Hồ sơ trễ hạn chưa phân tích nguyên nhân.",
        evidence="02 hồ sơ quý II.",
    )
    page = login("truongphong").get(f"{BASE}/follow-up/").content.decode()
    assert "Hồ sơ trễ hạn chưa phân tích nguyên nhân." in page and "Chưa đóng" in page
    # Each finding leads to its nonconformity's corrective-action page.
    link = nonconformity_url(finding.nonconformity_id)
    assert link and f'href="{link}"' in page
    page = login("vanthu").get(f"{BASE}/follow-up/").content.decode()
    assert "Hồ sơ trễ hạn chưa phân tích" not in page
    assert (
        finding.nonconformity.get_status_display()
        in login("thuky").get(f"{BASE}/follow-up/?open_only=on").content.decode()
    )


# The report ------------------------------------------------------------------------------------


def test_the_report_pdf_carries_the_findings_and_the_signature_as_it_stands(login, started):
    _findings(started)
    client = login("danhgia")
    client.post(
        f"{BASE}/audits/{started.pk}/report/",
        {"summary": "Làm việc tại ba đơn vị.", "conclusions": "Phù hợp, có hiệu lực."},
    )
    draft = pdf_text(client.get(f"{BASE}/audits/{started.pk}/report.pdf"))
    assert "DỰ THẢO" in draft
    client.post(f"{BASE}/audits/{started.pk}/report/sign/", {"password": DEMO_PASSWORD})

    signed = pdf_text(login("giamdoc").get(f"{BASE}/audits/{started.pk}/report.pdf"))
    assert "BÁO CÁO ĐÁNH GIÁ NỘI BỘ" in signed and "01/2024" in signed
    assert "Sổ thu hồi tài liệu ghi thiếu ngày." in signed and "Cơ hội cải tiến" in signed
    assert "Kim Sóc Ra" in signed and "chữ ký hợp lệ" in signed and "DỰ THẢO" not in signed

    report = AuditReport.objects.get(audit=started)
    report.conclusions = "Kết luận bị sửa sau khi ký."
    report.save()
    changed = pdf_text(login("giamdoc").get(f"{BASE}/audits/{started.pk}/report.pdf"))
    assert "CHỮ KÝ KHÔNG CÒN HIỆU LỰC" in changed
    page = login("thuky").get(f"{BASE}/audits/{started.pk}/report/").content.decode()
    assert "Chữ ký không còn hiệu lực" in page and "conclusions" in page


def test_a_wrong_password_or_an_empty_report_form_writes_nothing(login, started, checklists):
    _findings(started)
    client = login("danhgia")
    before = state()
    item = checklists["7.5"].items.first()
    url = f"{BASE}/audits/{started.pk}/checklist/"
    response = client.post(url, {"unit": units("dat-dai")[0].pk, f"result_{item.pk}": "conform"})
    assert response.status_code == 400 and "không thuộc phạm vi" in response.content.decode()
    response = client.post(url, {"unit": "abc", f"result_{item.pk}": "conform"})
    assert response.status_code == 400
    response = client.post(
        url, {"unit": units("van-phong")[0].pk, f"result_{item.pk}": "nonconform"}
    )
    assert response.status_code == 400
    assert "kết quả “không phù hợp” phải ghi bằng chứng" in response.content.decode()
    response = client.post(f"{BASE}/audits/{started.pk}/report/", {"summary": " "})
    assert response.status_code == 400
    assert "This field is required" not in response.content.decode()
    assert "Kết luận" in response.content.decode()
    response = client.post(f"{BASE}/audits/{started.pk}/findings/new/", {"clause": "7.x"})
    assert response.status_code == 400
    assert "7.5.3" in response.content.decode()  # the clause format is explained
    assert state() == before

    client.post(f"{BASE}/audits/{started.pk}/report/", {"summary": "A", "conclusions": "B"})
    before = state()
    response = client.post(f"{BASE}/audits/{started.pk}/report/sign/", {"password": "sai"})
    assert response.status_code == 400 and "Mật khẩu không đúng" in response.content.decode()
    assert state() == before


# Demo ------------------------------------------------------------------------------------------


@pytest.mark.skipif(
    not hasattr(audits_services, "nonconformity_raise"), reason="nonconformity_raise not built"
)
def test_the_demo_programme(org, login):
    programme = load_demo_internal_audits()
    assert load_demo_internal_audits() == programme  # loading twice changes nothing
    assert AuditProgramme.objects.count() == 1
    assert selectors.programme_approval_valid(programme)
    assert selectors.programme_coverage(programme)["complete"]
    audits = list(programme.audits.order_by("number"))
    assert [a.status for a in audits] == ["closed", "reported", "planned"]
    assert audits[0].reported_at.year == 2024
    [open_finding] = selectors.open_nonconformity_findings(audits[1])
    assert open_finding.kind == "minor_nc"
    assert open_finding.nonconformity.status != Nonconformity.Status.CLOSED
    assert selectors.report_signatures(audits[1])[0]["valid"]
    # The internal auditor leads only audits whose writing is over (see demo.py).
    assert not Audit.objects.filter(
        status__in=["planned", "in_progress"], lead_auditor__username="danhgia"
    ).exists()
    assert not Audit.objects.filter(
        status__in=["planned", "in_progress"], members__user__username="danhgia"
    ).exists()
    page = login("thuky").get(f"{BASE}/programmes/{programme.pk}/").content.decode()
    assert "Bao quát mọi đơn vị và quá trình" in page
    follow = login("truongphong").get(f"{BASE}/follow-up/").content.decode()
    assert "chưa được phân tích nguyên nhân" in follow


@pytest.mark.skipif(
    not hasattr(audits_services, "nonconformity_raise"), reason="nonconformity_raise not built"
)
def test_every_page_of_the_demo_opens_for_the_people_who_use_it(org, login):
    programme = load_demo_internal_audits()
    closed, reported, planned = programme.audits.order_by("number")
    checklist = closed.checklists.first().checklist
    pages = {
        "thuky": [
            ("/", "Chương trình đánh giá nội bộ năm 2024"),
            (f"/programmes/{programme.pk}/", "Lĩnh vực thủ tục hành chính"),
            (f"/programmes/{programme.pk}/edit/", "Mục tiêu"),
            (f"/programmes/{programme.pk}/audits/new/", "Trưởng đoàn đánh giá"),
            (f"/audits/{planned.pk}/edit/", "Phòng Biển và Hải đảo"),
            (f"/audits/{reported.pk}/", "Chờ đóng các sự không phù hợp trước khi kết thúc"),
            (f"/audits/{closed.pk}/checklist/?unit={closed.items.first().unit_id}", "7.5.2"),
            (f"/audits/{reported.pk}/report/", "Chữ ký hợp lệ"),
            ("/follow-up/", "Không phù hợp nhẹ"),
            ("/checklists/", "Sự không phù hợp và hành động khắc phục"),
            ("/checklists/new/", "điều khoản | câu hỏi"),
            (f"/checklists/{checklist.pk}/", "Thêm câu hỏi"),
        ],
        "truongphong": [(f"/audits/{planned.pk}/", "Bắt đầu đánh giá")],
        "danhgia": [(f"/audits/{reported.pk}/report/", "Kim Sóc Ra")],
    }
    for username, urls in pages.items():
        client = login(username)
        for url, expected in urls:
            response = client.get(BASE + url)
            assert response.status_code == 200, url
            assert expected in response.content.decode(), url
    client = login("giamdoc")
    assert "Đặng Văn Phúc" in pdf_text(
        client.get(f"{BASE}/programmes/{programme.pk}/programme.pdf")
    )
    report = pdf_text(client.get(f"{BASE}/audits/{reported.pk}/report.pdf"))
    assert "Không phù hợp nhẹ" in report and "chữ ký hợp lệ" in report
