"""Computed quality indicators (ISO 9001 6.2 / 9.1; Quyết định 766/QĐ-TTg, DOMAIN.md §4 and
FORMS.md §2): nobody types a percentage, every figure is counted from the dossiers.

The API, shared by the quality objectives and the management review:

- :data:`INDICATORS` — the registry, code → :class:`Indicator` (code, Vietnamese name, unit of
  measure, direction, what it counts). :func:`indicator` looks one up, :func:`choices` gives
  ``(code, name)`` pairs for a form or a model field.
- :func:`compute` ``(code, *, date_from, date_to, unit=None, procedure=None)`` →
  :class:`IndicatorValue` (value, numerator, denominator, the parts it is made of).
- :func:`breakdown` ``(code, by="unit" | "procedure", *, date_from, date_to, unit=None,
  procedure=None)`` → one :class:`BreakdownRow` per handling unit or procedure that has data.
- :func:`format_value` ``(code, value)`` → the value as Vietnamese text (``98,50%``); also
  ``str(IndicatorValue)``. :func:`register` declares a new indicator (decorating its measure).

Periods are whole local days (Asia/Ho_Chi_Minh), both ends included. ``unit`` is the dossier's
handling unit (a nonconformity's own unit), ``procedure`` the procedure of the dossier's frozen
version; both accept a record or its id. A percentage with nothing to count has no value
(``None``: "no data", FORMS.md §2 allows N/A); a count is always a value.

Each computation is a fixed number of SQL queries, however many dossiers there are: one
aggregate query (grouped for a breakdown), plus the working-day calendar and the supplement
pauses for the average handling time, plus one query naming the groups of a breakdown.

Decisions where 766 leaves room (kept here, in one place):

- **On time** (766 2.1) is counted over the dossiers *finished* in the period (result issued:
  ``finished_at``) and the dossiers still *open* at the end of the period that are already
  late. A finished dossier is on time when its finishing day is no later than the day of its
  legal appointment (:attr:`Dossier.legal_due_at`: the Mẫu 01 date moved only by supplement
  time; an apology's new date does not count) and it had at most one supplement request during
  handling — a second one makes it late. An open dossier is measured at the last day of the
  period, or at the day of its supplement request if it is waiting for the applicant then (the
  clock is stopped). Open dossiers not yet late are not counted; cancelled and withdrawn
  dossiers are not counted.
- **Average handling time** (766 2.2) is over the dossiers finished in the period: working
  days from receipt to finishing, less the working days spent waiting for a supplement.
- **Online submission**, **online payment** (766 3.3, 3.6) are over the dossiers *received*
  in the period; online payment only over dossiers with something to pay (a fee line not
  waived and above 0 đồng).
- **Digitised dossiers** (766 4.2) are over the dossiers finished in the period: at least one
  submitted document digitised *and* the result digitised.
- **Satisfaction** is over the ratings given in the period: "Hài lòng" or "Rất hài lòng".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from procedures.models import Dossier, DossierDocument, DossierFee, Procedure, SupplementRequest
from qms.core.models import OrgUnit

from .models import Nonconformity

__all__ = [
    "INDICATORS",
    "BreakdownRow",
    "Direction",
    "Indicator",
    "IndicatorValue",
    "MeasureUnit",
    "breakdown",
    "choices",
    "compute",
    "format_value",
    "indicator",
    "register",
]

TWO_PLACES = Decimal("0.01")


class MeasureUnit(models.TextChoices):
    PERCENT = "percent", "%"
    DAYS = "days", gettext_lazy("ngày làm việc")
    COUNT = "count", gettext_lazy("số lượng")


class Direction(models.TextChoices):
    HIGHER = "higher", gettext_lazy("Càng cao càng tốt")
    LOWER = "lower", gettext_lazy("Càng thấp càng tốt")


#: A group key (a unit's or procedure's id, or None) → (numerator, denominator, parts).
Measured = dict[object, tuple[Decimal | int, int | None, dict[str, int]]]


@dataclass(frozen=True)
class Indicator:
    """An indicator's definition. ``measure(period, scope, group)`` returns :data:`Measured`."""

    code: str
    name: object  # a lazy Vietnamese string
    unit: str  # a MeasureUnit value
    direction: str  # a Direction value
    description: object
    reference: str
    measure: Callable[..., Measured] = field(repr=False)
    #: The model field paths of the handling unit and the procedure in ``measure``'s query.
    unit_path: str = "handling_unit"
    procedure_path: str = "procedure_version__procedure"

    @property
    def unit_label(self) -> str:
        return MeasureUnit(self.unit).label

    @property
    def direction_label(self) -> str:
        return Direction(self.direction).label

    @property
    def higher_is_better(self) -> bool:
        return self.direction == Direction.HIGHER


