"""Scans uploaded with the receipt: checked by content and size, stored under generated names,
flagged as digitised; a bad file changes nothing and says why in Vietnamese."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from procedures.models import Dossier, DossierDocument

from .test_dossier_flow import START_URL, Office, catalogue  # noqa: F401

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def receipt_data(form, scans):
    data = {
        "applicant_kind": 2,
        "applicant_name": "Công ty TNHH Thủy sản Mỹ Xuyên",
        "applicant_address": "Ấp Hòa Phước, xã Hòa Tú 1, huyện Mỹ Xuyên",
        "summary": "Điều chỉnh giấy phép môi trường",
        "sets": 1,
        "channel": 1,
        "delivery": "desk",
        "decision": "received",
        "reason": "",
    }
    for component in form.components:
        data[f"doc_{component.pk}_present"] = "on"
        data[f"doc_{component.pk}_originals"] = 1
    first = form.components[0]
    data[f"doc_{first.pk}_scan"] = scans
    return data


def page(client, procedure):
    response = client.get(START_URL, {"procedure": procedure.pk})
    return response.context["form"]


def test_a_scan_is_stored_under_a_generated_name_and_marked_digitised(client, catalogue):  # noqa: F811
    Office(client).as_user("motcua")
    form = page(client, catalogue)
    upload = SimpleUploadedFile("Đơn đề nghị (bản ký).pdf", PDF, content_type="application/pdf")

    response = client.post(f"{START_URL}?procedure={catalogue.pk}", receipt_data(form, upload))

    assert response.status_code == 302
    document = DossierDocument.objects.exclude(scan="").get()
    assert document.digitised
    assert document.scan.name.endswith(".pdf") and "Đơn" not in document.scan.name
    assert document.scan.read().startswith(b"%PDF")


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("don.pdf", b"MZ\x90\x00 this is a Windows executable", "không phải PDF, PNG hoặc JPEG"),
        ("don.exe", b"MZ\x90\x00", "không phải PDF, PNG hoặc JPEG"),
    ],
)
def test_a_renamed_executable_is_refused_and_nothing_is_written(
    client,
    catalogue,  # noqa: F811
    name,
    content,
    message,
):
    Office(client).as_user("motcua")
    form = page(client, catalogue)
    before = (Dossier.objects.count(), DossierDocument.objects.count())

    response = client.post(
        f"{START_URL}?procedure={catalogue.pk}",
        receipt_data(form, SimpleUploadedFile(name, content)),
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert (Dossier.objects.count(), DossierDocument.objects.count()) == before


@override_settings(QMS_MAX_UPLOAD_MB=1)
def test_a_scan_over_the_size_limit_is_refused(client, catalogue):  # noqa: F811
    Office(client).as_user("motcua")
    form = page(client, catalogue)
    big = SimpleUploadedFile("ban-quet.pdf", PDF + b"0" * (1024 * 1024 + 10))

    response = client.post(f"{START_URL}?procedure={catalogue.pk}", receipt_data(form, big))

    assert response.status_code == 200
    assert "1 MB" in response.content.decode()
    assert not Dossier.objects.exists()
