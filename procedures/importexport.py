"""The catalogue file: procedures with their versions, fees, dossier components and internal
process, as JSON or as an Excel workbook (XLSX), read and written the same way so that an
export imports back to the same data.

JSON::

    {"format": "qms-danh-muc-tthc", "format_version": 1,
     "fields": [{"code", "name", "handling_unit"}],
     "procedures": [{"key", "code", "name", "field", "level", "agency", "is_demo_data",
                     "versions": [{"version", "valid_from", …, "handling_unit",
                                   "fees": [...], "components": [...], "steps": [...]}]}]}

A bare list is read as the ``procedures``. Units are referenced by :class:`OrgUnit` code (in the
procedure's agency), roles by :class:`Role` value, fields by code, the agency by its
e-identifier code; choices by value or by their Vietnamese label.

XLSX: one sheet per table (``Linh vuc`` is optional), a header row in Vietnamese, and the
columns “Khóa thủ tục” + “Phiên bản” linking a version's rows to it.

An import reads and checks the whole file first; if any row is wrong, nothing is written and
every problem is reported with its sheet and row number.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import TextChoices
from django.utils.translation import gettext as _

from qms.core.calendar import LimitUnit
from qms.core.models import Agency, OrgUnit, Role, User
from qms.core.selectors import agency_current

from .models import (
    FeeItem,
    Procedure,
    ProcedureField,
    ProcedureVersion,
    ProcessStep,
)
from .services.catalogue import (
    procedure_field_upsert,
    procedure_upsert,
    procedure_version_draft,
    procedure_version_save,
    reason_required_for,
    validation_messages,
)

FORMAT_NAME = "qms-danh-muc-tthc"
FORMAT_VERSION = 1

FIELDS_SHEET = "Linh vuc"
PROCEDURES_SHEET = "Thu tuc"
VERSIONS_SHEET = "Phien ban"
FEES_SHEET = "Phi le phi"
COMPONENTS_SHEET = "Thanh phan"
STEPS_SHEET = "Buoc quy trinh"
SHEET_ORDER = [
    FIELDS_SHEET,
    PROCEDURES_SHEET,
    VERSIONS_SHEET,
    FEES_SHEET,
    COMPONENTS_SHEET,
    STEPS_SHEET,
]
FORMATS = ("json", "xlsx")


class Column(NamedTuple):
    """A column of a sheet (a key of a JSON object). Headers are part of the file format and
    therefore never translated."""

    key: str
    header: str
    kind: str = "text"  # text, int, decimal, amount, date, bool, choice
    required: bool = False
    choices: type[TextChoices] | None = None
    default: object = None


LINK = [
    Column("procedure", "Khóa thủ tục", required=True),
    Column("version", "Phiên bản", "int", required=True),
]
LINK_KEYS = {c.key for c in LINK}

TABLES = {
    FIELDS_SHEET: [
        Column("code", "Mã lĩnh vực", required=True),
        Column("name", "Tên lĩnh vực", required=True),
        Column("handling_unit", "Mã đơn vị tham mưu"),
    ],
    PROCEDURES_SHEET: [
        Column("key", "Khóa thủ tục", required=True),
        Column("code", "Mã TTHC"),
        Column("name", "Tên thủ tục", required=True),
        Column("field", "Mã lĩnh vực", required=True),
        Column("level", "Cấp thực hiện", "choice", True, Procedure.Level),
        Column("agency", "Mã định danh cơ quan", required=True),
        Column("is_demo_data", "Dữ liệu trình diễn", "bool", default=False),
    ],
    VERSIONS_SHEET: [
        *LINK,
        Column("valid_from", "Hiệu lực từ ngày", "date", True),
        Column("valid_to", "Hiệu lực đến ngày", "date"),
        Column("legal_basis", "Căn cứ pháp lý", required=True),
        Column("publication_decision", "Quyết định công bố"),
        Column("publication_date", "Ngày quyết định công bố", "date"),
        Column("internal_process_decision", "Quyết định phê duyệt quy trình nội bộ"),
        Column(
            "online_level",
            "Mức độ dịch vụ công trực tuyến",
            "choice",
            True,
            ProcedureVersion.OnlineLevel,
        ),
        Column("time_limit_value", "Thời hạn giải quyết", "int", True),
        Column(
            "time_limit_unit",
            "Đơn vị thời hạn",
            "choice",
            choices=LimitUnit,
            default=LimitUnit.WORKING_DAYS.value,
        ),
        Column("time_limit_note", "Ghi chú thời hạn"),
        Column("result_name", "Kết quả thực hiện", required=True),
        Column("requires_paper_result", "Kết quả bản giấy", "bool", default=True),
        Column("handling_unit", "Mã đơn vị tham mưu", required=True),
    ],
    FEES_SHEET: [
        *LINK,
        Column("kind", "Loại", "choice", True, FeeItem.Kind),
        Column("name", "Tên phí, lệ phí", required=True),
        Column("amount", "Mức thu (đồng)", "amount", True),
        Column("note", "Ghi chú"),
    ],
    COMPONENTS_SHEET: [
        *LINK,
        Column("order", "Thứ tự", "int"),
        Column("name", "Tên giấy tờ", required=True),
        Column("originals", "Số bản chính", "int", default=1),
        Column("copies", "Số bản sao", "int", default=0),
        Column("mandatory", "Bắt buộc", "bool", default=True),
        Column("form_template", "Mẫu đơn, tờ khai"),
    ],
    STEPS_SHEET: [
        *LINK,
        Column("order", "Bước", "int"),
        Column("kind", "Loại bước", "choice", True, ProcessStep.Kind),
        Column("title", "Nội dung công việc", required=True),
        Column("responsible_unit", "Mã đơn vị thực hiện"),
        Column("responsible_role", "Vai trò thực hiện", "choice", True, Role),
        Column("time_value", "Thời gian", "decimal", True),
        Column(
            "time_unit",
            "Đơn vị thời gian",
            "choice",
            choices=LimitUnit,
            default=LimitUnit.WORKING_DAYS.value,
        ),
    ],
}

#: JSON: the lists a procedure and a version hold, and the sheets their rows go to.
VERSION_CHILDREN = {"fees": FEES_SHEET, "components": COMPONENTS_SHEET, "steps": STEPS_SHEET}

#: Marks a JSON list item that is not an object (reported, never read).
NOT_AN_OBJECT = "__not_an_object__"

TRUE_WORDS = {"có", "co", "x", "true", "yes", "1", "đúng"}
FALSE_WORDS = {"không", "khong", "false", "no", "0", "sai"}


class RowError(NamedTuple):
    """One problem of the file: the sheet (or JSON section), the row number, the reason."""

    section: str
    row: int
    message: str

    def __str__(self):
        if not self.row:  # the file as a whole (or a whole sheet)
            return f"{self.section}: {self.message}" if self.section else self.message
        return _("dòng %(row)s (%(section)s): %(message)s") % self._asdict()


@dataclass
class ImportReport:
    errors: list[RowError] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    versions_created: int = 0
    versions_updated: int = 0
    versions_unchanged: int = 0
    fields_created: int = 0
    fields_updated: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        if self.errors:
            return _("Tệp có %(n)s lỗi; không nhập dữ liệu nào.") % {"n": len(self.errors)}
        return _(
            "Thủ tục: %(created)s thêm mới, %(updated)s cập nhật, %(unchanged)s không đổi. "
            "Phiên bản: %(v_created)s thêm mới, %(v_updated)s cập nhật, %(v_unchanged)s không "
            "đổi. Lĩnh vực: %(f_created)s thêm mới, %(f_updated)s cập nhật."
        ) % {
            "created": len(self.created),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
            "v_created": self.versions_created,
            "v_updated": self.versions_updated,
            "v_unchanged": self.versions_unchanged,
            "f_created": self.fields_created,
            "f_updated": self.fields_updated,
        }


class _Abort(Exception):
    """The file cannot be read at all."""


# --- export -------------------------------------------------------------------------------------


def _number(value):
    if value is None:
        return None
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(value)


def _date(value):
    return value.isoformat() if value else None


def _procedure_record(procedure: Procedure) -> dict:
    versions = []
    for version in procedure.versions.select_related("handling_unit").order_by("version"):
        versions.append(
            {
                "version": version.version,
                "valid_from": _date(version.valid_from),
                "valid_to": _date(version.valid_to),
                "legal_basis": version.legal_basis,
                "publication_decision": version.publication_decision,
                "publication_date": _date(version.publication_date),
                "internal_process_decision": version.internal_process_decision,
                "online_level": version.online_level,
                "time_limit_value": version.time_limit_value,
                "time_limit_unit": version.time_limit_unit,
                "time_limit_note": version.time_limit_note,
                "result_name": version.result_name,
                "requires_paper_result": version.requires_paper_result,
                "handling_unit": version.handling_unit.code,
                "fees": [
                    {
                        "kind": fee.kind,
                        "name": fee.name,
                        "amount": _number(fee.amount),
                        "note": fee.note,
                    }
                    for fee in version.fees.order_by("id")
                ],
                "components": [
                    {
                        "order": c.order,
                        "name": c.name,
                        "originals": c.originals,
                        "copies": c.copies,
                        "mandatory": c.mandatory,
                        "form_template": c.form_template,
                    }
                    for c in version.components.order_by("order")
                ],
                "steps": [
                    {
                        "order": s.order,
                        "kind": s.kind,
                        "title": s.title,
                        "responsible_unit": s.responsible_unit.code if s.responsible_unit else "",
                        "responsible_role": s.responsible_role,
                        "time_value": _number(s.time_value),
                        "time_unit": s.time_unit,
                    }
                    for s in version.steps.select_related("responsible_unit").order_by("order")
                ],
            }
        )
    return {
        "key": procedure.key,
        "code": procedure.code,
        "name": procedure.name,
        "field": procedure.field.code,
        "level": procedure.level,
        "agency": procedure.agency.code,
        "is_demo_data": procedure.is_demo_data,
        "versions": versions,
    }


def catalogue_data(*, queryset=None) -> dict:
    """The catalogue (or the procedures of ``queryset``) as the JSON document."""
    procedures = (Procedure.objects.all() if queryset is None else queryset).select_related(
        "field", "agency"
    )
    procedures = sorted(procedures, key=lambda p: p.key)
    fields = ProcedureField.objects.select_related("handling_unit").order_by("code")
    if queryset is not None:
        fields = fields.filter(pk__in={p.field_id for p in procedures})
    return {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "fields": [
            {
                "code": f.code,
                "name": f.name,
                "handling_unit": f.handling_unit.code if f.handling_unit else "",
            }
            for f in fields
        ],
        "procedures": [_procedure_record(p) for p in procedures],
    }


def _flat_rows(data: dict) -> dict[str, list[dict]]:
    """The JSON document as the rows of each sheet."""
    tables = {sheet: [] for sheet in SHEET_ORDER}
    tables[FIELDS_SHEET] = list(data["fields"])
    for procedure in data["procedures"]:
        tables[PROCEDURES_SHEET].append({k: v for k, v in procedure.items() if k != "versions"})
        for version in procedure["versions"]:
            link = {"procedure": procedure["key"], "version": version["version"]}
            tables[VERSIONS_SHEET].append(
                {
                    "procedure": procedure["key"],
                    **{k: v for k, v in version.items() if k not in VERSION_CHILDREN},
                }
            )
            for child, sheet in VERSION_CHILDREN.items():
                tables[sheet].extend({**link, **row} for row in version[child])
    return tables


def _xlsx_cell(column: Column, value):
    if value is None or value == "":
        return None
    if column.kind == "bool":
        return "có" if value else "không"
    if column.kind == "date":
        return dt.date.fromisoformat(value)
    return value


def _xlsx_bytes(data: dict) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    for sheet_name, rows in _flat_rows(data).items():
        sheet = workbook.create_sheet(sheet_name)
        columns = TABLES[sheet_name]
        sheet.append([c.header for c in columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        for row in rows:
            sheet.append([_xlsx_cell(c, row.get(c.key)) for c in columns])
        for index, column in enumerate(columns, start=1):
            letter = sheet.cell(row=1, column=index).column_letter
            if column.kind == "date":
                for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                    cell.number_format = "DD/MM/YYYY"
            sheet.column_dimensions[letter].width = max(12, min(60, len(column.header) + 4))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_catalogue(*, fmt: str, queryset=None) -> bytes:
    """The catalogue (or the procedures of ``queryset``) as a JSON or XLSX file."""
    data = catalogue_data(queryset=queryset)
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
    if fmt == "xlsx":
        return _xlsx_bytes(data)
    raise ValueError(_("Định dạng không được hỗ trợ: %(fmt)s.") % {"fmt": fmt})


# --- reading the file ---------------------------------------------------------------------------


@dataclass
class _Row:
    where: tuple[str, int]
    raw: dict
    values: dict = field(default_factory=dict)
    ok: bool = True


def _read_bytes(path_or_file) -> bytes:
    if isinstance(path_or_file, str | Path):
        return Path(path_or_file).read_bytes()
    if hasattr(path_or_file, "seek"):
        path_or_file.seek(0)
    content = path_or_file.read()
    return content.encode("utf-8") if isinstance(content, str) else content


def _json_tables(data) -> dict[str, list[_Row]]:
    """The JSON document as rows per sheet; a row's place is its position in its list."""
    if isinstance(data, list):
        data = {"procedures": data}
    if not isinstance(data, dict) or not isinstance(data.get("procedures"), list):
        raise _Abort(_("Tệp JSON phải có danh sách “procedures”."))
    if data.get("format_version", FORMAT_VERSION) != FORMAT_VERSION:
        raise _Abort(
            _("Phiên bản định dạng tệp không được hỗ trợ: %(v)s.") % {"v": data["format_version"]}
        )
    tables = {sheet: [] for sheet in SHEET_ORDER}

    def objects(items, section):
        if not isinstance(items, list):
            raise _Abort(_("“%(section)s” phải là một danh sách.") % {"section": section})
        for number, item in enumerate(items, start=1):
            yield number, item if isinstance(item, dict) else {NOT_AN_OBJECT: item}

    for number, item in objects(data.get("fields", []), FIELDS_SHEET):
        tables[FIELDS_SHEET].append(_Row((FIELDS_SHEET, number), item))
    for number, procedure in objects(data["procedures"], PROCEDURES_SHEET):
        procedure = dict(procedure)
        versions = procedure.pop("versions", [])
        tables[PROCEDURES_SHEET].append(_Row((PROCEDURES_SHEET, number), procedure))
        key = procedure.get("key")
        for v_number, version in objects(versions, f"{VERSIONS_SHEET} — {key}"):
            version = dict(version)
            children = {child: version.pop(child, []) for child in VERSION_CHILDREN}
            link = {"procedure": key, "version": version.get("version")}
            tables[VERSIONS_SHEET].append(
                _Row((f"{VERSIONS_SHEET} — {key}", v_number), {"procedure": key, **version})
            )
            for child, sheet in VERSION_CHILDREN.items():
                section = f"{sheet} — {key} v{link['version']}"
                for c_number, row in objects(children[child], section):
                    tables[sheet].append(_Row((section, c_number), {**link, **row}))
    return tables


