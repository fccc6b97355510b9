"""Mẫu 06, Sổ theo dõi hồ sơ: one row per received dossier, its 14 numbered columns, as a
spreadsheet or a PDF.

The caller passes a queryset that already went through ``dossiers_visible_to`` (the one
visibility rule); nothing here widens it.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qms.core.pdf import render_pdf

from .models import Dossier
from .printing import DOTS, VIETNAM_TZ, local, vn_place_date, vn_short_date

TIMELINESS_LABELS = {
    "early": _("Trước hạn"),
    "on_time": _("Đúng hạn"),
    "late": _("Trễ hạn"),
}

#: The numbered columns (1)–(14) in order, and the group heading of those that have one.
COLUMNS = [
    ("TT", None),
    ("Mã hồ sơ", None),
    ("Nội dung hồ sơ", None),
    ("Số lượng hồ sơ (bộ)", None),
    ("Tên cá nhân, tổ chức", None),
    ("Địa chỉ", None),
    ("Số điện thoại", None),
    ("Nhận hồ sơ", "Ngày, tháng, năm"),
    ("Hẹn trả kết quả", "Ngày, tháng, năm"),
    ("Chuyển HS tới cơ quan giải quyết", "Ngày, tháng, năm"),
    ("Nhận KQ từ cơ quan giải quyết", "Ngày, tháng, năm"),
    ("Ngày, tháng, năm", "Trả kết quả"),
    ("Ký nhận", "Trả kết quả"),
    ("Ghi chú", None),
]


@dataclass
class RegisterRow:
    number: int
    dossier: Dossier
    code: str
    content: str
    sets: int
    applicant_name: str
    applicant_address: str
    applicant_phone: str
    received_at: dt.datetime | None
    due_at: dt.datetime | None
    transferred_at: dt.datetime | None
    finished_at: dt.datetime | None
    returned_at: dt.datetime | None
    status_label: str
    timeliness: str | None
    timeliness_label: str

    @property
    def note(self) -> str:
        return "; ".join(str(part) for part in (self.status_label, self.timeliness_label) if part)

    def cells(self) -> list:
        """The 14 values in column order; column (13) is left for the applicant's signature."""
        return [
            self.number,
            self.code,
            self.content,
            self.sets,
            self.applicant_name,
            self.applicant_address,
            self.applicant_phone,
            self.received_at,
            self.due_at,
            self.transferred_at,
            self.finished_at,
            self.returned_at,
            "",
            self.note,
        ]


def register_queryset(queryset: QuerySet[Dossier]) -> QuerySet[Dossier]:
    """The received dossiers of ``queryset`` in the order of the register."""
    return (
        queryset.filter(received_at__isnull=False)
        .select_related("procedure_version__procedure", "apology", "handling_unit")
        .order_by("received_at", "pk")
    )


def register_filter_timeliness(queryset: QuerySet[Dossier], timeliness: str) -> QuerySet[Dossier]:
    """Keep the dossiers whose :attr:`Dossier.timeliness` is ``timeliness``, in the database:
    whole Vietnam dates of the end (finished, or today while open) against the legal due date
    (the Mẫu 01 appointment, which an apology does not move)."""
    today = timezone.localdate(timezone=VIETNAM_TZ)
    queryset = queryset.filter(due_at__isnull=False).annotate(
        register_due_day=TruncDate(
            Coalesce("apology__previous_due_at", "due_at"), tzinfo=VIETNAM_TZ
        ),
        register_end_day=TruncDate("finished_at", tzinfo=VIETNAM_TZ),
    )
    due = F("register_due_day")
    open_ = Q(finished_at__isnull=True)
    conditions = {
        "early": Q(finished_at__isnull=False, register_end_day__lt=due),
        "on_time": Q(finished_at__isnull=False, register_end_day=due)
        | (open_ & Q(register_due_day__gte=today)),
        "late": Q(finished_at__isnull=False, register_end_day__gt=due)
        | (open_ & Q(register_due_day__lt=today)),
    }
    if timeliness not in conditions:
        raise ValueError(timeliness)
    return queryset.filter(conditions[timeliness])


def register_rows(
    queryset: QuerySet[Dossier], *, start: int = 1, progress=None
) -> list[RegisterRow]:
    """One :class:`RegisterRow` per received dossier, numbered from ``start``;
    ``progress(done, total)`` is called as rows are made (long exports run as jobs)."""
    dossiers = register_queryset(queryset)
    total = dossiers.count() if progress else 0
    rows = []
    for number, dossier in enumerate(dossiers, start=start):
        rows.append(register_row(dossier, number))
        if progress:
            progress(len(rows), total)
    return rows


def register_row(dossier: Dossier, number: int) -> RegisterRow:
    procedure = dossier.procedure_version.procedure
    timeliness = dossier.timeliness
    return RegisterRow(
        number=number,
        dossier=dossier,
        code=dossier.code or "",
        content=procedure.name,
        sets=dossier.sets,
        applicant_name=dossier.applicant_name,
        applicant_address=dossier.applicant_address,
        applicant_phone=dossier.applicant_phone,
        received_at=local(dossier.received_at),
        due_at=local(dossier.due_at),
        transferred_at=local(dossier.transferred_at),
        finished_at=local(dossier.finished_at),
        returned_at=local(dossier.returned_at),
        status_label=str(dossier.get_status_display()),
        timeliness=timeliness,
        timeliness_label=str(TIMELINESS_LABELS.get(timeliness, "")),
    )