@dataclass(frozen=True)
class IndicatorValue:
    """The value of an indicator for a period and scope.

    ``value`` is a :class:`~decimal.Decimal` rounded to two places (a percentage 0–100, days)
    or an ``int`` (a count); ``None`` when there is nothing to measure. ``numerator`` and
    ``denominator`` are what it was computed from (``denominator`` is None for counts);
    ``parts`` names the counts behind it (e.g. early / on time / late finished / late open).
    """

    code: str
    value: Decimal | int | None
    numerator: Decimal | int
    denominator: int | None
    date_from: dt.date
    date_to: dt.date
    parts: Mapping[str, int] = field(default_factory=dict)

    @property
    def indicator(self) -> Indicator:
        return INDICATORS[self.code]

    @property
    def has_data(self) -> bool:
        return self.value is not None

    def __str__(self) -> str:
        return format_value(self.code, self.value)


@dataclass(frozen=True)
class BreakdownRow:
    """One group of a :func:`breakdown`: the unit or procedure (``obj``; None for records
    without one), its label and its value."""

    key: int | None
    obj: OrgUnit | Procedure | None
    label: str
    value: IndicatorValue


@dataclass(frozen=True)
class Period:
    date_from: dt.date
    date_to: dt.date

    @property
    def start(self) -> dt.datetime:
        return _local_midnight(self.date_from)

    @property
    def end(self) -> dt.datetime:
        """The first moment after the period (exclusive bound)."""
        return _local_midnight(self.date_to + dt.timedelta(days=1))


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(
        dt.datetime.combine(day, dt.time.min), timezone.get_default_timezone()
    )


def _local_day(expression) -> TruncDate:
    return TruncDate(expression, tzinfo=timezone.get_default_timezone())


#: The registry, in the order pages list the indicators.
INDICATORS: dict[str, Indicator] = {}


def register(code, name, *, unit, direction, description, reference="", **paths):
    """Declare an indicator whose ``measure`` is the decorated function."""

    def decorate(measure):
        if code in INDICATORS:
            raise ValueError(f"Indicator {code!r} is registered twice.")
        INDICATORS[code] = Indicator(
            code=code,
            name=name,
            unit=unit,
            direction=direction,
            description=description,
            reference=reference,
            measure=measure,
            **paths,
        )
        return measure

    return decorate


def indicator(code: str) -> Indicator:
    """The definition of ``code``; a Vietnamese ``ValidationError`` for an unknown code."""
    try:
        return INDICATORS[code]
    except (KeyError, TypeError):
        raise ValidationError(
            _("Chỉ số “%(code)s” không có trong danh mục chỉ số.") % {"code": code}
        ) from None


def choices() -> list[tuple[str, str]]:
    """``(code, name)`` for every indicator, for a form field or ``models.Field.choices``."""
    return [(item.code, item.name) for item in INDICATORS.values()]


def format_value(code: str, value) -> str:
    """``98,50%``, ``4,25 ngày làm việc``, ``3`` (Vietnamese decimal comma); ``—`` for none."""
    if value is None:
        return "—"
    item = INDICATORS[code]
    if item.unit == MeasureUnit.COUNT:
        return f"{value:,}".replace(",", ".")
    text = f"{value:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    return f"{text}%" if item.unit == MeasureUnit.PERCENT else f"{text} {item.unit_label}"


