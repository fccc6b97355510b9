"""The nightly indicator snapshot: the figures kept for a day are exactly what
``audits.indicators`` computes from 1 January to that day, for the department and per handling
unit; taking it again writes nothing; the planning page's trend table reads the kept figures.

March 2024 has no public holiday: a dossier received on Monday 4/3 for a 10-working-day
procedure is due on Monday 18/3.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from audits import indicators
from audits.models import IndicatorSnapshot
from audits.services import indicator_snapshot_take
from audits.tasks import snapshot_indicators
from qms.core.models import AuditEvent, OrgUnit
from tests.planning import dossiers as make
from tests.planning.dossiers import ENV, LAND_DATA, WATER
from workflows.demo import clock_at

pytestmark = pytest.mark.django_db

MON_4 = dt.date(2024, 3, 4)
DAY = dt.date(2024, 3, 29)  # the snapshot's day: Friday 29/03/2024
YEAR_TO_DAY = {"date_from": dt.date(2024, 1, 1), "date_to": DAY}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with make.demo_world(django_db_blocker) as world:
        yield world


@pytest.fixture
def dossiers(world, db):
    """Environment: one early, one late (finished 20/3 for 18/3), one still open and late on
    29/3; water: one on the due day; land data: online, paid online, rated."""
    d = {
        "early": make.finish(make.receive(ENV, MON_4, channel=2), dt.date(2024, 3, 12)),
        "late": make.finish(make.receive(ENV, MON_4), dt.date(2024, 3, 20)),
        "open_late": make.start_handling(make.receive(ENV, MON_4), MON_4),
        "water": make.finish(make.receive(WATER, MON_4), dt.date(2024, 3, 18)),
    }
    land = make.pay_fees(make.receive(LAND_DATA, MON_4, channel=2), MON_4, channel="online")
    returned = make.give_back(make.finish(land, dt.date(2024, 3, 7)), dt.date(2024, 3, 7))
    d["land"] = make.rate(returned, dt.date(2024, 3, 7), 3)
    return d


def finish_one_more_early():
    """Received 18/3 (due 1/4), finished on 29/3: the live on-time rate of the period becomes
    4 / 6."""
    return make.finish(make.receive(ENV, dt.date(2024, 3, 18)), DAY, hour=16)


def unit(code):
    return OrgUnit.objects.get(code=code)


def kept(day=DAY):
    return {(s.code, s.unit_id): s for s in IndicatorSnapshot.objects.filter(day=day)}


def take_at_night(day=DAY):
    """Beat runs the task at 00:30 the next morning, with no argument."""
    with clock_at(make.at(day + dt.timedelta(days=1), 0, 30)):
        return snapshot_indicators()


def test_the_snapshot_holds_the_computed_figures_of_the_year_to_that_day(dossiers):
    created = take_at_night()

    rows = kept()
    expected = {}
    for code in indicators.INDICATORS:
        expected[(code, None)] = indicators.compute(code, **YEAR_TO_DAY)
        for row in indicators.breakdown(code, by="unit", **YEAR_TO_DAY):
            expected[(code, row.key)] = row.value
    assert created == len(expected) == len(rows)
    assert set(rows) == set(expected), "Một dòng cho mỗi chỉ số × (toàn Sở, từng đơn vị có số liệu)"
    for key, value in expected.items():
        snapshot = rows[key]
        assert (snapshot.indicator_value, snapshot.numerator, snapshot.denominator) == (
            value.value,
            value.numerator,
            value.denominator,
        ), f"{key}: lưu {snapshot.value} nhưng chỉ số tính được {value.value}"

    # The figures themselves, known by hand: 5 finished or late-open dossiers, 3 on time.
    on_time = rows[("on_time_rate", None)]
    assert (on_time.value, on_time.numerator, on_time.denominator) == (Decimal("60.00"), 3, 5)
    env = rows[("on_time_rate", unit("moi-truong").pk)]
    assert (env.value, env.numerator, env.denominator) == (Decimal("33.33"), 1, 3)
    assert rows[("late_count", None)].indicator_value == 2
    assert rows[("late_count", None)].display_value == "2"
    assert rows[("late_count", None)].denominator is None
    assert rows[("paid_online_rate", None)].value == Decimal("100.00")
    assert rows[("satisfaction_rate", None)].value == Decimal("100.00")
    # Nothing raised yet in 2024 here: a count is 0, never empty.
    assert rows[("nonconformity_count", None)].value == 0
    assert {s.unit.code for s in IndicatorSnapshot.objects.filter(day=DAY, unit__isnull=False)} == {
        "moi-truong",
        "tai-nguyen-nuoc",
        "dat-dai",
    }
    assert {s.computed_at for s in rows.values()} == {make.at(dt.date(2024, 3, 30), 0, 30)}
    event = AuditEvent.objects.get(action="indicator_snapshot.take")
    assert event.object_id == "2024-03-29" and event.after["rows"] == len(expected)
    assert event.after["department"]["on_time_rate"] == "60.00"


def test_a_new_year_starts_from_its_first_of_january(dossiers):
    """On 1 January the period is that one day: 2024's finished dossiers are not in it, the
    one still open and late is (measured at the end of the period); rates with nothing to
    count have no value, counts are 0."""
    take_at_night(dt.date(2025, 1, 1))
    rows = kept(dt.date(2025, 1, 1))
    env = unit("moi-truong").pk
    assert set(rows) == {(code, None) for code in indicators.INDICATORS} | {
        ("on_time_rate", env),
        ("late_count", env),
    }
    on_time = rows[("on_time_rate", None)]
    assert (on_time.value, on_time.numerator, on_time.denominator) == (Decimal("0.00"), 0, 1)
    assert rows[("late_count", None)].value == 1
    assert rows[("satisfaction_rate", None)].value is None
    assert rows[("satisfaction_rate", None)].display_value == "—"
    assert rows[("online_rate", None)].denominator == 0


def test_taking_the_same_day_again_creates_and_changes_nothing(dossiers):
    first = take_at_night()
    before = {key: (s.pk, s.value, s.numerator, s.computed_at) for key, s in kept().items()}

    # Another dossier is finished afterwards (the live figure of the period changes), and the
    # task runs again for the same day (a retry, a second worker, a manual run).
    finish_one_more_early()
    assert indicators.compute("on_time_rate", **YEAR_TO_DAY).value == Decimal("66.67")
    events = AuditEvent.objects.count()
    with clock_at(make.at(dt.date(2024, 3, 30), 9)):
        again = snapshot_indicators("2024-03-29")
        assert indicator_snapshot_take(day=DAY) == 0

    assert first > 0 and again == 0
    after = {key: (s.pk, s.value, s.numerator, s.computed_at) for key, s in kept().items()}
    assert after == before, "Số liệu đã lưu của một ngày không bị ghi đè"
    assert AuditEvent.objects.count() == events, "Không ghi gì thì không có sự kiện nhật ký"
    assert IndicatorSnapshot.history.count() == len(before), "Mỗi dòng một bản lịch sử (tạo)"
    # One row per (day, code, unit), the department's included (NULL unit).
    keys = list(IndicatorSnapshot.objects.values_list("day", "code", "unit"))
    assert len(keys) == len(set(keys)) == len(before)


def test_a_run_cut_short_is_completed_by_the_next_one(dossiers):
    take_at_night()
    missing = IndicatorSnapshot.objects.get(day=DAY, code="late_count", unit=None)
    expected = (missing.value, missing.numerator)
    missing.delete()
    assert take_at_night() == 1
    restored = IndicatorSnapshot.objects.get(day=DAY, code="late_count", unit=None)
    assert (restored.value, restored.numerator) == expected


@pytest.mark.parametrize("day", [dt.date(2024, 3, 30), dt.date(2024, 4, 2)])
def test_a_day_not_yet_over_is_refused(dossiers, day):
    with clock_at(make.at(dt.date(2024, 3, 30), 23, 59)), pytest.raises(ValidationError) as refused:
        indicator_snapshot_take(day=day)
    assert refused.value.messages == [
        f"Chỉ lưu được số liệu của ngày đã kết thúc; ngày {day:%d/%m/%Y} chưa kết thúc."
    ]
    assert not IndicatorSnapshot.objects.exists()
    assert not AuditEvent.objects.filter(action="indicator_snapshot.take").exists()


def test_the_indicators_page_shows_the_kept_figures_by_day(dossiers, client):
    take_at_night(dt.date(2024, 3, 28))
    take_at_night(DAY)
    # Recorded after the night of the 29th: the live figure moves, the kept one does not.
    finish_one_more_early()
    live = indicators.compute("on_time_rate", **YEAR_TO_DAY)
    assert live.value == Decimal("66.67") and live.denominator == 6

    client.force_login(make.user("thuky"))
    with clock_at(make.at(dt.date(2024, 3, 30), 9)):
        page = client.get("/planning/indicators/")
    assert page.status_code == 200
    trend = page.context["trend"]
    assert [day for day, _ in trend] == [DAY, dt.date(2024, 3, 28)], "Ngày mới nhất trước"
    codes = list(indicators.INDICATORS)
    values = dict(zip(codes, trend[0][1], strict=True))
    assert values["on_time_rate"].value == Decimal("60.00"), "Số liệu đọc từ bản lưu đêm 29/3"
    html = page.content.decode()
    table = html[html.index('id="indicator-trend"') :]
    assert "Diễn biến theo ngày" in html
    assert "<td>29/03/2024</td>" in table and "<td>28/03/2024</td>" in table
    assert "<td>60,00%</td>" in table
    assert "66,67%" not in table, "Bảng diễn biến không tính trực tiếp"


def test_the_page_says_when_nothing_was_kept(world, db, client):
    client.force_login(make.user("chuyenvien"))
    page = client.get("/planning/indicators/")
    assert page.status_code == 200
    assert page.context["trend"] == []
    assert "Chưa có số liệu lưu theo ngày." in page.content.decode()


def test_the_admin_shows_snapshots_read_only(dossiers, client):
    take_at_night()
    snapshot = IndicatorSnapshot.objects.get(day=DAY, code="on_time_rate", unit=None)
    client.force_login(make.user("admin"))
    listing = client.get("/admin/audits/indicatorsnapshot/")
    assert listing.status_code == 200
    assert client.get("/admin/audits/indicatorsnapshot/add/").status_code == 403
    response = client.post(
        f"/admin/audits/indicatorsnapshot/{snapshot.pk}/change/", {"value": "99.00"}
    )
    assert response.status_code == 403
    snapshot.refresh_from_db()
    assert snapshot.value == Decimal("60.00")
