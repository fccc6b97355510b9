import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from qms.core.uploads import upload_path, validate_upload


def test_a_renamed_executable_is_refused_by_content():
    fake = SimpleUploadedFile("ban-ve.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 100)
    with pytest.raises(ValidationError, match="không phải PDF"):
        validate_upload(fake)


def test_a_real_pdf_and_png_are_accepted():
    assert validate_upload(SimpleUploadedFile("x.bin", b"%PDF-1.7\n...")) == "pdf"
    assert validate_upload(SimpleUploadedFile("scan", b"\x89PNG\r\n\x1a\n" + b"0" * 10)) == "png"


def test_an_oversized_file_is_refused(settings):
    settings.QMS_MAX_UPLOAD_MB = 1
    big = SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * (1024 * 1024 + 1))
    with pytest.raises(ValidationError, match="quá lớn"):
        validate_upload(big)


def test_stored_names_are_generated():
    name = upload_path("scans")(None, "Đơn đề nghị (bản cuối).PDF")
    assert name.startswith("scans/") and name.endswith(".pdf")
    assert "Đơn" not in name