def _header_key(text) -> str:
    return re.sub(r"\s+", " ", str(text or "")).strip().casefold()


def _xlsx_tables(content: bytes) -> dict[str, list[_Row]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a file that is not a workbook
        raise _Abort(_("Không đọc được tệp Excel: %(error)s") % {"error": error}) from error
    tables = {sheet: [] for sheet in SHEET_ORDER}
    problems = []
    for sheet_name in SHEET_ORDER:
        if sheet_name not in workbook.sheetnames:
            if sheet_name != FIELDS_SHEET:
                problems.append(
                    RowError(sheet_name, 0, _("Thiếu trang tính “%(s)s”.") % {"s": sheet_name})
                )
            continue
        rows = workbook[sheet_name].iter_rows(values_only=True)
        header = next(rows, ())
        positions = {_header_key(text): index for index, text in enumerate(header)}
        columns = {}
        for column in TABLES[sheet_name]:
            index = positions.get(_header_key(column.header))
            if index is None and column.required:
                problems.append(
                    RowError(sheet_name, 1, _("Thiếu cột “%(h)s”.") % {"h": column.header})
                )
            columns[column.key] = index
        for number, cells in enumerate(rows, start=2):
            if all(cell is None or str(cell).strip() == "" for cell in cells):
                continue
            raw = {
                key: cells[index] if index is not None and index < len(cells) else None
                for key, index in columns.items()
            }
            tables[sheet_name].append(_Row((sheet_name, number), raw))
    workbook.close()
    if problems:
        raise _Invalid(problems)
    return tables


class _Invalid(Exception):
    def __init__(self, errors):
        super().__init__(errors)
        self.errors = errors


# --- parsing values -----------------------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _parse_value(column: Column, value):
    """The Python value of a cell; raises ValueError with a Vietnamese reason."""
    if isinstance(value, str):
        value = value.strip()
    if value is None or value == "":
        if column.required:
            raise ValueError(_("Thiếu “%(h)s”.") % {"h": column.header})
        return column.default if column.default is not None else _empty(column)
    kind = column.kind
    if kind == "text":
        return _text(value)
    if kind == "int":
        if isinstance(value, bool):
            raise ValueError(_not_number(column, value))
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, int):
            return value
        if isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value):
            return int(value)
        raise ValueError(
            _("“%(h)s”: “%(v)s” không phải là số nguyên.") % {"h": column.header, "v": value}
        )
    if kind in ("decimal", "amount"):
        if isinstance(value, bool):
            raise ValueError(_not_number(column, value))
        text = str(value).replace(" ", "").replace("\u00a0", "")
        if isinstance(value, str):
            if kind == "amount" and re.fullmatch(r"\d{1,3}([.,]\d{3})+", text):
                text = re.sub(r"[.,]", "", text)  # 1.500.000 đồng
            text = text.replace(",", ".")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError(_not_number(column, value)) from None
        if not number.is_finite():
            raise ValueError(_not_number(column, value))
        return number
    if kind == "date":
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
            try:
                return dt.datetime.strptime(str(value), pattern).date()
            except ValueError:
                continue
        raise ValueError(
            _("“%(h)s”: “%(v)s” không phải là ngày (dd/mm/yyyy).")
            % {"h": column.header, "v": value}
        )
    if kind == "bool":
        if isinstance(value, bool):
            return value
        word = _text(value).casefold()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ValueError(
            _("“%(h)s”: “%(v)s” không hợp lệ; ghi “có” hoặc “không”.")
            % {"h": column.header, "v": value}
        )
    if kind == "choice":
        word = _text(value).casefold()
        for choice_value, label in column.choices.choices:
            if word in (choice_value.casefold(), str(label).casefold()):
                return choice_value
        raise ValueError(
            _("“%(h)s”: “%(v)s” không hợp lệ; dùng một trong: %(values)s.")
            % {"h": column.header, "v": value, "values": ", ".join(column.choices.values)}
        )
    raise AssertionError(kind)


