"""The catalogue services, the demo catalogue and the version admin."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from procedures.demo import load_demo_catalogue
from procedures.models import (
    Dossier,
    DossierComponent,
    FeeItem,
    Procedure,
    ProcedureField,
    ProcedureVersion,
    ProcessStep,
    Regime,
)
from procedures.services.catalogue import (
    procedure_field_upsert,
    procedure_upsert,
    procedure_version_save,
)
from qms.core.auditlog import events_for
from qms.core.calendar import LimitUnit
from qms.core.models import AuditEvent, OrgUnit, User

pytestmark = pytest.mark.django_db

CATALOGUE_MODELS = (ProcedureField, Procedure, ProcedureVersion, FeeItem, DossierComponent)
CATALOGUE_MODELS += (ProcessStep,)


def counts():
    """Rows and history rows of every catalogue table."""
    return {m.__name__: (m.objects.count(), m.history.count()) for m in CATALOGUE_MODELS}


def unit(code):
    return OrgUnit.objects.get(code=code)


def steps(appraise=Decimal("6"), kinds=None):
    """The usual 8-step process of a 10-working-day procedure of Phòng Môi trường."""
    rows = [
        ("receive", "mot-cua", "one_stop_officer", "0.5"),
        ("transfer", "mot-cua", "one_stop_officer", "0.5"),
        ("assign", "moi-truong", "unit_head", "0.5"),
        ("appraise", "moi-truong", "specialist", appraise),
        ("review", "moi-truong", "unit_head", "1"),
        ("approve", "ban-giam-doc", "director", "1"),
        ("issue", "van-phong", "clerk", "0.5"),
        ("return", "mot-cua", "one_stop_officer", "0"),
    ]
    kinds = kinds or [row[0] for row in rows]
    return [
        {
            "order": order,
            "kind": kind,
            "title": f"Bước {order}",
            "responsible_unit": unit(unit_code),
            "responsible_role": role,
            "time_value": Decimal(days),
            "time_unit": LimitUnit.WORKING_DAYS,
        }
        for order, (kind, (_k, unit_code, role, days)) in enumerate(
            zip(kinds, rows, strict=True), start=1
        )
    ]


def version_data(**changes):
    data = {
        "version": 1,
        "valid_from": dt.date(2024, 1, 1),
        "legal_basis": "Luật Bảo vệ môi trường số 72/2020/QH14.",
        "online_level": ProcedureVersion.OnlineLevel.PARTIAL,
        "time_limit_value": 10,
        "time_limit_unit": LimitUnit.WORKING_DAYS,
        "result_name": "Giấy phép",
        "handling_unit": unit("moi-truong"),
    }
    return {**data, **changes}


FEES = [{"kind": "fee", "name": "Phí thẩm định", "amount": Decimal("1500000"), "note": ""}]
COMPONENTS = [
    {"name": "Đơn đề nghị", "form_template": "Mẫu số 01"},
    {"name": "Bản sao giấy phép đã cấp", "originals": 0, "copies": 1},
]


@pytest.fixture
def procedure(demo):
    field = procedure_field_upsert(
        actor=None, code="moi-truong", name="Môi trường", handling_unit=unit("moi-truong")
    )
    return procedure_upsert(
        actor=None,
        key="thu-tuc-thu",
        code="",
        name="Thủ tục thử",
        field=field,
        level=Procedure.Level.PROVINCE,
        agency=demo["agency"],
        is_demo_data=True,
    )


def save(procedure, **kwargs):
    arguments = {
        "actor": None,
        "procedure": procedure,
        "version_data": version_data(),
        "fees": FEES,
        "components": COMPONENTS,
        "steps": steps(),
    }
    return procedure_version_save(**{**arguments, **kwargs})


def dossier_under(version, agency):
    """A dossier received under ``version`` (set up directly: only its link matters here)."""
    return Dossier.objects.create(
        agency=agency,
        regime=Regime.objects.get(code="ND61_2018"),
        procedure_version=version,
        handling_unit=version.handling_unit,
        applicant_name="Công ty TNHH Thử",
        applicant_address="Sóc Trăng",
        summary="Đề nghị cấp phép",
    )


def test_version_is_saved_with_its_rows_in_order(procedure):
    version = save(procedure)

    assert version.time_limit_display == "10 ngày làm việc"
    assert [s.kind for s in version.steps.order_by("order")] == ProcessStep.Kind.values
    assert list(version.components.values_list("order", "name")) == [
        (1, "Đơn đề nghị"),
        (2, "Bản sao giấy phép đã cấp"),
    ]
    assert list(version.fees.values_list("amount", flat=True)) == [Decimal("1500000")]


def test_step_times_over_the_limit_are_refused_and_nothing_is_saved(procedure):
    before = counts()

    with pytest.raises(ValidationError) as refused:
        save(procedure, steps=steps(appraise=Decimal("8")))

    assert refused.value.messages == [
        "Tổng thời gian các bước (12 ngày) vượt thời hạn giải quyết theo quy định "
        "(10 ngày làm việc)."
    ]
    assert counts() == before


def test_hours_count_as_an_eighth_of_a_working_day(procedure):
    process = steps(appraise=Decimal("6"))
    process[0].update(time_value=Decimal("4"), time_unit=LimitUnit.HOURS)  # 0.5 day

    version = save(procedure, steps=process)

    assert version.steps.get(kind="receive").time_unit == LimitUnit.HOURS


def test_steps_out_of_order_are_refused(procedure):
    kinds = ProcessStep.Kind.values.copy()
    kinds[4], kinds[5] = kinds[5], kinds[4]  # approval before the unit head's review
    before = counts()

    with pytest.raises(ValidationError) as refused:
        save(procedure, steps=steps(kinds=kinds))

    assert refused.value.messages == [
        "Quy trình nội bộ phải có đủ các bước theo thứ tự: Tiếp nhận hồ sơ, Chuyển hồ sơ đến "
        "đơn vị giải quyết, Phân công xử lý, Thẩm định hồ sơ, Xem xét của lãnh đạo phòng, Phê "
        "duyệt của lãnh đạo Sở, Phát hành kết quả, Trả kết quả."
    ]
    assert counts() == before


def test_a_missing_step_is_refused(procedure):
    with pytest.raises(ValidationError) as refused:
        save(procedure, steps=steps()[:-1])

    assert "Quy trình nội bộ phải có đủ các bước" in refused.value.messages[0]
    assert not ProcedureVersion.objects.exists()


def test_bad_rows_are_all_reported_with_their_place(procedure):
    fees = [*FEES, {"kind": "fee", "name": "", "amount": Decimal("-1"), "note": ""}]
    components = [*COMPONENTS, {"name": "Trùng thứ tự", "order": 2}]

    with pytest.raises(ValidationError) as refused:
        save(
            procedure,
            version_data=version_data(valid_to=dt.date(2023, 12, 31)),
            fees=fees,
            components=components,
        )

    messages = refused.value.messages
    assert "Ngày hết hiệu lực phải sau ngày có hiệu lực." in messages
    assert any(m.startswith("Phí, lệ phí dòng 2: Tên phí, lệ phí:") for m in messages)
    assert any(m.startswith("Phí, lệ phí dòng 2: Mức thu (đồng):") for m in messages)
    assert "Thành phần hồ sơ dòng 3: Thứ tự 2 bị trùng." in messages
    assert not ProcedureVersion.objects.exists()


def test_saving_the_same_version_again_writes_nothing(procedure):
    save(procedure)
    before = counts()

    version = save(procedure)

    assert version.version == 1
    assert counts() == before


def test_replacing_a_version_updates_changed_rows_and_deletes_dropped_ones(procedure):
    version = save(procedure)
    kept_component = version.components.get(order=1)
    process = steps(appraise=Decimal("5"))

    reason = "Quyết định 123/QĐ-UBND sửa quy trình nội bộ"
    save(procedure, components=COMPONENTS[:1], steps=process, reason=reason)

    assert list(version.components.all()) == [kept_component]
    assert version.steps.get(kind="appraise").time_value == Decimal("5")
    assert DossierComponent.history.filter(history_type="-").count() == 1
    # Only the changed step has a new history row, and it carries the reason.
    changed = ProcessStep.history.filter(history_type="~")
    assert [row.history_change_reason for row in changed] == [reason]
    # One audit event for the whole version, with what changed before and after.
    event = events_for(version).last()
    assert (event.action, event.reason) == ("procedure_version.save", reason)
    assert len(event.before["components"]) == 2 and len(event.after["components"]) == 1


def test_changing_an_existing_version_needs_a_reason_and_writes_nothing_without(procedure):
    version = save(procedure)
    before = counts()
    events = AuditEvent.objects.count()

    with pytest.raises(ValidationError) as refused:
        save(procedure, fees=[], reason="   ")

    assert "phải ghi lý do thay đổi" in refused.value.messages[0]
    assert counts() == before and AuditEvent.objects.count() == events
    assert version.fees.count() == len(FEES)


def test_a_version_frozen_by_a_dossier_cannot_change(procedure, demo):
    version = save(procedure)
    dossier_under(version, demo["agency"])
    before = counts()

    assert save(procedure) == version  # unchanged: allowed, writes nothing
    with pytest.raises(ValidationError) as refused:
        save(procedure, fees=[])

    assert "đã được dùng cho hồ sơ" in refused.value.messages[0]
    assert counts() == before


def test_upserts_change_only_what_differs(procedure):
    before = Procedure.history.count()

    procedure_upsert(
        actor=None,
        key=procedure.key,
        code="",
        name=procedure.name,
        field=procedure.field,
        level=procedure.level,
        agency=procedure.agency,
        is_demo_data=True,
    )
    assert Procedure.history.count() == before

    changed = procedure_upsert(
        actor=User.objects.get(username="admin"),
        key=procedure.key,
        code="",
        name="Tên mới",
        field=procedure.field,
        level=procedure.level,
        agency=procedure.agency,
        is_demo_data=True,
    )
    assert changed.pk == procedure.pk
    assert changed.history.first().history_user.username == "admin"


# --- the demo catalogue -------------------------------------------------------------------------


def test_demo_catalogue_spans_the_sector_with_runnable_processes(demo):
    procedures = load_demo_catalogue(agency=demo["agency"])

    assert len(procedures) >= 12
    fields = set(Procedure.objects.values_list("field__name", flat=True))
    assert {
        "Môi trường",
        "Tài nguyên nước",
        "Địa chất và khoáng sản",
        "Đất đai",
        "Khí tượng thủy văn",
        "Biển và hải đảo",
    } <= fields
    for version in ProcedureVersion.objects.all():
        version.check_steps(list(version.steps.order_by("order")))
        assert version.valid_from == dt.date(2024, 1, 1)
        assert version.components.exists()
    permit = Procedure.objects.get(code="1.010727")
    assert permit.versions.get().time_limit_display == "30 ngày"
    assert set(Procedure.objects.exclude(pk=permit.pk).values_list("code", flat=True)) == {""}
    assert not Procedure.objects.filter(is_demo_data=False).exists()
    short = ProcedureVersion.objects.filter(
        time_limit_unit=LimitUnit.WORKING_DAYS, time_limit_value__lte=10
    )
    assert short.filter(time_limit_value=5).exists()
    assert short.count() >= 3


def test_demo_catalogue_steps_follow_the_department_roles(demo):
    load_demo_catalogue(agency=demo["agency"])
    version = Procedure.objects.get(code="1.010727").versions.get()

    assert [(s.kind, s.unit.code, s.responsible_role) for s in version.steps.all()] == [
        ("receive", "mot-cua", "one_stop_officer"),
        ("transfer", "mot-cua", "one_stop_officer"),
        ("assign", "moi-truong", "unit_head"),
        ("appraise", "moi-truong", "specialist"),
        ("review", "moi-truong", "unit_head"),
        ("approve", "ban-giam-doc", "director"),
        ("issue", "van-phong", "clerk"),
        ("return", "mot-cua", "one_stop_officer"),
    ]


def test_loading_the_demo_catalogue_twice_changes_nothing(demo):
    first = load_demo_catalogue(agency=demo["agency"])
    before = counts()

    second = load_demo_catalogue(agency=demo["agency"])

    assert first == second
    assert counts() == before


# --- the version admin --------------------------------------------------------------------------


def admin_post(procedure, process):
    data = {
        "procedure": procedure.pk,
        "version": 1,
        "valid_from": "01/01/2024",
        "legal_basis": "Luật Bảo vệ môi trường số 72/2020/QH14.",
        "online_level": "partial",
        "time_limit_value": 10,
        "time_limit_unit": "working_days",
        "result_name": "Giấy phép",
        "requires_paper_result": "on",
        "handling_unit": unit("moi-truong").pk,
        "fees-TOTAL_FORMS": 1,
        "fees-INITIAL_FORMS": 0,
        "fees-0-kind": "fee",
        "fees-0-name": "Phí thẩm định",
        "fees-0-amount": "1500000",
        "components-TOTAL_FORMS": 1,
        "components-INITIAL_FORMS": 0,
        "components-0-order": 1,
        "components-0-name": "Đơn đề nghị",
        "components-0-originals": 1,
        "components-0-copies": 0,
        "components-0-mandatory": "on",
        "steps-TOTAL_FORMS": len(process),
        "steps-INITIAL_FORMS": 0,
    }
    for index, step in enumerate(process):
        for name, value in step.items():
            if name == "responsible_unit":
                value = value.pk
            data[f"steps-{index}-{name}"] = str(value)
    return data


def test_admin_version_page_shows_a_limit_violation_and_saves_nothing(procedure, login):
    client = login("admin")
    before = counts()

    response = client.post(
        "/admin/procedures/procedureversion/add/",
        admin_post(procedure, steps(appraise=Decimal("8"))),
    )

    assert response.status_code == 200
    assert "vượt thời hạn giải quyết theo quy định (10 ngày làm việc)" in response.text
    assert counts() == before


def test_admin_version_page_saves_through_the_service(procedure, login):
    client = login("admin")

    response = client.post(
        "/admin/procedures/procedureversion/add/", admin_post(procedure, steps())
    )

    assert response.status_code == 302, response.text
    version = ProcedureVersion.objects.get(procedure=procedure, version=1)
    assert version.steps.count() == 8
    assert version.fees.get().name == "Phí thẩm định"
    assert version.history.get().history_user.username == "admin"


def test_admin_catalogue_pages_open(procedure, login):
    client = login("admin")
    version = save(procedure)
    for url in (
        "/admin/procedures/procedure/",
        f"/admin/procedures/procedure/{procedure.pk}/change/",
        f"/admin/procedures/procedure/{procedure.pk}/history/",
        "/admin/procedures/procedureversion/",
        f"/admin/procedures/procedureversion/{version.pk}/change/",
        "/admin/procedures/procedurefield/",
        "/admin/procedures/regime/",
        "/admin/procedures/formtemplate/",
        "/admin/procedures/formtemplate/add/",
        "/admin/procedures/procedureversion/add/",
    ):
        assert client.get(url).status_code == 200, url
    page = client.get(f"/admin/procedures/procedure/{procedure.pk}/change/").text
    assert f"/admin/procedures/procedureversion/{version.pk}/change/" in page


def test_admin_shows_a_version_frozen_by_a_dossier_read_only(procedure, demo, login):
    version = save(procedure)
    dossier_under(version, demo["agency"])
    client = login("admin")
    url = f"/admin/procedures/procedureversion/{version.pk}/change/"

    assert 'name="_save"' not in client.get(url).text
    assert client.post(url, admin_post(procedure, steps())).status_code == 403
