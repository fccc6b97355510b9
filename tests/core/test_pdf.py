import io

import pypdf
import pytest

from qms.core.pdf import render_pdf

TEXT = (
    "Giấy tiếp nhận hồ sơ và hẹn trả kết quả — Sở Tài nguyên và Môi trường tỉnh Sóc Trăng: "
    "Cấp giấy phép môi trường; ưu tiên xử lý, đúng hạn, trễ hạn; Đặng Văn Phúc, Nguyễn Thị Hồng."
)


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return " ".join(page.extract_text() for page in reader.pages)


def squash(text: str) -> str:
    return " ".join(text.split())


def test_pdf_keeps_every_vietnamese_letter(tmp_path, settings):
    template_dir = tmp_path / "templates"
    (template_dir / "t").mkdir(parents=True)
    (template_dir / "t" / "sample.html").write_text(
        '{% extends "pdf/base.html" %}{% block body %}<p>{{ text }}</p>{% endblock %}',
        encoding="utf-8",
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], template_dir]}
    ]
    data = render_pdf("t/sample.html", {"text": TEXT})
    assert data.startswith(b"%PDF")
    assert squash(TEXT) in squash(pdf_text(data))


def test_pdf_embeds_a_font_with_vietnamese_glyphs():
    data = render_pdf("core/calendar_pdf.html", {"year": 2024, "months": [], "holidays": []})
    fonts = set()
    for page in pypdf.PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    # Every font used is one of the two with the Vietnamese letters, embedded (subset prefix).
    assert fonts and all(
        "+" in name and ("Liberation-Serif" in name or "DejaVu-Serif" in name) for name in fonts
    ), fonts


@pytest.mark.django_db
def test_calendar_pdf_lists_the_days_off(demo):
    from django.utils import timezone

    from qms.core.views import calendar_year_data

    data = render_pdf(
        "core/calendar_pdf.html",
        {"agency": demo["agency"], "printed_at": timezone.now(), **calendar_year_data(2024)},
    )
    text = squash(pdf_text(data))
    assert "LỊCH LÀM VIỆC NĂM 2024" in text.upper()
    assert "SỞ TÀI NGUYÊN VÀ MÔI TRƯỜNG TỈNH SÓC TRĂNG" in text
    assert "29/04/2024" in text and "04/05/2024" in text  # swapped day off, make-up Saturday