def _empty(column: Column):
    return "" if column.kind == "text" else None


def _not_number(column, value):
    return _("“%(h)s”: “%(v)s” không phải là số.") % {"h": column.header, "v": value}


def _parse_rows(tables, errors):
    for sheet, rows in tables.items():
        columns = {c.key: c for c in TABLES[sheet]}
        for row in rows:
            if NOT_AN_OBJECT in row.raw:
                row.ok = False
                errors.append(RowError(*row.where, _("Mục này phải là một đối tượng JSON.")))
                continue
            unknown = sorted(set(row.raw) - set(columns))
            if unknown:
                row.ok = False
                errors.append(
                    RowError(
                        *row.where,
                        _("Trường không xác định: %(names)s.") % {"names": ", ".join(unknown)},
                    )
                )
            for key, column in columns.items():
                try:
                    row.values[key] = _parse_value(column, row.raw.get(key))
                except ValueError as error:
                    row.ok = False
                    errors.append(RowError(*row.where, str(error)))


# --- linking and checking -----------------------------------------------------------------------


@dataclass
class _Version:
    row: _Row
    fees: list[_Row] = field(default_factory=list)
    components: list[_Row] = field(default_factory=list)
    steps: list[_Row] = field(default_factory=list)
    data: dict | None = None
    children_ok: bool = True
    draft: object = None


