import datetime as dt
import zoneinfo

import pytest

from qms.core import calendar
from qms.core.calendar import LimitUnit, WorkingCalendar
from qms.core.models import CalendarOverride
from qms.core.services import calendar_override_set

HCM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
D = dt.date


def at(y, m, d, hh=9, mm=0):
    return dt.datetime(y, m, d, hh, mm, tzinfo=HCM)


pytestmark = pytest.mark.django_db


def test_verified_case_april_2024_counts_the_make_up_saturday():
    # Fri 26/4/2024 + 5: Mon 29/4, 30/4, 1/5 off; Sat 4/5 is a working day.
    assert calendar.add_working_days(D(2024, 4, 26), 5) == D(2024, 5, 7)


def test_verified_case_tet_2025():
    assert calendar.add_working_days(D(2025, 1, 24), 10) == D(2025, 2, 14)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2024, 4, 29), False),  # swapped day off
        (D(2024, 5, 4), True),  # make-up Saturday
        (D(2024, 5, 11), False),  # ordinary Saturday
        (D(2025, 1, 31), False),  # Tết
        (D(2025, 2, 3), True),
        (D(2024, 9, 3), False),  # National Day, second day
    ],
)
def test_is_working_day(day, working):
    assert calendar.is_working_day(day) is working


def test_working_days_between_is_the_inverse_of_add():
    cal = WorkingCalendar.load()
    for start in (D(2024, 4, 26), D(2025, 1, 24), D(2024, 12, 31)):
        for n in (0, 1, 5, 10, 30):
            end = cal.add_working_days(start, n)
            assert cal.working_days_between(start, end) == n
    assert cal.working_days_between(D(2024, 5, 7), D(2024, 4, 26)) == -5


def test_add_negative_working_days_counts_backwards():
    # One working day before Tue 7/5/2024 is Mon 6/5; before Thu 2/5 is Fri 26/4.
    assert calendar.add_working_days(D(2024, 5, 7), -1) == D(2024, 5, 6)
    assert calendar.add_working_days(D(2024, 5, 2), -1) == D(2024, 4, 26)


def test_due_at_working_days_ends_at_close_of_office():
    due = calendar.due_at(at(2024, 4, 26, 16, 30), 5, LimitUnit.WORKING_DAYS)
    assert due == at(2024, 5, 7, 17, 0)


def test_due_at_calendar_days_ending_on_a_day_off_moves_to_next_working_day():
    # 30 days from Thu 1/8/2024 (first day not counted) is Sat 31/8; 1/9 Sun; 2/9 and 3/9 are
    # National Day: the deadline moves to Wed 4/9.
    due = calendar.due_at(at(2024, 8, 1), 30, LimitUnit.CALENDAR_DAYS)
    assert due.date() == D(2024, 9, 4)


def test_due_at_calendar_days_ending_on_a_working_day_stays():
    assert calendar.due_at(at(2024, 3, 1), 30, LimitUnit.CALENDAR_DAYS).date() == D(2024, 3, 31) + (
        dt.timedelta(days=1)
    )  # 31/3/2024 is a Sunday → Mon 1/4


def test_due_at_hours_counts_office_hours_only():
    # Received Fri 26/4/2024 at 15:00 with 8 office hours: 2 h on Friday, then Mon 29/4 – Wed 1/5
    # are off, Thursday 2/5 gives 4 h in the morning and 2 h after 13:00 → 15:00.
    assert calendar.due_at(at(2024, 4, 26, 15), 8, LimitUnit.HOURS) == at(2024, 5, 2, 15)
    # Received after hours: counting starts at the next opening.
    assert calendar.due_at(at(2024, 5, 2, 18), 1, LimitUnit.HOURS) == at(2024, 5, 3, 8)


def test_due_at_refuses_bad_input():
    with pytest.raises(ValueError):
        calendar.due_at(at(2024, 1, 2), -1, LimitUnit.WORKING_DAYS)
    with pytest.raises(ValueError):
        calendar.due_at(at(2024, 1, 2), 3, "weeks")
    with pytest.raises(ValueError):
        calendar.add_working_days(D(2024, 1, 2), 10**6)


def test_override_extra_day_off_shifts_the_deadline():
    before = calendar.add_working_days(D(2024, 6, 3), 3)
    assert before == D(2024, 6, 6)
    calendar_override_set(
        actor=None,
        date=D(2024, 6, 5),
        kind=CalendarOverride.Kind.DAY_OFF,
        reason="Quyết định nghỉ bổ sung của UBND tỉnh (thử nghiệm)",
    )
    assert not calendar.is_working_day(D(2024, 6, 5))
    assert calendar.add_working_days(D(2024, 6, 3), 3) == D(2024, 6, 7)


def test_override_extra_working_day():
    calendar_override_set(
        actor=None,
        date=D(2024, 6, 8),
        kind=CalendarOverride.Kind.WORKING_DAY,
        reason="Làm bù theo thông báo (thử nghiệm)",
    )
    assert calendar.is_working_day(D(2024, 6, 8))
    assert calendar.add_working_days(D(2024, 6, 7), 1) == D(2024, 6, 8)


def test_override_needs_a_reason_and_changes_nothing_without_one():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        calendar_override_set(
            actor=None, date=D(2024, 6, 5), kind=CalendarOverride.Kind.DAY_OFF, reason="  "
        )
    assert not CalendarOverride.objects.exists()


def test_override_is_one_row_per_date_with_history():
    first = calendar_override_set(
        actor=None, date=D(2024, 6, 5), kind=CalendarOverride.Kind.DAY_OFF, reason="Lý do 1"
    )
    second = calendar_override_set(
        actor=None, date=D(2024, 6, 5), kind=CalendarOverride.Kind.WORKING_DAY, reason="Lý do 2"
    )
    assert first.pk == second.pk
    assert CalendarOverride.objects.count() == 1
    assert [h.kind for h in second.history.order_by("history_date")] == ["day_off", "working_day"]


def test_calendar_answers_many_questions_with_one_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        cal = WorkingCalendar.load()
        for n in range(1, 60):
            cal.add_working_days(D(2024, 1, 2), n)
