"""The catalogue file: export, import, round trips, errors, the admin page and the commands."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from procedures.demo import load_demo_catalogue
from procedures.importexport import (
    STEPS_SHEET,
    VERSIONS_SHEET,
    RowError,
    catalogue_data,
    export_catalogue,
    import_catalogue,
)
from procedures.models import (
    DossierComponent,
    FeeItem,
    Procedure,
    ProcedureField,
    ProcedureVersion,
    ProcessStep,
)

pytestmark = pytest.mark.django_db
REASON = "Cập nhật theo Quyết định công bố TTHC mới của UBND tỉnh"

CATALOGUE_MODELS = (ProcedureField, Procedure, ProcedureVersion, FeeItem, DossierComponent)
CATALOGUE_MODELS += (ProcessStep,)
PERMIT = "1-010727"


def counts():
    """Rows and history rows of every catalogue table."""
    return {m.__name__: (m.objects.count(), m.history.count()) for m in CATALOGUE_MODELS}


@pytest.fixture
def catalogue(demo):
    load_demo_catalogue(agency=demo["agency"])
    return catalogue_data()


def empty_the_catalogue():
    for version in ProcedureVersion.objects.all():
        version.delete()
    for model in (Procedure, ProcedureField):
        for row in model.objects.all():
            row.delete()
    assert not any(rows for rows, _history in counts().values())


def write(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    return path


def json_file(tmp_path, data):
    return write(tmp_path, "danh-muc.json", json.dumps(data, ensure_ascii=False).encode())


def workbook_file(tmp_path, edit=None):
    """The exported workbook, optionally edited by ``edit(workbook)``."""
    workbook = load_workbook(io.BytesIO(export_catalogue(fmt="xlsx")))
    if edit:
        edit(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return write(tmp_path, "danh-muc.xlsx", buffer.getvalue())


def step_rows(data, key):
    procedure = next(p for p in data["procedures"] if p["key"] == key)
    return procedure["versions"][0]["steps"]


def sheet_row(workbook, sheet, key, **match):
    """The row number of ``sheet`` whose key column is ``key`` and whose columns match."""
    rows = workbook[sheet].iter_rows(values_only=True)
    header = next(rows)
    for number, cells in enumerate(rows, start=2):
        values = dict(zip(header, cells, strict=False))
        if values["Khóa thủ tục"] == key and all(values[h] == v for h, v in match.items()):
            return number
    raise AssertionError((sheet, key, match))


# --- round trips --------------------------------------------------------------------------------


def test_export_lists_every_procedure_with_its_versions_and_rows(catalogue):
    assert len(catalogue["procedures"]) == Procedure.objects.count() >= 12
    assert {f["code"] for f in catalogue["fields"]} == set(
        ProcedureField.objects.values_list("code", flat=True)
    )
    permit = next(p for p in catalogue["procedures"] if p["key"] == PERMIT)
    assert permit["code"] == "1.010727"
    assert permit["agency"] == "000.00.xx.H51"
    version = permit["versions"][0]
    assert (version["time_limit_value"], version["time_limit_unit"]) == (30, "calendar_days")
    assert [s["kind"] for s in version["steps"]] == ProcessStep.Kind.values
    assert version["steps"][0]["responsible_unit"] == "mot-cua"
    assert version["steps"][0]["time_value"] == 0.5


@pytest.mark.parametrize("fmt", ["json", "xlsx"])
def test_export_then_import_into_an_empty_catalogue_gives_the_same_data(catalogue, tmp_path, fmt):
    path = write(tmp_path, f"danh-muc.{fmt}", export_catalogue(fmt=fmt))
    empty_the_catalogue()

    report = import_catalogue(actor=None, reason=REASON, path_or_file=path, fmt=fmt)

    assert report.errors == []
    assert len(report.created) == len(catalogue["procedures"])
    assert report.versions_created == len(catalogue["procedures"])
    assert catalogue_data() == catalogue


@pytest.mark.parametrize("fmt", ["json", "xlsx"])
def test_importing_the_same_file_twice_changes_nothing(catalogue, tmp_path, fmt):
    path = write(tmp_path, f"danh-muc.{fmt}", export_catalogue(fmt=fmt))
    before = counts()

    first = import_catalogue(actor=None, reason=REASON, path_or_file=path, fmt=fmt)
    second = import_catalogue(actor=None, reason=REASON, path_or_file=path, fmt=fmt)

    for report in (first, second):
        assert report.ok
        assert (report.created, report.updated) == ([], [])
        assert len(report.unchanged) == len(catalogue["procedures"])
    assert counts() == before


def test_an_edited_file_updates_only_what_changed(catalogue, tmp_path):
    step_rows(catalogue, PERMIT)[3]["title"] = "Thẩm định hồ sơ, kiểm tra thực tế"
    before = ProcessStep.history.count()

    report = import_catalogue(
        actor=None, reason=REASON, path_or_file=json_file(tmp_path, catalogue), fmt="json"
    )

    assert report.updated == [PERMIT]
    assert report.versions_updated == 1
    assert ProcessStep.history.count() == before + 1
    assert catalogue_data() == catalogue


def test_the_excel_file_has_one_sheet_per_table_with_vietnamese_headers(catalogue, tmp_path):
    workbook = load_workbook(workbook_file(tmp_path))

    assert workbook.sheetnames == [
        "Linh vuc",
        "Thu tuc",
        "Phien ban",
        "Phi le phi",
        "Thanh phan",
        "Buoc quy trinh",
    ]
    header = [c.value for c in workbook["Buoc quy trinh"][1]]
    assert header[:4] == ["Khóa thủ tục", "Phiên bản", "Bước", "Loại bước"]
    assert workbook["Buoc quy trinh"].max_row == 1 + 8 * len(catalogue["procedures"])


# --- errors: all reported, nothing imported -----------------------------------------------------


def test_one_bad_row_among_good_ones_imports_nothing(catalogue, tmp_path):
    def edit(workbook):
        number = sheet_row(workbook, STEPS_SHEET, PERMIT, **{"Bước": 4})
        workbook[STEPS_SHEET].cell(row=number, column=8).value = "hai mươi"
        edit.row = number

    path = workbook_file(tmp_path, edit)
    empty_the_catalogue()
    before = counts()

    report = import_catalogue(actor=None, reason=REASON, path_or_file=path, fmt="xlsx")

    assert report.errors == [
        RowError(STEPS_SHEET, edit.row, "“Thời gian”: “hai mươi” không phải là số.")
    ]
    assert str(report.errors[0]) == (
        f"dòng {edit.row} (Buoc quy trinh): “Thời gian”: “hai mươi” không phải là số."
    )
    assert counts() == before


def test_every_bad_row_is_reported(catalogue, tmp_path):
    def edit(workbook):
        versions = workbook[VERSIONS_SHEET]
        edit.version_row = sheet_row(workbook, VERSIONS_SHEET, PERMIT)
        versions.cell(row=edit.version_row, column=10).value = "ba mươi"
        steps = workbook[STEPS_SHEET]
        edit.step_row = sheet_row(workbook, STEPS_SHEET, "giao-khu-vuc-bien", **{"Bước": 2})
        steps.cell(row=edit.step_row, column=7).value = "giam-doc-so"  # not a role
        steps.cell(row=edit.step_row, column=6).value = ""

    report = import_catalogue(
        actor=None, reason=REASON, path_or_file=workbook_file(tmp_path, edit), fmt="xlsx"
    )

    assert [(e.section, e.row) for e in report.errors] == [
        (VERSIONS_SHEET, edit.version_row),
        (STEPS_SHEET, edit.step_row),
    ]
    assert "“Thời hạn giải quyết”: “ba mươi” không phải là số nguyên." in report.errors[0]
    assert "“Vai trò thực hiện”: “giam-doc-so” không hợp lệ" in report.errors[1].message


def test_an_unknown_unit_code_is_reported_with_its_row(catalogue, tmp_path):
    step_rows(catalogue, PERMIT)[3]["responsible_unit"] = "phong-khong-co"
    empty_the_catalogue()
    before = counts()

    report = import_catalogue(
        actor=None, reason=REASON, path_or_file=json_file(tmp_path, catalogue), fmt="json"
    )

    assert report.errors == [
        RowError(
            f"{STEPS_SHEET} — {PERMIT} v1",
            4,
            "Không có đơn vị mã “phong-khong-co” trong “Sở Tài nguyên và Môi trường tỉnh Sóc "
            "Trăng”.",
        )
    ]
    assert counts() == before


def test_unknown_field_agency_and_missing_values_are_reported(catalogue, tmp_path):
    procedures = catalogue["procedures"]
    procedures[0]["field"] = "linh-vuc-la"
    procedures[1]["agency"] = "000.00.00.H99"
    procedures[2]["name"] = ""
    procedures[3]["versions"][0]["fees"] = [{"kind": "fee", "name": "Phí", "amount": "nhiều"}]

    report = import_catalogue(
        actor=None, reason=REASON, path_or_file=json_file(tmp_path, catalogue), fmt="json"
    )

    messages = [(e.section, e.row, e.message) for e in report.errors]
    assert ("Thu tuc", 1, "Không có lĩnh vực mã “linh-vuc-la”.") in messages
    assert ("Thu tuc", 2, "Không có cơ quan có mã định danh “000.00.00.H99”.") in messages
    assert ("Thu tuc", 3, "Thiếu “Tên thủ tục”.") in messages
    fee_section = f"Phi le phi — {procedures[3]['key']} v1"
    assert (fee_section, 1, "“Mức thu (đồng)”: “nhiều” không phải là số.") in messages
    assert len(messages) == 4


def test_step_times_over_the_limit_in_a_file_are_refused(catalogue, tmp_path):
    step_rows(catalogue, PERMIT)[3]["time_value"] = 40
    before = counts()

    report = import_catalogue(
        actor=None, reason=REASON, path_or_file=json_file(tmp_path, catalogue), fmt="json"
    )

    assert report.errors == [
        RowError(
            f"{STEPS_SHEET} — {PERMIT} v1",
            1,
            "Thủ tục “1-010727” phiên bản 1: Tổng thời gian các bước (46 ngày) vượt thời hạn "
            "giải quyết theo quy định (30 ngày).",
        )
    ]
    assert counts() == before


def test_steps_out_of_order_in_a_file_are_refused_at_the_first_misplaced_step(catalogue, tmp_path):
    def edit(workbook):
        sheet = workbook[STEPS_SHEET]
        edit.row = sheet_row(workbook, STEPS_SHEET, PERMIT, **{"Bước": 5})
        sheet.cell(row=edit.row, column=4).value = "approve"
        sheet.cell(row=edit.row + 1, column=4).value = "Xem xét của lãnh đạo phòng"  # a label

    report = import_catalogue(
        actor=None, reason=REASON, path_or_file=workbook_file(tmp_path, edit), fmt="xlsx"
    )

    assert len(report.errors) == 1
    assert (report.errors[0].section, report.errors[0].row) == (STEPS_SHEET, edit.row)
    assert "Quy trình nội bộ phải có đủ các bước theo thứ tự" in report.errors[0].message


def test_a_file_that_is_not_a_catalogue_is_refused(demo, tmp_path):
    report = import_catalogue(
        actor=None,
        reason=REASON,
        path_or_file=write(tmp_path, "x.xlsx", b"not a workbook"),
        fmt="xlsx",
    )
    assert not report.ok
    assert report.errors[0].message.startswith("Không đọc được tệp Excel")

    report = import_catalogue(
        actor=None, reason=REASON, path_or_file=write(tmp_path, "x.json", b"{"), fmt="json"
    )
    assert report.errors[0].message.startswith("Không đọc được tệp JSON")


def test_a_missing_sheet_is_reported(catalogue, tmp_path):
    report = import_catalogue(
        actor=None,
        reason=REASON,
        path_or_file=workbook_file(tmp_path, lambda wb: wb.remove(wb["Thanh phan"])),
        fmt="xlsx",
    )
    assert report.errors == [RowError("Thanh phan", 0, "Thiếu trang tính “Thanh phan”.")]
    assert str(report.errors[0]) == "Thanh phan: Thiếu trang tính “Thanh phan”."


# --- the admin page -----------------------------------------------------------------------------


# Importing through the admin page runs as a job: tests/procedures/test_catalogue_import_job.py.


def test_admin_import_page_refuses_other_file_types(demo, client):
    assert client.login(username="admin", password="ISO-demo-2024")
    upload = SimpleUploadedFile("danh-muc.csv", b"a,b")

    response = client.post("/admin/procedures/procedure/import/", {"file": upload})

    assert "Chỉ nhận tệp .json hoặc .xlsx." in response.text


def test_admin_import_page_needs_the_right_to_change_procedures(demo, login):
    response = login("motcua").get("/admin/procedures/procedure/import/")
    assert response.status_code in (302, 403)


@pytest.mark.parametrize("action, fmt", [("export_json", "json"), ("export_xlsx", "xlsx")])
def test_admin_export_actions(catalogue, client, tmp_path, action, fmt):
    assert client.login(username="admin", password="ISO-demo-2024")
    permit = Procedure.objects.get(key=PERMIT)

    response = client.post(
        "/admin/procedures/procedure/",
        {"action": action, "_selected_action": [permit.pk]},
    )

    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(f'.{fmt}"')
    path = write(tmp_path, f"export.{fmt}", response.content)
    empty_the_catalogue()
    assert import_catalogue(actor=None, reason=REASON, path_or_file=path, fmt=fmt).created == [
        PERMIT
    ]


# --- the commands -------------------------------------------------------------------------------


def test_import_command_exits_non_zero_and_lists_the_errors_of_a_bad_file(
    catalogue, tmp_path, capsys
):
    step_rows(catalogue, PERMIT)[3]["responsible_unit"] = "phong-khong-co"
    path = json_file(tmp_path, catalogue)
    before = counts()

    with pytest.raises(CommandError) as failed:
        call_command("import_procedures", str(path), "--reason", REASON)

    assert str(failed.value) == "Tệp có 1 lỗi; không nhập dữ liệu nào."
    assert f"dòng 4 ({STEPS_SHEET} — {PERMIT} v1): Không có đơn vị mã" in capsys.readouterr().err
    assert counts() == before


def test_export_and_import_commands_round_trip(catalogue, tmp_path, capsys):
    path = tmp_path / "danh-muc.xlsx"
    call_command("export_procedures", str(path))
    empty_the_catalogue()

    call_command("import_procedures", str(path), "--user", "admin")

    out = capsys.readouterr().out
    assert f"Đã xuất {len(catalogue['procedures'])} thủ tục" in out
    assert f"Thủ tục: {len(catalogue['procedures'])} thêm mới, 0 cập nhật, 0 không đổi." in out
    assert catalogue_data() == catalogue
    assert Procedure.history.filter(history_user__username="admin").count() == len(
        catalogue["procedures"]
    )


def test_import_command_refuses_an_unknown_extension(demo, tmp_path):
    with pytest.raises(CommandError, match="Không rõ định dạng"):
        call_command("import_procedures", str(write(tmp_path, "danh-muc.txt", b"")))


def test_a_file_changing_an_existing_version_needs_a_reason(catalogue, tmp_path):
    step_rows(catalogue, PERMIT)[3]["title"] = "Thẩm định hồ sơ, kiểm tra thực tế"
    before = counts()

    report = import_catalogue(
        actor=None, path_or_file=json_file(tmp_path, catalogue), fmt="json", reason="  "
    )

    assert not report.ok
    assert ["phải ghi lý do thay đổi" in str(error) for error in report.errors] == [True]
    assert counts() == before