@dataclass
class _Procedure:
    key: str
    row: _Row | None  # None: a procedure of the database the file adds versions to
    existing: Procedure | None
    versions: list[_Version] = field(default_factory=list)
    instance: Procedure | None = None
    agency: Agency | None = None
    field: ProcedureField | None = None


class _Resolver:
    """Looks codes up in the database (one query per kind)."""

    def __init__(self):
        self.units = {}
        for unit in OrgUnit.objects.select_related("agency"):
            self.units.setdefault(unit.code, []).append(unit)
        self.fields = {f.code: f for f in ProcedureField.objects.all()}
        self.current = agency_current()

    def agency(self, code):
        candidates = list(Agency.objects.filter(code=code).order_by("-valid_from"))
        if self.current in candidates:
            return self.current
        return candidates[0] if candidates else None

    def unit(self, code, agencies):
        candidates = self.units.get(code, [])
        for preferred in [*agencies, self.current]:
            for unit in candidates:
                if preferred is not None and unit.agency_id == preferred.pk:
                    return unit
        return candidates[0] if candidates and not agencies else None

    def unit_in(self, agency, code):
        return next((u for u in self.units.get(code, []) if u.agency_id == agency.pk), None)


def _unit_error(code, agency=None):
    if agency is None:
        return _("Không có đơn vị mã “%(code)s”.") % {"code": code}
    return _("Không có đơn vị mã “%(code)s” trong “%(agency)s”.") % {
        "code": code,
        "agency": agency,
    }


