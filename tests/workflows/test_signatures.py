"""The leader's decision is an electronic signature: the password again, the signer's printed
name, time, meaning and the hash of what was signed; shown on screen and on the forms; no
longer valid once the signed content changes."""

import io

import pytest
from pypdf import PdfReader

from procedures.models import Dossier
from procedures.signing import dossier_signatures
from qms.core.demo import DEMO_PASSWORD
from qms.core.models import AuditEvent, Signature

from .test_dossier_flow import Office, _user, catalogue  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def at_approval(client, catalogue):  # noqa: F811
    office = Office(client).as_user("motcua")
    dossier = office.receive(catalogue)
    office.do(dossier, "transfer", {})
    office.as_user("truongphong").do(dossier, "assign", {"handler": _user("chuyenvien").pk})
    office.as_user("chuyenvien").do(
        dossier, "appraise", {"decision": "propose_grant", "opinion": "Đủ điều kiện cấp phép"}
    )
    office.as_user("truongphong").do(dossier, "review", {"decision": "agree"})
    return office.as_user("giamdoc"), dossier


def test_a_wrong_or_missing_password_signs_nothing_and_changes_nothing(at_approval):
    office, dossier = at_approval
    opinions = dossier.opinions.count()

    for password in ("", "mat-khau-sai"):
        response = office.do(
            dossier, "approve", {"decision": "approve", "password": password}, expect=200
        )
        text = response.content.decode()
        assert "Nhập mật khẩu của bạn để ký." in text or "Mật khẩu không đúng" in text

    dossier.refresh_from_db()
    assert dossier.status == Dossier.Status.IN_PROGRESS
    assert dossier.opinions.count() == opinions
    assert not Signature.objects.exists()
    assert office.open_task(dossier, "approve").status == "ASSIGNED"


def test_approval_is_signed_and_shown_until_the_signed_content_changes(client, at_approval):
    office, dossier = at_approval

    office.do(
        dossier,
        "approve",
        {"decision": "approve", "comment": "Đồng ý cấp", "password": DEMO_PASSWORD},
    )

    signature = Signature.objects.get()
    leader = _user("giamdoc")
    assert (signature.signer, signature.signer_name) == (leader, "Đặng Văn Phúc")
    assert signature.meaning == "approved" and len(signature.content_hash) == 64
    assert signature.content["dossier"] == dossier.code
    assert signature.content["proposal_comment"] == "Đủ điều kiện cấp phép"
    assert AuditEvent.objects.filter(action="signature.sign", object_id=str(dossier.pk)).count()
    [shown] = dossier_signatures(dossier)
    assert shown["valid"]

    page = client.get(f"/workflow/dossiers/{dossier.pk}/").content.decode()
    assert "Đặng Văn Phúc" in page and "Chữ ký hợp lệ" in page
    receipt = client.get(f"/workflow/dossiers/{dossier.pk}/forms/control.pdf")
    text = " ".join(
        " ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(receipt.content)).pages
    )
    assert "Ký điện tử" in text and "Đặng Văn Phúc" in text and "hợp lệ" in text

    # Someone changes the applicant's name after the decision: the signature no longer holds.
    dossier.applicant_name = "Công ty TNHH Thủy sản Khác"
    dossier.save(update_fields=["applicant_name"])
    [shown] = dossier_signatures(dossier)
    assert not shown["valid"] and shown["changed"] == ["applicant"]
    page = client.get(f"/workflow/dossiers/{dossier.pk}/").content.decode()
    assert "Chữ ký không còn hiệu lực" in page
    # The auditor's trail and its certified copy say the same.
    client.force_login(_user("danhgia"))
    trail = client.get(f"/audits/records/procedures.dossier/{dossier.pk}/").content.decode()
    assert "Chữ ký không còn hiệu lực" in trail
    copy = client.get(f"/audits/records/procedures.dossier/{dossier.pk}/trail.pdf")
    text = " ".join(
        " ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(copy.content)).pages
    )
    assert "CHỮ KÝ KHÔNG CÒN HIỆU LỰC" in text


def test_sending_back_needs_no_signature(at_approval):
    office, dossier = at_approval
    office.do(dossier, "approve", {"decision": "send_back", "comment": "Làm rõ công suất"})
    assert not Signature.objects.exists()
    assert office.open_task(dossier, "review") is not None  # back with the unit head