# --- Entry points --------------------------------------------------------------------------


def compute(
    code: str,
    *,
    date_from: dt.date,
    date_to: dt.date,
    unit: OrgUnit | int | None = None,
    procedure: Procedure | int | None = None,
) -> IndicatorValue:
    """The value of indicator ``code`` over the period, for one handling unit and/or one
    procedure, or for the whole department."""
    item, period, scope = _prepare(code, date_from, date_to, unit, procedure)
    measured = item.measure(period, scope(item), None)
    numerator, denominator, parts = measured.get(None, (0, 0, {}))
    return _value(item, period, numerator, denominator, parts)


BREAKDOWNS = {"unit": "unit_path", "procedure": "procedure_path"}


def breakdown(
    code: str,
    by: str = "unit",
    *,
    date_from: dt.date,
    date_to: dt.date,
    unit: OrgUnit | int | None = None,
    procedure: Procedure | int | None = None,
) -> list[BreakdownRow]:
    """Indicator ``code`` per handling unit (``by="unit"``) or per procedure
    (``by="procedure"``): one row per group that has something to count, units in the
    organisation's order, procedures by name, the group without one (None) last."""
    if by not in BREAKDOWNS:
        raise ValidationError(
            _("Chỉ phân tích theo đơn vị (unit) hoặc thủ tục (procedure), không theo “%(by)s”.")
            % {"by": by}
        )
    item, period, scope = _prepare(code, date_from, date_to, unit, procedure)
    measured = item.measure(period, scope(item), getattr(item, BREAKDOWNS[by]))
    model = OrgUnit if by == "unit" else Procedure
    objects = {obj.pk: obj for obj in model.objects.filter(pk__in=[k for k in measured if k])}
    rows = [
        BreakdownRow(
            key=key,
            obj=objects.get(key),
            label=_label(objects.get(key), by),
            value=_value(item, period, *measured[key]),
        )
        for key in measured
    ]
    rows = [row for row in rows if row.value.has_data]
    if by == "unit":
        order = {pk: (obj.order, obj.name) for pk, obj in objects.items()}
    else:
        order = {pk: (0, obj.name) for pk, obj in objects.items()}
    return sorted(rows, key=lambda row: (row.key is None, order.get(row.key, (0, ""))))


def _label(obj, by) -> str:
    if obj is None:
        return _("Không gắn đơn vị") if by == "unit" else _("Không gắn thủ tục")
    if isinstance(obj, Procedure):
        return f"{obj.code} {obj.name}".strip()
    return obj.name


def _prepare(code, date_from, date_to, unit, procedure):
    item = indicator(code)
    if not isinstance(date_from, dt.date) or not isinstance(date_to, dt.date):
        raise ValidationError(_("Kỳ tính chỉ số phải có ngày bắt đầu và ngày kết thúc."))
    # A datetime is a date too: keep only its day.
    date_from = date_from.date() if isinstance(date_from, dt.datetime) else date_from
    date_to = date_to.date() if isinstance(date_to, dt.datetime) else date_to
    if date_from > date_to:
        raise ValidationError(
            _("Kỳ tính chỉ số không hợp lệ: ngày bắt đầu %(start)s sau ngày kết thúc %(end)s.")
            % {"start": date_from.strftime("%d/%m/%Y"), "end": date_to.strftime("%d/%m/%Y")}
        )
    unit_id = getattr(unit, "pk", unit)
    procedure_id = getattr(procedure, "pk", procedure)

    def scope(item: Indicator) -> Q:
        q = Q()
        if unit_id is not None:
            q &= Q(**{item.unit_path: unit_id})
        if procedure_id is not None:
            q &= Q(**{item.procedure_path: procedure_id})
        return q

    return item, Period(date_from, date_to), scope


