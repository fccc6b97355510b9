"""Quality objectives (ISO 9001 6.2): the target is bound to a computed indicator, so whether
it is met follows the dossiers, never a typed figure."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audits.planning import selectors, services
from audits.planning.models import QualityObjective
from qms.core.models import AuditEvent
from tests.planning import dossiers as make
from tests.planning.dossiers import ENV, WATER

pytestmark = pytest.mark.django_db

END_OF_MARCH = dt.date(2024, 3, 31)
MON_4 = dt.date(2024, 3, 4)


def objective(people, units, **fields):
    values = {
        "year": 2024,
        "title": "Tỷ lệ hồ sơ giải quyết trước hạn, đúng hạn đạt từ 98% trở lên",
        "indicator": "on_time_rate",
        "comparison": "gte",
        "target": 98,
        "unit": None,
        "procedure": None,
        "owner_unit": units["van-phong"],
        "action_plan": "Theo dõi hằng tuần.",
    }
    values.update(fields)
    return services.quality_objective_create(actor=people["thuky"], **values)


def test_achievement_is_computed_from_the_dossiers_and_follows_them(catalogue, people, units):
    target = objective(people, units)
    result = selectors.objective_achievement(target, today=END_OF_MARCH)
    assert result.status == selectors.Achievement.NO_DATA and result.value.value is None
    assert result.period.label == "Lũy kế từ 01/01/2024 đến 31/03/2024"

    make.finish(make.receive(ENV, MON_4), dt.date(2024, 3, 12))
    make.finish(make.receive(WATER, MON_4), dt.date(2024, 3, 14))
    result = selectors.objective_achievement(target, today=END_OF_MARCH, per_unit=True)
    assert (result.value.value, result.status) == (Decimal("100.00"), "achieved")

    make.finish(make.receive(WATER, MON_4), dt.date(2024, 3, 20))  # late
    result = selectors.objective_achievement(target, today=END_OF_MARCH, per_unit=True)
    assert (result.value.numerator, result.value.denominator) == (2, 3)
    assert (result.value.value, result.status) == (Decimal("66.67"), "not_achieved")
    assert [(r.unit.code, str(r.value), r.status) for r in result.units] == [
        ("moi-truong", "100,00%", "achieved"),
        ("tai-nguyen-nuoc", "50,00%", "not_achieved"),
    ]
    # The environment unit's own objective is met; the water unit's is not.
    own = objective(people, units, unit=units["moi-truong"], owner_unit=units["moi-truong"])
    assert selectors.objective_achievement(own, today=END_OF_MARCH).status == "achieved"
    # Measured before the late dossier's finishing day, the department still met its target.
    early = selectors.objective_achievement(target, today=dt.date(2024, 3, 15))
    assert early.status == "achieved"


def test_a_lower_is_better_objective_and_a_procedure_scope(catalogue, people, units):
    from procedures.models import Procedure

    target = objective(
        people,
        units,
        title="Không có hồ sơ trễ hạn",
        indicator="late_count",
        comparison="lte",
        target=0,
        procedure=Procedure.objects.get(key=WATER),
    )
    assert target.target_display == "≤ 0"
    make.finish(make.receive(ENV, MON_4), dt.date(2024, 3, 20))  # late, another procedure
    result = selectors.objective_achievement(target, today=END_OF_MARCH)
    assert (result.value.value, result.status) == (0, "achieved")
    make.finish(make.receive(WATER, MON_4), dt.date(2024, 3, 20))
    result = selectors.objective_achievement(target, today=END_OF_MARCH)
    assert (result.value.value, result.status) == (1, "not_achieved")


def test_the_period_is_the_year_to_date_then_the_full_year():
    assert selectors.objective_period(
        2024, today=dt.date(2024, 5, 10)
    ) == selectors.ObjectivePeriod(dt.date(2024, 1, 1), dt.date(2024, 5, 10), full_year=False)
    full = selectors.objective_period(2024, today=dt.date(2025, 2, 1))
    assert (full.date_to, full.full_year, full.label) == (
        dt.date(2024, 12, 31),
        True,
        "Cả năm 2024",
    )
    assert selectors.objective_period(2030, today=dt.date(2026, 1, 1)) is None


def test_an_objective_of_a_year_not_begun_has_no_data(catalogue, people, units):
    target = objective(people, units, year=2099)
    result = selectors.objective_achievement(target)
    assert (result.period, result.status) == (None, "no_data")


def test_the_objectives_page_shows_the_computed_achievement(catalogue, people, units, login):
    objective(people, units)
    objective(
        people,
        units,
        title="Nộp trực tuyến từ 50%",
        indicator="online_rate",
        target=50,
        owner_unit=units["mot-cua"],
    )
    make.finish(make.receive(ENV, MON_4, channel=2), dt.date(2024, 3, 12))
    make.finish(make.receive(ENV, MON_4), dt.date(2024, 3, 20))
    page = login("giamdoc").get("/planning/?year=2024")
    assert page.status_code == 200
    rows = {o.indicator: r for o, r in page.context["rows"]}
    assert (rows["on_time_rate"].value.value, rows["on_time_rate"].status) == (
        Decimal("50.00"),
        "not_achieved",
    )
    assert (rows["online_rate"].value.value, rows["online_rate"].status) == (
        Decimal("50.00"),
        "achieved",
    )
    html = page.content.decode()
    assert "Cả năm 2024" in html and "Không đạt" in html and "Đạt" in html


BAD_OBJECTIVES = [
    ({"indicator": "ty_le_khong_co"}, "không có trong danh mục"),
    ({"comparison": "lte"}, "mục tiêu phải là “≥”"),
    ({"indicator": "late_count", "target": 0}, "mục tiêu phải là “≤”"),
    ({"target": 120}, "từ 0 đến 100%"),
    ({"target": -1}, "không được âm"),
    ({"indicator": "late_count", "comparison": "lte", "target": "2.5"}, "số nguyên"),
    ({"target": "nhiều"}, "phải là một số"),
    ({"year": 1999}, "từ 2000 đến 2100"),
    ({"title": "   "}, "Phải nhập nội dung mục tiêu"),
    ({"owner_unit": None}, "đơn vị chủ trì"),
]


def test_bad_objectives_are_refused_in_vietnamese(people, units):
    for fields, message in BAD_OBJECTIVES:
        with pytest.raises(ValidationError, match=message):
            objective(people, units, **fields)
    assert not QualityObjective.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="quality_objective").exists()


def test_the_same_objective_twice_is_refused(catalogue, people, units):
    objective(people, units)
    with pytest.raises(ValidationError, match="Đã có mục tiêu năm 2024"):
        objective(people, units, title="Trùng")
    objective(people, units, unit=units["dat-dai"])  # another scope is another objective
    assert QualityObjective.objects.count() == 2


def test_creating_through_the_page_and_bad_input_on_it(catalogue, units, login):
    client = login("thuky")
    data = {
        "year": 2024,
        "title": "Hài lòng từ 90%",
        "indicator": "satisfaction_rate",
        "comparison": "gte",
        "target": "90",
        "owner_unit": units["van-phong"].pk,
        "action_plan": "",
    }
    bad = client.post("/planning/objectives/new/", {**data, "target": "150"})
    assert bad.status_code == 200
    assert "từ 0 đến 100%" in bad.content.decode()
    assert not QualityObjective.objects.exists()
    response = client.post("/planning/objectives/new/", data)
    created = QualityObjective.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(
        f"/planning/objectives/{created.pk}/"
    )
    assert (created.unit, created.target, created.created_by.username) == (
        None,
        Decimal("90.00"),
        "thuky",
    )
    assert client.get(f"/planning/objectives/{created.pk}/").status_code == 200


def test_changing_needs_a_reason_and_is_logged(catalogue, people, units, login):
    target = objective(people, units)
    with pytest.raises(ValidationError, match="lý do"):
        services.quality_objective_change(
            actor=people["thuky"], objective=target, reason=" ", target=95
        )
    client = login("giamdoc")
    response = client.post(
        f"/planning/objectives/{target.pk}/edit/",
        {
            "year": 2024,
            "title": target.title,
            "indicator": "on_time_rate",
            "comparison": "gte",
            "target": "95",
            "owner_unit": units["van-phong"].pk,
            "action_plan": target.action_plan,
            "reason": "Điều chỉnh theo chỉ đạo của UBND tỉnh",
        },
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.target == Decimal("95.00")
    event = AuditEvent.objects.get(action="quality_objective.change")
    assert (event.before, event.after) == ({"target": "98.00"}, {"target": "95.00"})
    assert event.reason == "Điều chỉnh theo chỉ đạo của UBND tỉnh"
    assert target.history.first().history_change_reason == event.reason


def test_withdrawing_keeps_the_objective_with_its_reason(catalogue, people, units, login):
    target = objective(people, units)
    client = login("thuky")
    client.post(f"/planning/objectives/{target.pk}/withdraw/", {"reason": ""})
    target.refresh_from_db()
    assert target.status == "active"
    client.post(f"/planning/objectives/{target.pk}/withdraw/", {"reason": "Trùng mục tiêu"})
    target.refresh_from_db()
    assert (target.status, target.withdrawal_reason) == ("withdrawn", "Trùng mục tiêu")
    with pytest.raises(ValidationError, match="đã bị hủy bỏ"):
        services.quality_objective_change(
            actor=people["thuky"], objective=target, reason="x", target=90
        )


def test_unit_staff_see_their_units_and_the_department_objectives(catalogue, people, units, login):
    department = objective(people, units)
    env = objective(people, units, unit=units["moi-truong"], owner_unit=units["moi-truong"])
    land = objective(people, units, unit=units["dat-dai"], owner_unit=units["dat-dai"])
    client = login("chuyenvien")
    page = client.get("/planning/?year=2024")
    assert {o.pk for o, _r in page.context["rows"]} == {department.pk, env.pk}
    assert client.get(f"/planning/objectives/{land.pk}/").status_code == 404
    detail = client.get(f"/planning/objectives/{department.pk}/")
    # The department objective's per-unit rows are limited to the user's own units.
    assert all(row.unit.code == "moi-truong" for row in detail.context["result"].units)
    auditor = login("danhgia").get("/planning/?year=2024")
    assert {o.pk for o, _r in auditor.context["rows"]} == {department.pk, env.pk, land.pk}


def test_the_auditor_reads_and_changes_nothing(catalogue, people, units, login):
    target = objective(people, units)
    client = login("danhgia")
    assert client.get(f"/planning/objectives/{target.pk}/").status_code == 200
    assert client.get("/planning/objectives/new/").status_code == 403
    assert client.get(f"/planning/objectives/{target.pk}/edit/").status_code == 403
    for url, data in [
        ("/planning/objectives/new/", {"year": 2024, "title": "x"}),
        (f"/planning/objectives/{target.pk}/edit/", {"target": 10, "reason": "x"}),
        (f"/planning/objectives/{target.pk}/withdraw/", {"reason": "x"}),
    ]:
        assert client.post(url, data).status_code == 403
    with pytest.raises(PermissionDenied):
        services.quality_objective_withdraw(actor=people["danhgia"], objective=target, reason="x")
    target.refresh_from_db()
    assert (target.status, target.target) == ("active", Decimal("98.00"))
    assert QualityObjective.objects.count() == 1


def test_the_indicators_page_breaks_down_only_the_users_units(catalogue, login):
    make.finish(make.receive(ENV, MON_4), dt.date(2024, 3, 12))
    make.finish(make.receive(WATER, MON_4), dt.date(2024, 3, 20))
    period = {"date_from": "2024-03-01", "date_to": "2024-03-31"}
    director = login("giamdoc")
    rows = director.get("/planning/indicators/", {**period, "by": "unit"}).context["rows"]
    assert [(r.obj.code, str(r.value)) for r in rows] == [
        ("moi-truong", "100,00%"),
        ("tai-nguyen-nuoc", "0,00%"),
    ]
    page = director.get("/planning/indicators/", period)
    values = {item.code: value for item, value in page.context["values"]}
    assert (str(values["on_time_rate"]), values["late_count"].value) == ("50,00%", 1)
    specialist = login("chuyenvien")
    rows = specialist.get("/planning/indicators/", {**period, "by": "unit"}).context["rows"]
    assert [r.obj.code for r in rows] == ["moi-truong"]
    rows = specialist.get("/planning/indicators/", {**period, "by": "procedure"}).context["rows"]
    assert [r.obj.key for r in rows] == [ENV]
    # Another unit cannot be chosen.
    from qms.core.models import OrgUnit

    water = OrgUnit.objects.get(code="tai-nguyen-nuoc")
    refused = specialist.get("/planning/indicators/", {**period, "unit": water.pk})
    assert "unit" in refused.context["form"].errors and refused.context["values"] == []