def _link(tables, errors):
    """Group the rows into procedures and versions; report duplicates and orphans."""
    procedures = {}
    for row in tables[PROCEDURES_SHEET]:
        key = row.values.get("key") or _text(row.raw.get("key"))
        if not key:
            continue
        if key in procedures:
            errors.append(RowError(*row.where, _("Khóa thủ tục “%(k)s” bị trùng.") % {"k": key}))
            continue
        existing = Procedure.objects.filter(key=key).first()
        procedures[key] = _Procedure(key=key, row=row, existing=existing)

    versions = {}
    unreadable = set()
    for row in tables[VERSIONS_SHEET]:
        key, number = row.values.get("procedure"), row.values.get("version")
        if not key or number is None:
            unreadable.add((_text(row.raw.get("procedure")), _text(row.raw.get("version"))))
            continue
        if (key, number) in versions:
            errors.append(
                RowError(
                    *row.where,
                    _("Phiên bản %(n)s của thủ tục “%(k)s” bị trùng.") % {"n": number, "k": key},
                )
            )
            continue
        procedure = procedures.get(key)
        if procedure is None:
            existing = Procedure.objects.filter(key=key).first()
            if existing is None:
                row.ok = False
                errors.append(
                    RowError(*row.where, _("Không có thủ tục khóa “%(k)s”.") % {"k": key})
                )
                continue
            procedure = procedures[key] = _Procedure(key=key, row=None, existing=existing)
        versions[(key, number)] = _Version(row=row)
        procedure.versions.append(versions[(key, number)])

    for sheet, attribute in ((FEES_SHEET, "fees"), (COMPONENTS_SHEET, "components")) + (
        (STEPS_SHEET, "steps"),
    ):
        for row in tables[sheet]:
            key, number = row.values.get("procedure"), row.values.get("version")
            version = versions.get((key, number))
            if version is not None:
                getattr(version, attribute).append(row)
                continue
            if not key or number is None:
                continue  # already reported as a missing or unreadable value
            raw_link = (_text(row.raw.get("procedure")), _text(row.raw.get("version")))
            if raw_link not in unreadable:
                errors.append(
                    RowError(
                        *row.where,
                        _("Không có phiên bản %(n)s của thủ tục “%(k)s” trong tệp.")
                        % {"n": number, "k": key},
                    )
                )
    return list(procedures.values())