def _value(item: Indicator, period: Period, numerator, denominator, parts) -> IndicatorValue:
    if item.unit == MeasureUnit.COUNT:
        value = int(numerator)
    elif not denominator:
        value = None
    else:
        factor = 100 if item.unit == MeasureUnit.PERCENT else 1
        value = (Decimal(numerator) * factor / Decimal(denominator)).quantize(
            TWO_PLACES, rounding=ROUND_HALF_UP
        )
    return IndicatorValue(
        code=item.code,
        value=value,
        numerator=numerator,
        denominator=denominator,
        date_from=period.date_from,
        date_to=period.date_to,
        parts=dict(parts),
    )


def _aggregate(queryset, group: str | None, **aggregates) -> dict[object, dict]:
    """One SQL query: the aggregates over ``queryset``, or per value of the field path
    ``group`` (the models' default ordering is dropped so it cannot split the groups)."""
    if group is None:
        result = queryset.aggregate(**aggregates)
        return {None: result}
    rows = queryset.order_by().values(group_key=F(group)).annotate(**aggregates).order_by()
    return {row.pop("group_key"): row for row in rows}


# --- Group 2: progress (tiến độ) -----------------------------------------------------------

#: Dossiers that are not open although they have no result: never received, or ended.
NOT_OPEN = [
    Dossier.Status.INCOMPLETE,
    Dossier.Status.REFUSED_AT_RECEIPT,
    Dossier.Status.CANCELLED,
    Dossier.Status.WITHDRAWN,
]


def _timeliness(period: Period, scope: Q, group: str | None) -> dict[object, dict]:
    """Per group: ``early``, ``on_time`` (on the appointment day), ``late_finished`` and
    ``late_open`` counts (see the module's notes)."""
    start, end = period.start, period.end
    handling = SupplementRequest.objects.filter(
        dossier=OuterRef("pk"), stage=SupplementRequest.Stage.HANDLING, requested_at__lt=end
    ).order_by()
    requests = handling.values("dossier").annotate(n=Count("pk")).values("n")[:1]
    waiting_since = (
        handling.filter(Q(completed_at__isnull=True) | Q(completed_at__gte=end))
        .order_by("-requested_at")
        .values("requested_at")[:1]
    )
    finished = Q(finished_at__gte=start, finished_at__lt=end)
    open_at_end = (Q(finished_at__isnull=True) | Q(finished_at__gte=end)) & ~Q(status__in=NOT_OPEN)
    queryset = (
        Dossier.objects.filter(scope, received_at__isnull=False, received_at__lt=end)
        .filter(finished | open_at_end)
        .annotate(
            due_day=_local_day(Coalesce("apology__previous_due_at", "due_at")),
            finished_day=_local_day("finished_at"),
            requests=Coalesce(Subquery(requests, output_field=models.IntegerField()), 0),
            measured_day=Coalesce(
                _local_day(Subquery(waiting_since, output_field=models.DateTimeField())),
                Value(period.date_to, output_field=models.DateField()),
            ),
        )
    )
    once = Q(requests__lte=1)
    return _aggregate(
        queryset,
        group,
        early=Count("pk", filter=finished & once & Q(finished_day__lt=F("due_day"))),
        on_time=Count("pk", filter=finished & once & Q(finished_day=F("due_day"))),
        late_finished=Count(
            "pk", filter=finished & (Q(requests__gt=1) | Q(finished_day__gt=F("due_day")))
        ),
        late_open=Count(
            "pk", filter=open_at_end & (Q(requests__gt=1) | Q(measured_day__gt=F("due_day")))
        ),
    )


@register(
    "on_time_rate",
    gettext_lazy("Tỷ lệ hồ sơ giải quyết trước hạn, đúng hạn"),
    unit=MeasureUnit.PERCENT,
    direction=Direction.HIGHER,
    reference="766: 2.1",
    description=gettext_lazy(
        "Hồ sơ xử lý xong trước hạn, đúng hạn (không quá một lần yêu cầu bổ sung) trên tổng số "
        "hồ sơ xử lý xong trong kỳ và hồ sơ chưa xong đã quá hạn vào cuối kỳ. Thời gian chờ bổ "
        "sung không tính; ngày hẹn lại trong phiếu xin lỗi không làm hồ sơ trễ thành đúng hạn."
    ),
)
def _on_time_rate(period, scope, group) -> Measured:
    result = {}
    for key, parts in _timeliness(period, scope, group).items():
        good = parts["early"] + parts["on_time"]
        result[key] = (good, good + parts["late_finished"] + parts["late_open"], parts)
    return result