# --- the spreadsheet --------------------------------------------------------------------------

HEADER_ROW = 7  # group headings; the column headings below, the numbers (1)–(14) below those
WIDTHS = [5, 24, 34, 9, 24, 30, 14, 16, 16, 16, 16, 16, 11, 26]
DATE_FORMAT = "dd/mm/yyyy hh:mm"


def register_xlsx(
    queryset: QuerySet[Dossier],
    *,
    title: str,
    subtitle: str = "",
    agency=None,
    form_number: str = "",
    progress=None,
) -> bytes:
    """The register as an .xlsx workbook: A4 landscape, the header of Mẫu 06 with its merged
    group headings, one row per received dossier, dates day first in Vietnam time;
    ``progress(done, total)`` is called as rows are written."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "So theo doi ho so"
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    wrap = Alignment(vertical="top", wrap_text=True)
    bold = Font(name="Times New Roman", size=12, bold=True)
    normal = Font(name="Times New Roman", size=11)

    def put(cell_range, value, font=bold, alignment=centre):
        first = cell_range.split(":")[0]
        if ":" in cell_range:
            sheet.merge_cells(cell_range)
        cell = sheet[first]
        cell.value, cell.font, cell.alignment = value, font, alignment
        return cell

    if form_number:
        put("L1:N1", form_number, Font(name="Times New Roman", size=10, bold=True))
    put("A2:E2", (agency.name if agency else "").upper(), Font(name="Times New Roman", size=11))
    put("A3:E3", "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ")
    put("H2:N2", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    put("H3:N3", "Độc lập - Tự do - Hạnh phúc")
    put("A5:N5", title, Font(name="Times New Roman", size=14, bold=True))
    if subtitle:
        put("A6:N6", subtitle, Font(name="Times New Roman", size=12, italic=True))

    top, sub, numbers = HEADER_ROW, HEADER_ROW + 1, HEADER_ROW + 2
    groups: dict[str, list[int]] = {}
    for index, (heading, group) in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        if group:
            groups.setdefault(group, []).append(index)
            put(f"{letter}{sub}", heading)
        else:
            put(f"{letter}{top}:{letter}{sub}", heading)
        put(f"{letter}{numbers}", f"({index})", Font(name="Times New Roman", size=11, italic=True))
        sheet.column_dimensions[letter].width = WIDTHS[index - 1]
    for group, indexes in groups.items():
        first, last = get_column_letter(indexes[0]), get_column_letter(indexes[-1])
        put(f"{first}{top}:{last}{top}", group)
    for row in sheet.iter_rows(min_row=top, max_row=numbers, max_col=len(COLUMNS)):
        for cell in row:
            cell.border = border

    line = numbers
    rows = register_rows(queryset)
    for line, row in enumerate(rows, start=numbers + 1):
        if progress:
            progress(line - numbers, len(rows))
        for index, value in enumerate(row.cells(), start=1):
            if isinstance(value, dt.datetime):
                # Excel has no time zones: the local wall-clock time is what the desk wrote.
                value = value.replace(tzinfo=None, microsecond=0)
            cell = sheet.cell(row=line, column=index, value=value)
            cell.font, cell.border = normal, border
            cell.alignment = centre if index in (1, 4) else wrap
            if isinstance(value, dt.datetime):
                cell.number_format = DATE_FORMAT
                cell.alignment = centre

    put(f"K{line + 2}:N{line + 2}", "NGƯỜI BÁO CÁO")
    put(
        f"K{line + 3}:N{line + 3}",
        "(Ký, ghi rõ họ tên)",
        Font(name="Times New Roman", size=11, italic=True),
    )

    sheet.freeze_panes = f"A{numbers + 1}"
    sheet.print_title_rows = f"{top}:{numbers}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- the printed register ---------------------------------------------------------------------


#: Column widths of the printed register, in per cent of the landscape page.
PDF_WIDTHS = [3, 16, 10, 4, 8, 9, 6, 6.5, 6.5, 6.5, 6.5, 6.5, 4.5, 7]


def _pdf_cell(value):
    if isinstance(value, dt.datetime):
        return vn_short_date(value)
    return "" if value is None else value


def _header_rows() -> dict:
    """The two heading rows of the table: ``(label, rowspan, colspan)`` cells, then the
    headings under the groups."""
    top, sub, seen = [], [], set()
    for heading, group in COLUMNS:
        if group is None:
            top.append((heading, 2, 1))
            continue
        sub.append(heading)
        if group not in seen:
            seen.add(group)
            top.append((group, 1, sum(1 for _, g in COLUMNS if g == group)))
    return {"top_headers": top, "sub_headers": sub}


def register_pdf(
    queryset: QuerySet[Dossier],
    *,
    form,
    agency=None,
    subtitle: str = "",
    printed_on: dt.date | None = None,
    progress=None,
) -> bytes:
    """The register as printed (A4 landscape) with ``form``, the regime's Mẫu 06 row;
    ``progress(done, total)`` is called as rows are made, before the page is laid out."""
    rows = [
        [_pdf_cell(value) for value in row.cells()]
        for row in register_rows(queryset, progress=progress)
    ]
    return render_pdf(
        form.template_name,
        {
            "form": form,
            "agency": agency,
            "subtitle": subtitle,
            **_header_rows(),
            "numbers": range(1, len(COLUMNS) + 1),
            "widths": PDF_WIDTHS,
            "rows": rows,
            "dots": DOTS,
            "place_date": vn_place_date(agency, printed_on or timezone.localdate()),
        },
    )