def _check_fields(tables, resolver, agencies, errors):
    fields = {}
    for row in tables[FIELDS_SHEET]:
        code = row.values.get("code")
        if not code:
            continue
        if code in fields:
            errors.append(RowError(*row.where, _("Mã lĩnh vực “%(c)s” bị trùng.") % {"c": code}))
            continue
        unit_code = row.values.get("handling_unit")
        unit = resolver.unit(unit_code, agencies) if unit_code else None
        if unit_code and unit is None:
            row.ok = False
            errors.append(RowError(*row.where, _unit_error(unit_code)))
        instance = resolver.fields.get(code) or ProcedureField(code=code)
        instance.name = row.values.get("name", "")
        instance.handling_unit = unit
        if row.ok:
            try:
                instance.full_clean(exclude=["code"] if instance.pk else [])
            except ValidationError as error:
                row.ok = False
                errors.extend(RowError(*row.where, m) for m in validation_messages(instance, error))
        fields[code] = (row, unit)
    return fields


def _check_procedure(procedure: _Procedure, resolver, file_fields, errors):
    if procedure.row is None:
        procedure.instance = procedure.existing
        procedure.agency = procedure.existing.agency
        return
    row, values = procedure.row, procedure.row.values
    instance = Procedure.objects.get(pk=procedure.existing.pk) if procedure.existing else None
    instance = instance or Procedure(key=procedure.key)
    exclude = []
    agency = resolver.agency(values["agency"]) if values.get("agency") else None
    if values.get("agency") and agency is None:
        row.ok = False
        errors.append(
            RowError(
                *row.where,
                _("Không có cơ quan có mã định danh “%(c)s”.") % {"c": values["agency"]},
            )
        )
    field_code = values.get("field")
    field_instance = resolver.fields.get(field_code)
    if field_code and field_instance is None:
        if field_code in file_fields:
            field_instance = ProcedureField(code=field_code)  # created by this import
        else:
            row.ok = False
            errors.append(
                RowError(*row.where, _("Không có lĩnh vực mã “%(c)s”.") % {"c": field_code})
            )
    for name in ("code", "name", "level", "is_demo_data"):
        setattr(instance, name, values.get(name))
    if agency is not None:
        instance.agency = agency
    else:
        exclude.append("agency")
    if field_instance is not None and field_instance.pk:
        instance.field = field_instance
    else:
        exclude.append("field")
    if row.ok:  # a value that could not be read is reported once, not again by the model
        try:
            instance.full_clean(exclude=exclude)
        except ValidationError as error:
            row.ok = False
            errors.extend(RowError(*row.where, m) for m in validation_messages(instance, error))
    procedure.instance = instance
    procedure.agency = agency
    procedure.field = field_instance


