"""The one way this project makes a PDF: an HTML template rendered by WeasyPrint with a font
that has every Vietnamese letter.

Official forms are set in Times New Roman; on Debian its metric twin Liberation Serif
(``fonts-liberation2``; the older ``fonts-liberation`` lacks ạ, ệ, ờ …) is preferred and DejaVu
Serif is the fallback. The faces are declared with @font-face from the configured directories so
the output does not depend on what fontconfig happens to pick.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

#: (family, {(weight, style): file name}) in order of preference.
PDF_FONTS = [
    (
        "Liberation Serif",
        {
            ("normal", "normal"): "LiberationSerif-Regular.ttf",
            ("bold", "normal"): "LiberationSerif-Bold.ttf",
            ("normal", "italic"): "LiberationSerif-Italic.ttf",
            ("bold", "italic"): "LiberationSerif-BoldItalic.ttf",
        },
    ),
    (
        "DejaVu Serif",
        {
            ("normal", "normal"): "DejaVuSerif.ttf",
            ("bold", "normal"): "DejaVuSerif-Bold.ttf",
            ("normal", "italic"): "DejaVuSerif-Italic.ttf",
            ("bold", "italic"): "DejaVuSerif-BoldItalic.ttf",
        },
    ),
]


def _font_faces() -> tuple[str, str]:
    """The @font-face rules for the font files found, and the font-family stack to use."""
    faces, families = [], []
    for family, files in PDF_FONTS:
        found = False
        for (weight, style), name in files.items():
            for directory in settings.QMS_PDF_FONT_DIRS:
                path = Path(directory) / name
                if path.exists():
                    faces.append(
                        f'@font-face {{ font-family: "{family}"; src: url("{path.as_uri()}"); '
                        f"font-weight: {weight}; font-style: {style}; }}"
                    )
                    found = True
                    break
        if found:
            families.append(f'"{family}"')
    return "\n".join(faces), ", ".join([*families, "serif"])


def render_pdf(template_name: str, context: dict | None = None, *, language: str = "vi") -> bytes:
    """Render ``template_name`` with ``context`` to PDF bytes.

    The template receives ``pdf_font_css`` (the @font-face rules) and ``pdf_font_stack``;
    ``templates/pdf/base.html`` uses both and sets A4 pages.
    """
    from weasyprint import HTML

    font_css, font_stack = _font_faces()
    with translation.override(language):
        html = render_to_string(
            template_name,
            {**(context or {}), "pdf_font_css": font_css, "pdf_font_stack": font_stack},
        )
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
