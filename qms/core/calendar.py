"""The working-day calendar of DOMAIN.md §3.

Working days are Monday to Friday, minus Vietnam's public holidays and the government's yearly
day-off swaps, plus the make-up Saturdays — all from the pinned ``holidays`` package — corrected
by the :class:`~qms.core.models.CalendarOverride` table an administrator edits.

Conventions (kept here, once):

* ``add_working_days(d, n)`` counts from the working day *after* ``d``: the result is the n-th
  working day after ``d`` (n < 0 counts backwards; n = 0 gives ``d`` itself).
* ``working_days_between(a, b)`` is its inverse: the working days in ``(a, b]``.
* ``due_at(start, value, unit)`` turns a published time limit into a deadline. Working days and
  calendar days end at the close of the office day; a calendar-day limit does not count the
  first day and, when it ends on a day off, moves to the next working day. Hours are office
  hours, counted from ``start`` within the working periods of working days.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import holidays
from django.conf import settings
from django.db.models import TextChoices
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Guard against a typing slip turning into an endless loop: no published limit is this long.
MAX_SPAN_DAYS = 3660


class LimitUnit(TextChoices):
    """The unit of a published time limit, exactly as the procedure publishes it."""

    WORKING_DAYS = "working_days", _("ngày làm việc")
    CALENDAR_DAYS = "calendar_days", _("ngày")
    HOURS = "hours", _("giờ làm việc")


@lru_cache(maxsize=32)
def _national(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("VN", years=year, language="vi")


def national_holidays(year: int) -> list[tuple[dt.date, str]]:
    """The national days off of a year with their Vietnamese names."""
    return sorted(_national(year).items())


def national_make_up_days(year: int) -> list[dt.date]:
    """Saturdays or Sundays the government declared working days (ngày làm bù)."""
    return sorted(d for d in _national(year).weekend_workdays if d.year == year)


def _office_periods() -> list[tuple[dt.time, dt.time]]:
    return [
        (dt.time.fromisoformat(a), dt.time.fromisoformat(b)) for a, b in settings.QMS_OFFICE_HOURS
    ]


@dataclass(frozen=True)
class WorkingCalendar:
    """The calendar with a fixed set of local overrides (``{date: is_working}``).

    Build one with :meth:`load` to answer many questions with a single query.
    """

    overrides: dict

    @classmethod
    def load(cls) -> WorkingCalendar:
        from .models import CalendarOverride

        rows = CalendarOverride.objects.values_list("date", "kind")
        return cls({day: kind == CalendarOverride.Kind.WORKING_DAY for day, kind in rows})

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        return _national(day.year).is_working_day(day)

    def next_working_day(self, day: dt.date, *, inclusive: bool = False) -> dt.date:
        current = day if inclusive else day + dt.timedelta(days=1)
        for _i in range(MAX_SPAN_DAYS):
            if self.is_working_day(current):
                return current
            current += dt.timedelta(days=1)
        raise ValueError("Không tìm thấy ngày làm việc trong khoảng cho phép.")

    def add_working_days(self, day: dt.date, n: int) -> dt.date:
        if abs(n) > MAX_SPAN_DAYS:
            raise ValueError("Số ngày làm việc vượt quá giới hạn cho phép.")
        step = dt.timedelta(days=1 if n >= 0 else -1)
        current, remaining = day, abs(n)
        while remaining:
            current += step
            if self.is_working_day(current):
                remaining -= 1
        return current

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        if end < start:
            return -self.working_days_between(end, start)
        if (end - start).days > MAX_SPAN_DAYS * 2:
            raise ValueError("Khoảng thời gian vượt quá giới hạn cho phép.")
        return sum(
            self.is_working_day(start + dt.timedelta(days=i))
            for i in range(1, (end - start).days + 1)
        )

    def due_at(self, start: dt.datetime, value: int, unit: str) -> dt.datetime:
        if value < 0:
            raise ValueError("Thời hạn không được âm.")
        local = timezone.localtime(start)
        close = _office_periods()[-1][1]
        if unit == LimitUnit.WORKING_DAYS:
            return _at(self.add_working_days(local.date(), value), close)
        if unit == LimitUnit.CALENDAR_DAYS:
            if value > MAX_SPAN_DAYS:
                raise ValueError("Số ngày vượt quá giới hạn cho phép.")
            end = local.date() + dt.timedelta(days=value)
            return _at(self.next_working_day(end, inclusive=True), close)
        if unit == LimitUnit.HOURS:
            return self._add_office_hours(local, value)
        raise ValueError(f"Đơn vị thời hạn không hợp lệ: {unit!r}")

    def add_office_hours(self, start: dt.datetime, hours: float) -> dt.datetime:
        """``start`` plus ``hours`` of office time (fractions allowed)."""
        return self._add_office_hours(timezone.localtime(start), hours)

    def _add_office_hours(self, start: dt.datetime, hours: float) -> dt.datetime:
        remaining = dt.timedelta(hours=hours)
        day = start.date()
        for _i in range(MAX_SPAN_DAYS):
            if self.is_working_day(day):
                for opens, closes in _office_periods():
                    begin = max(_at(day, opens), start)
                    end = _at(day, closes)
                    if begin >= end:
                        continue
                    if end - begin >= remaining:
                        return begin + remaining
                    remaining -= end - begin
            day += dt.timedelta(days=1)
        raise ValueError("Số giờ vượt quá giới hạn cho phép.")


def _at(day: dt.date, time: dt.time) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, time))


def is_working_day(day: dt.date) -> bool:
    return WorkingCalendar.load().is_working_day(day)


def add_working_days(day: dt.date, n: int) -> dt.date:
    return WorkingCalendar.load().add_working_days(day, n)


def working_days_between(start: dt.date, end: dt.date) -> int:
    return WorkingCalendar.load().working_days_between(start, end)


def due_at(start: dt.datetime, value: int, unit: str) -> dt.datetime:
    return WorkingCalendar.load().due_at(start, value, unit)