def _child_data(rows, agency, unit_keys, resolver, errors, *, keep=()):
    """The service's dicts of a version's rows; unit codes looked up in ``agency``."""
    data, all_ok = [], True
    for row in rows:
        values = {k: v for k, v in row.values.items() if k in keep or k not in LINK_KEYS}
        for key in unit_keys:
            code = values.get(key)
            if not code:
                values[key] = None
                continue
            unit = resolver.unit_in(agency, code)
            if unit is None:
                row.ok = False
                errors.append(RowError(*row.where, _unit_error(code, agency)))
            values[key] = unit
        all_ok &= row.ok
        if row.ok:
            data.append((row, values))
    return data, all_ok


def _check_version(procedure: _Procedure, version: _Version, resolver, errors):
    agency = procedure.agency
    if agency is None or not version.row.ok:
        return
    head, head_ok = _child_data(
        [version.row], agency, ["handling_unit"], resolver, errors, keep=("version",)
    )
    if not head_ok:
        return
    values = head[0][1]
    fees, fees_ok = _child_data(version.fees, agency, [], resolver, errors)
    components, components_ok = _child_data(version.components, agency, [], resolver, errors)
    steps, steps_ok = _child_data(version.steps, agency, ["responsible_unit"], resolver, errors)
    version.children_ok = fees_ok and components_ok and steps_ok
    version.data = {
        "version_data": values,
        "fees": [v for _r, v in fees],
        "components": [v for _r, v in components],
        "steps": [v for _r, v in steps],
    }
    draft = procedure_version_draft(
        procedure=procedure.instance,
        check_process=steps_ok,
        **version.data,
    )
    version.draft = draft
    rows = {
        "fees": [r for r, _v in fees],
        "components": [r for r, _v in components],
        "steps": [r for r, _v in steps],
    }
    context = _("Thủ tục “%(k)s” phiên bản %(n)s: ") % {
        "k": procedure.key,
        "n": values.get("version"),
    }
    for error in draft.errors:
        if error.section == "version":
            where = version.row.where
        elif error.index is not None:
            where = rows[error.section][error.index].where
        else:
            where = _process_error_place(version, rows["steps"])
        errors.append(RowError(*where, context + error.message))


def _process_error_place(version: _Version, step_rows):
    """Where to point at a problem of the whole process: the first step out of its place,
    else the first step, else the version."""
    if not step_rows:
        return version.row.where
    ordered = sorted(step_rows, key=lambda r: (r.values.get("order") is None, r.values["order"]))
    for row, expected in zip(ordered, ProcessStep.Kind.values, strict=False):
        if row.values.get("kind") != expected:
            return row.where
    return ordered[0].where


def _sort_errors(errors):
    def place(error):
        base = error.section.split(" — ")[0]
        return (SHEET_ORDER.index(base) if base in SHEET_ORDER else -1, error.section, error.row)

    return sorted(errors, key=place)


# --- import -------------------------------------------------------------------------------------


