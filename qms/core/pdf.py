"""The one way this project makes a PDF: an HTML template rendered by WeasyPrint with a font
that has every Vietnamese glyph (the Debian DejaVu / Liberation families, configurable)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

#: Families tried in order; each has the precomposed Vietnamese letters (ắ, ệ, ữ, đ …).
PDF_FONT_STACK = '"DejaVu Serif", "Liberation Serif", "Times New Roman", serif'


def _font_face_css() -> str:
    """@font-face rules for the configured font files, so rendering does not depend on what
    fontconfig happens to pick on the machine."""
    faces = []
    for directory in settings.QMS_PDF_FONT_DIRS:
        for name, weight, style in (
            ("DejaVuSerif.ttf", "normal", "normal"),
            ("DejaVuSerif-Bold.ttf", "bold", "normal"),
            ("DejaVuSerif-Italic.ttf", "normal", "italic"),
            ("DejaVuSerif-BoldItalic.ttf", "bold", "italic"),
        ):
            path = Path(directory) / name
            if path.exists():
                faces.append(
                    f'@font-face {{ font-family: "DejaVu Serif"; src: url("{path.as_uri()}"); '
                    f"font-weight: {weight}; font-style: {style}; }}"
                )
    return "\n".join(faces)


def render_pdf(template_name: str, context: dict | None = None, *, language: str = "vi") -> bytes:
    """Render ``template_name`` with ``context`` to PDF bytes.

    The template receives ``pdf_font_css`` (the @font-face rules) and ``pdf_font_stack`` to use
    in its stylesheet; ``templates/pdf/base.html`` does both and sets A4 pages.
    """
    from weasyprint import HTML

    with translation.override(language):
        html = render_to_string(
            template_name,
            {**(context or {}), "pdf_font_css": _font_face_css(), "pdf_font_stack": PDF_FONT_STACK},
        )
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