@register(
    "late_count",
    gettext_lazy("Số hồ sơ trễ hạn"),
    unit=MeasureUnit.COUNT,
    direction=Direction.LOWER,
    reference="766: 2.1",
    description=gettext_lazy(
        "Hồ sơ xử lý xong trong kỳ sau ngày hẹn trả (hoặc bị yêu cầu bổ sung quá một lần) và hồ "
        "sơ chưa xong đã quá hạn vào cuối kỳ."
    ),
)
def _late_count(period, scope, group) -> Measured:
    return {
        key: (parts["late_finished"] + parts["late_open"], None, parts)
        for key, parts in _timeliness(period, scope, group).items()
    }


@register(
    "avg_handling_days",
    gettext_lazy("Thời gian giải quyết trung bình"),
    unit=MeasureUnit.DAYS,
    direction=Direction.LOWER,
    reference="766: 2.2",
    description=gettext_lazy(
        "Số ngày làm việc từ khi tiếp nhận đến khi xử lý xong, trừ thời gian chờ người nộp bổ "
        "sung, bình quân trên các hồ sơ xử lý xong trong kỳ."
    ),
)
def _avg_handling_days(period, scope, group) -> Measured:
    from qms.core.calendar import WorkingCalendar

    dossiers = Dossier.objects.filter(
        scope, finished_at__gte=period.start, finished_at__lt=period.end
    ).order_by()
    rows = [
        (pk, key if group else None, received, finished)
        for pk, key, received, finished in dossiers.values_list(
            "pk", group or "pk", "received_at", "finished_at"
        )
    ]
    if not rows:
        return {}
    pauses = list(
        SupplementRequest.objects.filter(
            dossier__in=dossiers.values("pk"),
            stage=SupplementRequest.Stage.HANDLING,
            completed_at__isnull=False,
        ).values_list("dossier_id", "requested_at", "completed_at")
    )
    local = timezone.localdate
    tz = timezone.get_default_timezone()
    days = [local(moment, tz) for _pk, _key, *moments in rows for moment in moments]
    days += [local(moment, tz) for _pk, *moments in pauses for moment in moments]
    index = _working_day_index(WorkingCalendar.load(), min(days), max(days))
    paused: dict[int, int] = {}
    for pk, requested, completed in pauses:
        span = index[local(completed, tz)] - index[local(requested, tz)]
        paused[pk] = paused.get(pk, 0) + span
    result: dict[object, list[int]] = {}
    for pk, key, received, finished in rows:
        spent = index[local(finished, tz)] - index[local(received, tz)] - paused.get(pk, 0)
        total = result.setdefault(key, [0, 0])
        total[0] += max(spent, 0)
        total[1] += 1
    return {key: (days_, count, {"dossiers": count}) for key, (days_, count) in result.items()}


def _working_day_index(calendar, first: dt.date, last: dt.date) -> dict[dt.date, int]:
    """Day → the number of working days in (first, day]: the working days between two days
    of the range is the difference of their indexes (as ``working_days_between``)."""
    index, count, day = {first: 0}, 0, first
    while day < last:
        day += dt.timedelta(days=1)
        count += calendar.is_working_day(day)
        index[day] = count
    return index


# --- Group 3: online service and payment ---------------------------------------------------


def _received(period: Period, scope: Q):
    return Dossier.objects.filter(
        scope, received_at__gte=period.start, received_at__lt=period.end
    ).order_by()


def _share(queryset, group, numerator: Q) -> Measured:
    measured = _aggregate(queryset, group, total=Count("pk"), good=Count("pk", filter=numerator))
    return {
        key: (row["good"], row["total"], {"total": row["total"], "counted": row["good"]})
        for key, row in measured.items()
    }