def import_catalogue(
    *, actor: User | None, path_or_file, fmt: str, reason: str = ""
) -> ImportReport:
    """Import a catalogue file (``fmt`` "json" or "xlsx"): everything or nothing. A file that
    changes a version already in the catalogue needs a ``reason`` (kept in the history)."""
    if fmt not in FORMATS:
        return ImportReport(
            errors=[RowError("", 0, _("Định dạng không được hỗ trợ: %(fmt)s.") % {"fmt": fmt})]
        )
    try:
        content = _read_bytes(path_or_file)
        if fmt == "json":
            try:
                data = json.loads(content.decode("utf-8-sig"))
            except (UnicodeDecodeError, json.JSONDecodeError) as error:
                raise _Abort(_("Không đọc được tệp JSON: %(e)s") % {"e": error}) from error
            tables = _json_tables(data)
        else:
            tables = _xlsx_tables(content)
    except _Abort as error:
        return ImportReport(errors=[RowError("", 0, str(error))])
    except _Invalid as invalid:
        return ImportReport(errors=invalid.errors)
    return _import_tables(actor=actor, tables=tables, reason=reason)


def import_catalogue_data(*, actor: User | None, data, reason: str = "") -> ImportReport:
    """Import the JSON document ``data`` (already parsed), as :func:`import_catalogue`."""
    try:
        tables = _json_tables(data)
    except _Abort as error:
        return ImportReport(errors=[RowError("", 0, str(error))])
    return _import_tables(actor=actor, tables=tables, reason=reason)


@transaction.atomic
def _import_tables(*, actor, tables, reason="") -> ImportReport:
    errors = []
    _parse_rows(tables, errors)
    resolver = _Resolver()
    procedures = _link(tables, errors)
    agencies = []
    for row in tables[PROCEDURES_SHEET]:
        agency = resolver.agency(row.values["agency"]) if row.values.get("agency") else None
        if agency is not None and agency not in agencies:
            agencies.append(agency)
    file_fields = _check_fields(tables, resolver, agencies, errors)
    for procedure in procedures:
        _check_procedure(procedure, resolver, file_fields, errors)
        for version in procedure.versions:
            _check_version(procedure, version, resolver, errors)
            draft = getattr(version, "draft", None)
            if draft is not None and reason_required_for(draft) and not reason.strip():
                errors.append(
                    RowError(
                        *version.row.where,
                        _(
                            "Thủ tục “%(k)s” phiên bản %(n)s đã có và sẽ bị thay đổi: phải ghi "
                            "lý do thay đổi (tuỳ chọn --reason hoặc ô “Lý do thay đổi”)."
                        )
                        % {"k": procedure.key, "n": draft.version.version},
                    )
                )
    if errors:
        return ImportReport(errors=_sort_errors(errors))
    report = ImportReport()
    try:
        with transaction.atomic():
            _write(actor, file_fields, procedures, report, reason.strip())
    except ValidationError as error:
        # Everything was checked above; this is a change made meanwhile by someone else.
        return ImportReport(errors=[RowError("", 0, m) for m in error.messages])
    return report


def _write(actor, file_fields, procedures, report, reason=""):
    fields = {}
    for code, (row, unit) in file_fields.items():
        before = ProcedureField.objects.filter(code=code).values("name", "handling_unit").first()
        fields[code] = procedure_field_upsert(
            actor=actor, code=code, name=row.values["name"], handling_unit=unit
        )
        after = {"name": fields[code].name, "handling_unit": fields[code].handling_unit_id}
        if before is None:
            report.fields_created += 1
        elif before != after:
            report.fields_updated += 1
    for procedure in procedures:
        before = _procedure_record(procedure.existing) if procedure.existing else None
        instance = procedure.existing
        if procedure.row is not None:
            values = procedure.row.values
            instance = procedure_upsert(
                actor=actor,
                key=procedure.key,
                code=values["code"],
                name=values["name"],
                field=fields.get(values["field"]) or procedure.instance.field,
                level=values["level"],
                agency=procedure.agency,
                is_demo_data=values["is_demo_data"],
            )
        for version in procedure.versions:
            procedure_version_save(actor=actor, procedure=instance, reason=reason, **version.data)
            if not version.draft.existing:
                report.versions_created += 1
            elif version.draft.changed:
                report.versions_updated += 1
            else:
                report.versions_unchanged += 1
        after = _procedure_record(instance)
        if before is None:
            report.created.append(procedure.key)
        elif before != after:
            report.updated.append(procedure.key)
        else:
            report.unchanged.append(procedure.key)


def format_of(name: str) -> str | None:
    """The catalogue format of a file name, by its extension."""
    suffix = Path(name).suffix.lower().lstrip(".")
    return suffix if suffix in FORMATS else None


__all__ = [
    "ImportReport",
    "RowError",
    "catalogue_data",
    "export_catalogue",
    "format_of",
    "import_catalogue",
    "import_catalogue_data",
]
