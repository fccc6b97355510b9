"""The computed indicators (audits.indicators) on hand-made dossiers with known answers.

March 2024 has no public holiday: a dossier received on Monday 4/3 for a 10-working-day
procedure is due on Monday 18/3.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audits import indicators
from audits.models import Nonconformity
from procedures.models import Procedure
from qms.core.models import OrgUnit
from tests.planning import dossiers as make
from tests.planning.dossiers import ENV, LAND_DATA, WATER

pytestmark = pytest.mark.django_db

MARCH = {"date_from": dt.date(2024, 3, 1), "date_to": dt.date(2024, 3, 31)}
MON_4 = dt.date(2024, 3, 4)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with make.demo_world(django_db_blocker) as world:
        yield world


@pytest.fixture
def catalogue(world, db):
    """The demo department and catalogue, built once for the module."""
    return world


def day(n, month=3):
    return dt.date(2024, month, n)


@pytest.fixture
def march(catalogue):
    """Thirteen dossiers whose timeliness in March 2024 is known."""
    d = {}
    d["early"] = make.finish(make.receive(ENV, MON_4, channel=2), day(12))
    d["due_day"] = make.finish(make.receive(ENV, MON_4, channel=2), day(18))
    d["late"] = make.finish(make.receive(ENV, MON_4), day(20))
    # Apologised for, with a new date (25/3) it meets: still late against the Mẫu 01 date.
    apologised = make.apologise(make.receive(ENV, MON_4), day(14), day(25))
    d["apologised"] = make.finish(apologised, day(22))
    # Paused 6/3 → 11/3 (3 working days): the appointment moves to 21/3, met on 21/3.
    paused = make.receive(ENV, MON_4)
    make.request_supplement(paused, day(6))
    make.supplement_received(paused, day(11))
    d["paused"] = make.finish(paused, day(21))
    # Two supplement requests: late however early it finishes.
    twice = make.receive(ENV, MON_4)
    make.request_supplement(twice, day(5))
    make.supplement_received(twice, day(6))
    make.extra_supplement(twice, day(7), day(8))
    d["twice"] = make.finish(twice, day(12))
    d["open_late"] = make.start_handling(make.receive(WATER, MON_4), day(4))
    d["open_not_due"] = make.receive(WATER, day(25), channel=2)
    waiting = make.receive(WATER, MON_4)
    d["waiting"] = make.request_supplement(waiting, day(6))
    d["water_early"] = make.finish(make.receive(WATER, MON_4), day(15))
    d["february"] = make.finish(make.receive(ENV, day(1, 2)), day(5, 2))
    d["april"] = make.finish(make.receive(ENV, MON_4), day(2, 4))
    d["cancelled"] = make.cancel(make.receive(ENV, MON_4), day(5))
    return d


def unit(code):
    return OrgUnit.objects.get(code=code)


def test_on_time_rate_counts_finished_and_open_late_dossiers_per_unit_and_period(march):
    value = indicators.compute("on_time_rate", **MARCH)
    assert dict(value.parts) == {"early": 2, "on_time": 2, "late_finished": 3, "late_open": 2}
    assert (value.numerator, value.denominator) == (4, 9)
    assert value.value == Decimal("44.44")
    assert str(value) == "44,44%"
    assert indicators.compute("late_count", **MARCH).value == 5

    # Per unit and per procedure.
    env = indicators.compute("on_time_rate", unit=unit("moi-truong"), **MARCH)
    assert (env.numerator, env.denominator, env.value) == (3, 7, Decimal("42.86"))
    water = indicators.compute("on_time_rate", procedure=Procedure.objects.get(key=WATER), **MARCH)
    assert (water.numerator, water.denominator, water.value) == (1, 2, Decimal("50.00"))
    rows = indicators.breakdown("on_time_rate", by="unit", **MARCH)
    assert [(r.obj.code, r.value.numerator, r.value.denominator) for r in rows] == [
        ("moi-truong", 3, 7),
        ("tai-nguyen-nuoc", 1, 2),
    ]
    by_procedure = indicators.breakdown("late_count", by="procedure", **MARCH)
    assert {r.obj.key: r.value.value for r in by_procedure} == {ENV: 4, WATER: 1}

    # The period decides what is counted.
    february = indicators.compute("on_time_rate", date_from=day(1, 2), date_to=day(29, 2))
    assert (february.numerator, february.denominator) == (1, 1)
    # Measured at 10/3 the dossiers due on 18/3 are neither finished nor late yet, except the
    # one already asked twice for a supplement.
    early_march = indicators.compute("on_time_rate", date_from=day(1), date_to=day(10))
    assert dict(early_march.parts) == {
        "early": 0,
        "on_time": 0,
        "late_finished": 0,
        "late_open": 1,
    }
    assert early_march.value == Decimal("0.00")
    first_week = indicators.compute("on_time_rate", date_from=day(1), date_to=day(6))
    assert first_week.denominator == 0 and first_week.value is None
    april = indicators.compute("on_time_rate", date_from=day(1, 4), date_to=day(30, 4))
    # Finished late on 2/4; the open water dossiers are late at the end of April; the one
    # waiting for the applicant since 6/3 is not.
    assert dict(april.parts) == {"early": 0, "on_time": 0, "late_finished": 1, "late_open": 2}


def test_average_handling_time_and_online_submission_rate(march):
    value = indicators.compute("avg_handling_days", **MARCH)
    # 6 + 10 + 12 + 14 + (13 − 3) + (6 − 1 − 1) + 9 working days over 7 finished dossiers.
    assert (value.numerator, value.denominator) == (65, 7)
    assert value.value == Decimal("9.29")
    assert str(value) == "9,29 ngày làm việc"
    env = indicators.compute("avg_handling_days", unit=unit("moi-truong"), **MARCH)
    assert (env.numerator, env.denominator, env.value) == (56, 6, Decimal("9.33"))
    rows = indicators.breakdown("avg_handling_days", by="unit", **MARCH)
    assert [(r.obj.code, r.value.value) for r in rows] == [
        ("moi-truong", Decimal("9.33")),
        ("tai-nguyen-nuoc", Decimal("9.00")),
    ]

    # Online submission: over the dossiers received in the period.
    value = indicators.compute("online_rate", **MARCH)
    # Received in March: 12 (the February one is not); online: 3.
    assert (value.numerator, value.denominator, value.value) == (3, 12, Decimal("25.00"))
    water = indicators.compute("online_rate", unit=unit("tai-nguyen-nuoc"), **MARCH)
    assert (water.numerator, water.denominator) == (1, 4)


def test_paid_online_share_leaves_out_dossiers_with_nothing_to_pay(catalogue):
    paid_online = make.pay_fees(make.receive(LAND_DATA, MON_4, channel=2), MON_4, channel="online")
    make.pay_fees(make.receive(LAND_DATA, MON_4), MON_4, channel="desk")
    make.waive_fees(make.receive(LAND_DATA, MON_4), MON_4)
    make.receive(LAND_DATA, MON_4)  # not paid yet
    make.receive(ENV, MON_4)  # no fee at all
    assert paid_online.paid_online
    value = indicators.compute("paid_online_rate", **MARCH)
    assert (value.numerator, value.denominator, value.value) == (1, 3, Decimal("33.33"))


def test_digitised_share_needs_a_digitised_document_and_result(catalogue):
    make.finish(make.receive(ENV, MON_4, scan=True), day(6), result_file=True)
    make.finish(make.receive(ENV, MON_4, scan=True), day(6))  # paper result
    make.finish(make.receive(ENV, MON_4), day(6), result_file=True)  # paper documents
    make.receive(ENV, MON_4, scan=True)  # not finished: not counted
    value = indicators.compute("digitised_rate", **MARCH)
    assert (value.numerator, value.denominator, value.value) == (1, 3, Decimal("33.33"))


def test_satisfaction_counts_the_ratings_given_in_the_period(catalogue):
    for rating, rated_on in [(3, day(7)), (2, day(8)), (1, day(8)), (3, day(2, 4))]:
        dossier = make.finish(make.receive(ENV, MON_4), day(6))
        make.give_back(dossier, day(6))
        make.rate(dossier, rated_on, rating)
    value = indicators.compute("satisfaction_rate", **MARCH)
    assert (value.numerator, value.denominator, value.value) == (2, 3, Decimal("66.67"))
    assert (
        indicators.compute("satisfaction_rate", date_from=day(1, 1), date_to=day(31, 1)).value
        is None
    )


def test_nonconformities_raised_in_the_period(catalogue):
    from audits.services import nonconformity_raise_for_late_dossier

    late = make.finish(make.receive(ENV, MON_4), day(20))
    with make.clock_at(make.at(day(20), 16)):
        nonconformity_raise_for_late_dossier(dossier=late)
    Nonconformity.objects.create(
        source=Nonconformity.Source.MANUAL,
        unit=unit("van-phong"),
        title="Sổ theo dõi công văn đến ghi thiếu",
        description="Phát hiện khi kiểm tra",
        raised_at=make.at(day(22)),
    )
    assert indicators.compute("nonconformity_count", **MARCH).value == 2
    assert indicators.compute("nonconformity_count", unit=unit("moi-truong"), **MARCH).value == 1
    rows = indicators.breakdown("nonconformity_count", by="procedure", **MARCH)
    assert [(r.obj and r.obj.key, r.label, r.value.value) for r in rows] == [
        (ENV, rows[0].obj.name, 1),
        (None, "Không gắn thủ tục", 1),
    ]
    assert (
        indicators.compute("nonconformity_count", date_from=day(1, 4), date_to=day(30, 4)).value
        == 0
    )


def count_queries(function):
    with CaptureQueriesContext(connection) as queries:
        function()
    return len(queries)


def test_query_count_does_not_grow_with_the_number_of_dossiers(catalogue):
    def everything():
        for code in indicators.INDICATORS:
            indicators.compute(code, **MARCH)
            indicators.breakdown(code, by="unit", **MARCH)
            indicators.breakdown(code, by="procedure", **MARCH)

    def more(n):
        paused = make.receive(ENV if n % 2 else WATER, MON_4, scan=True)
        make.request_supplement(paused, day(6))
        make.supplement_received(paused, day(7))
        dossier = make.finish(paused, day(15 + n), result_file=True)
        make.give_back(dossier, day(20))
        make.rate(dossier, day(20), 1 + n % 3)
        make.receive(LAND_DATA, MON_4)
        make.receive(WATER, MON_4)

    more(0)
    more(1)
    few = count_queries(everything)
    for n in range(2, 6):
        more(n)
    many = count_queries(everything)
    assert many == few
    # One aggregate per computation (three for the average time), one to name the groups.
    assert few <= 3 * len(indicators.INDICATORS) + 2 * 3 + 2 * len(indicators.INDICATORS)


def test_registry_describes_every_indicator():
    assert {
        "on_time_rate",
        "avg_handling_days",
        "online_rate",
        "paid_online_rate",
        "digitised_rate",
        "satisfaction_rate",
        "late_count",
        "nonconformity_count",
    } <= set(indicators.INDICATORS)
    for item in indicators.INDICATORS.values():
        assert str(item.name) and str(item.description)
        assert item.unit in indicators.MeasureUnit.values
        assert item.direction in indicators.Direction.values
    assert indicators.indicator("on_time_rate").higher_is_better
    assert not indicators.indicator("late_count").higher_is_better
    assert ("online_rate", "Tỷ lệ hồ sơ nộp trực tuyến") in [
        (code, str(name)) for code, name in indicators.choices()
    ]


def test_bad_input_is_refused_in_vietnamese(db):
    with pytest.raises(ValidationError, match="không có trong danh mục"):
        indicators.compute("ty_le_bat_ky", **MARCH)
    with pytest.raises(ValidationError, match="ngày bắt đầu 31/03/2024 sau ngày kết thúc"):
        indicators.compute("on_time_rate", date_from=day(31), date_to=day(1))
    with pytest.raises(ValidationError, match="phải có ngày bắt đầu"):
        indicators.compute("on_time_rate", date_from="2024-03-01", date_to=day(31))
    with pytest.raises(ValidationError, match="theo đơn vị"):
        indicators.breakdown("on_time_rate", by="handler", **MARCH)


def test_no_dossiers_means_no_value_for_rates_and_zero_for_counts(db):
    assert indicators.compute("on_time_rate", **MARCH).value is None
    assert indicators.compute("avg_handling_days", **MARCH).value is None
    assert indicators.compute("late_count", **MARCH).value == 0
    assert indicators.breakdown("on_time_rate", **MARCH) == []