@register(
    "online_rate",
    gettext_lazy("Tỷ lệ hồ sơ nộp trực tuyến"),
    unit=MeasureUnit.PERCENT,
    direction=Direction.HIGHER,
    reference="766: 3.3",
    description=gettext_lazy(
        "Hồ sơ tiếp nhận qua kênh trực tuyến trên tổng số hồ sơ tiếp nhận trong kỳ."
    ),
)
def _online_rate(period, scope, group) -> Measured:
    return _share(_received(period, scope), group, Q(channel=Dossier.Channel.ONLINE))


@register(
    "paid_online_rate",
    gettext_lazy("Tỷ lệ hồ sơ thanh toán trực tuyến"),
    unit=MeasureUnit.PERCENT,
    direction=Direction.HIGHER,
    reference="766: 3.6",
    description=gettext_lazy(
        "Hồ sơ đã thanh toán trực tuyến mọi khoản phí, lệ phí trên tổng số hồ sơ tiếp nhận "
        "trong kỳ có phí, lệ phí phải nộp (không tính hồ sơ được miễn hoặc 0 đồng)."
    ),
)
def _paid_online_rate(period, scope, group) -> Measured:
    payable = DossierFee.objects.filter(dossier=OuterRef("pk"), amount__gt=0).exclude(
        status=DossierFee.Status.WAIVED
    )
    queryset = _received(period, scope).filter(Exists(payable))
    return _share(queryset, group, Q(paid_online=True))


# --- Group 4: digitisation -----------------------------------------------------------------


@register(
    "digitised_rate",
    gettext_lazy("Tỷ lệ hồ sơ được số hóa"),
    unit=MeasureUnit.PERCENT,
    direction=Direction.HIGHER,
    reference="766: 4.2",
    description=gettext_lazy(
        "Hồ sơ xử lý xong trong kỳ có giấy tờ nộp được số hóa và kết quả được số hóa, trên "
        "tổng số hồ sơ xử lý xong trong kỳ."
    ),
)
def _digitised_rate(period, scope, group) -> Measured:
    digitised = DossierDocument.objects.filter(dossier=OuterRef("pk"), digitised=True)
    queryset = Dossier.objects.filter(
        scope, finished_at__gte=period.start, finished_at__lt=period.end
    ).annotate(documents_digitised=Exists(digitised))
    return _share(queryset, group, Q(documents_digitised=True, result_digitised=True))


# --- Group 5: satisfaction -----------------------------------------------------------------


@register(
    "satisfaction_rate",
    gettext_lazy("Tỷ lệ người dân hài lòng"),
    unit=MeasureUnit.PERCENT,
    direction=Direction.HIGHER,
    reference="766: 5",
    description=gettext_lazy(
        "Đánh giá “Hài lòng” hoặc “Rất hài lòng” trên tổng số đánh giá của người dân ghi nhận "
        "trong kỳ."
    ),
)
def _satisfaction_rate(period, scope, group) -> Measured:
    queryset = Dossier.objects.filter(
        scope, rated_at__gte=period.start, rated_at__lt=period.end, rating__isnull=False
    )
    satisfied = Q(rating__in=[Dossier.Rating.SATISFIED, Dossier.Rating.VERY_SATISFIED])
    return _share(queryset, group, satisfied)


# --- ISO 9001 10.2 -------------------------------------------------------------------------


@register(
    "nonconformity_count",
    gettext_lazy("Số sự không phù hợp được ghi nhận"),
    unit=MeasureUnit.COUNT,
    direction=Direction.LOWER,
    reference="ISO 9001: 10.2",
    description=gettext_lazy("Sự không phù hợp ghi nhận trong kỳ, mọi nguồn."),
    unit_path="unit",
    procedure_path="dossier__procedure_version__procedure",
)
def _nonconformity_count(period, scope, group) -> Measured:
    queryset = Nonconformity.objects.filter(
        scope, raised_at__gte=period.start, raised_at__lt=period.end
    )
    measured = _aggregate(queryset, group, total=Count("pk"))
    return {key: (row["total"], None, {"total": row["total"]}) for key, row in measured.items()}
