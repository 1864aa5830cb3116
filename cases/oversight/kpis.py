"""The KPIs the oversight body ranks agencies by (the monthly 通报), each defined once, here.

All of them are computed for every agency and one period in ONE aggregate query over the public
CaseIndex (conditional COUNT/AVG grouped by agency): never a query per agency or per schema.

Conventions shared by every KPI
-------------------------------
- A *period* is a range of local calendar days [start, end], both included (Asia/Shanghai). A moment
  (``*_at``) is "in the period" when its local date is; a deadline (``*_due``, a date) when the date is.
- "Met on time": the local date of the completing moment is on or before the due date (a deadline
  ends at 24:00 of its last day, 民法典 art. 203).
- The *responsible agency* of a case is the agency that accepted it (``accepting_agency``) or, when
  no agency has accepted it (pending, not accepted, linked), the agency holding it now (``holder``).
  Every KPI groups by it, so a case counts for exactly one agency.
- A rate is numerator ÷ denominator × 100, shown with one decimal; with a zero denominator it is
  undefined (shown "—") and ranked last.
- Cases still running whose deadline falls in the period but has not passed yet (today ≤ due) are
  left out of the on-time denominators: nobody is late on them yet.
- Only facts that never change after the event are read: ``submitted_at`` and the *first facts* of
  CaseIndex (``first_decided_at``, ``first_acceptance_due``, ``first_received_at``,
  ``first_accepted_at``, ``first_replied_at``, ``first_handling_due``, ``first_satisfaction``), which
  PostgreSQL sets once, as they stood when the fact happened, and never rewrites
  (cases/index/models.py). A review request that moves the case to the bureau, a re-routing or a
  later answer leaves a past period's figures as they were. A live deadline (``acceptance_due``,
  ``handling_due``) is read only while its duty is still undone, and it cannot move once it has
  passed (an extension is approved only within the period, 信访工作条例 art. 34).

The definitions (``today`` is the day the table is computed):

1. 及时受理率 timely acceptance rate =
   #{first decided (``first_decided_at``) on or before ``first_acceptance_due``}
   ÷ #{decided with ``first_acceptance_due`` in the period, or undecided with ``acceptance_due`` in
   the period and < today}.
   Only cases received by an agency that had to decide acceptance have ``acceptance_due``
   (信访工作条例 art. 23: 15 days from receipt, or from the ruling that refused the agency's objection);
   both accepting and not accepting count as decided.
2. 按期办结率 on-time completion rate =
   #{first replied (``first_replied_at``) on or before ``first_handling_due``}
   ÷ #{accepted (``first_accepted_at`` set) and either replied with (``first_handling_due`` or
   ``first_replied_at`` in the period), or unreplied with ``handling_due`` in the period and < today}.
   The handling deadline includes an extension approved within the period (art. 34); one approved
   after it cannot exist, so a late reply stays late.
3. 参评率 participation rate = #{evaluated (``first_satisfaction`` ≠ "")} ÷ #{``first_replied_at`` in
   the period}.
4. 满意率 satisfaction rate = #{``first_satisfaction`` ∈ {满意 satisfied, 基本满意 basically}}
   ÷ #{``first_replied_at`` in the period and evaluated}.
5. 重复信访率 repeat-petition rate = #{``linked_to`` set (filed again while the same matter was open,
   art. 19; state 重复信访（已关联）)} ÷ #{``submitted_at`` in the period} (every petition received).
6. 平均受理天数 average days to accept = mean(``first_decided_at`` − ``first_received_at``) in days,
   over cases first decided in the period with ``first_received_at`` set (the receipt by the deciding
   agency, as it stood at the decision).
7. 平均答复天数 average days to reply = mean(``first_replied_at`` − ``first_accepted_at``) in days, over
   cases first replied in the period with ``first_accepted_at`` set.
8. 办结报告按时率 completion-report timeliness (交办, 信访工作条例 art. 22(三)) =
   #{办结报告 first submitted (``report_submitted_at``, never moved by a redo) on or before ``report_due``}
   ÷ #{``report_due`` in the period, and (submitted, or ``report_due`` < today)}. Counted for the agency
   the matter was assigned to (the responsible agency, as every KPI).

Every other duty clock the sweep watches (cases.procedure.CLOCKS) has its "done by the deadline" rate,
#{done on or before the due date} ÷ #{due date in the period, and (done, or the due date passed)}:

9. 及时转送率 (及时交办率) timely routing: ``routed_at`` against ``routing_due`` (art. 22, 15 days);
   every case counts for the bureau, whoever holds it now. (``routed_at`` is the routing decision as
   recorded: an undone link routes the petition again.)
10. 复查按期率: ``reviewed_at`` against ``review_due`` (art. 35); for the agency holding the case.
11. 复核按期率: ``rereviewed_at`` against ``rereview_due`` (art. 36); for the agency holding the case.
12. 督办反馈及时率: a 催办/督办单's ``answered_at`` against its ``answer_due``, over the supervision
    items addressed to the agency (SupervisionItem, not the index).
"""

from __future__ import annotations

import calendar
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import BigIntegerField, Case, Count, F, IntegerField, Q, Sum, Value, When
from django.db.models.expressions import Combinable
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from cases.index.models import CaseIndex
from cases.models import Satisfaction
from config import clock
from tenants.models import Agency, AgencyKind

# --- Periods -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Local calendar days [start, end], both included."""

    start: date
    end: date

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        return cls(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]))

    @classmethod
    def parse_month(cls, text: str, *, default: date) -> Period:
        """ "2026-05" → May 2026; anything else → the month of ``default``."""
        try:
            year, month = (int(part) for part in text.split("-", 1))
            return cls.month(year, month)
        except (ValueError, TypeError, OverflowError):  # OverflowError: a year past C long
            return cls.month(default.year, default.month)

    @property
    def label(self) -> str:
        return f"{self.start.isoformat()} – {self.end.isoformat()}"

    @property
    def month_key(self) -> str:
        return f"{self.start.year:04d}-{self.start.month:02d}"

    def moments(self) -> tuple[datetime, datetime]:
        """[first instant, first instant after] in local time, for filtering datetime columns."""
        tz = timezone.get_current_timezone()
        return (
            datetime.combine(self.start, time.min, tzinfo=tz),
            datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=tz),
        )


def _on_in(name: str, period: Period) -> Q:
    """The date column ``name`` is in the period: a deadline (``*_due``), or the local date of a moment.

    A moment ``x_at`` is in the period when its local date is; CaseIndex stores that date as the
    generated column ``x_on`` (cases/index/models.py), so the KPIs compare plain dates, never
    timestamps converted row by row.
    """
    return Q(**{f"{name}__gte": period.start, f"{name}__lte": period.end})


def _met(done_on: str, due: str) -> Q:
    """The local date ``done_on`` of the completing moment is on or before the date ``due``.

    NULL (not done, or no due date) compares as unknown, which a FILTER counts as false.
    """
    return Q(**{f"{done_on}__lte": F(due)})


# --- The KPI definitions -------------------------------------------------------------------------


@dataclass(frozen=True)
class Kpi:
    """One KPI: a rate (numerator ÷ denominator) or an average (of ``average`` over ``denominator``)."""

    key: str
    label: str | Promise
    formula: str | Promise
    denominator: Q
    # A rate's numerator is its denominator and one more condition, ``met`` (done in time, rated,
    # linked...): the numerator is never anything else, so it is declared as what it adds.
    met: Q | None = None  # rates
    average: Combinable | None = None  # averages: an interval expression
    higher_is_better: bool = True
    # Whose KPI a case counts for: "case" (the responsible agency, as the module docstring says),
    # "holder" (the agency holding it: the review bodies), "bureau" (the bureau's own routing); and
    # what it counts: "index" rows, or "supervision" items (SupervisionItem, by the agency addressed).
    responsible: str = "case"
    source: str = "index"

    @property
    def is_rate(self) -> bool:
        return self.met is not None

    @property
    def numerator(self) -> Q | None:
        """The rows counted above the line: those of the denominator that meet ``met``."""
        return None if self.met is None else self.denominator & self.met


def timely_acceptance(period: Period, today: date) -> Kpi:
    """及时受理率 = #{first decided on or before its deadline} ÷ #{decided with that deadline in the
    period, or undecided and overdue in the period}. See the module docstring, definition 1."""
    decided = Q(first_decided_at__isnull=False) & _on_in("first_acceptance_due", period)
    overdue = (
        Q(first_decided_at__isnull=True) & _on_in("acceptance_due", period) & Q(acceptance_due__lt=today)
    )
    return Kpi(
        "timely_acceptance",
        _("及时受理率"),
        _("按期告知受理与否的件数 ÷ 告知期限在本期内到期的件数"),
        denominator=decided | overdue,
        met=_met("first_decided_on", "first_acceptance_due"),
    )


def on_time_completion(period: Period, today: date) -> Kpi:
    """按期办结率 = #{first replied on or before its handling deadline} ÷ #{accepted and (replied with
    the deadline or the reply in the period, or unreplied and overdue in the period)}. Definition 2."""
    replied = Q(first_accepted_at__isnull=False, first_handling_due__isnull=False) & (
        _on_in("first_handling_due", period) | _on_in("first_replied_on", period)
    )
    overdue = (
        Q(first_accepted_at__isnull=False, first_replied_at__isnull=True)
        & _on_in("handling_due", period)
        & Q(handling_due__lt=today)
    )
    return Kpi(
        "on_time_completion",
        _("按期办结率"),
        _("在办理期限内书面答复的件数 ÷ 办理期限在本期内到期或在本期内答复的已受理件数"),
        denominator=replied | overdue,
        met=_met("first_replied_on", "first_handling_due"),
    )


def participation(period: Period, today: date) -> Kpi:
    """参评率 = #{evaluated} ÷ #{replied in the period}. Definition 3."""
    denominator = _on_in("first_replied_on", period)
    return Kpi(
        "participation",
        _("参评率"),
        _("已评价件数 ÷ 本期内答复的件数"),
        denominator=denominator,
        met=~Q(first_satisfaction=""),
    )


def satisfaction(period: Period, today: date) -> Kpi:
    """满意率 = #{satisfied or basically satisfied} ÷ #{replied in the period and evaluated}.
    Definition 4."""
    denominator = _on_in("first_replied_on", period) & ~Q(first_satisfaction="")
    return Kpi(
        "satisfaction",
        _("满意率"),
        _("（满意 + 基本满意）件数 ÷ 本期内答复且已评价的件数"),
        denominator=denominator,
        met=Q(first_satisfaction__in=[Satisfaction.SATISFIED, Satisfaction.BASICALLY]),
    )


def repeat_petition(period: Period, today: date) -> Kpi:
    """重复信访率 = #{linked_to set} ÷ #{submitted in the period}. Definition 5 (lower is better)."""
    denominator = _on_in("submitted_on", period)
    return Kpi(
        "repeat_petition",
        _("重复信访率"),
        _("重复信访（已关联原件）件数 ÷ 本期内收到的信访件数"),
        denominator=denominator,
        met=Q(linked_to__isnull=False),
        higher_is_better=False,
    )


def average_days_to_accept(period: Period, today: date) -> Kpi:
    """平均受理天数 = mean(first_decided_at − first_received_at) in days, first decided in the period.
    Definition 6 (lower is better)."""
    return Kpi(
        "days_to_accept",
        _("平均受理天数"),
        _("本期内告知受理与否的各件（告知时间 − 收到时间）的平均天数"),
        denominator=_on_in("first_decided_on", period) & Q(first_received_at__isnull=False),
        average=F("first_decided_at") - F("first_received_at"),
        higher_is_better=False,
    )


def average_days_to_reply(period: Period, today: date) -> Kpi:
    """平均答复天数 = mean(first_replied_at − first_accepted_at) in days, first replied in the period.
    Definition 7 (lower is better)."""
    return Kpi(
        "days_to_reply",
        _("平均答复天数"),
        _("本期内答复的各件（答复时间 − 受理时间）的平均天数"),
        denominator=_on_in("first_replied_on", period) & Q(first_accepted_at__isnull=False),
        average=F("first_replied_at") - F("first_accepted_at"),
        higher_is_better=False,
    )


def report_timeliness(period: Period, today: date) -> Kpi:
    """办结报告按时率 = #{first submitted on or before report_due} ÷ #{report_due in the period and
    (submitted or report_due < today)}. Definition 8."""
    denominator = _on_in("report_due", period) & (
        Q(report_submitted_at__isnull=False) | Q(report_due__lt=today)
    )
    return Kpi(
        "report_timeliness",
        _("办结报告按时率"),
        _("在交办期限内报送办结报告的件数 ÷ 交办期限在本期内到期的件数"),
        denominator=denominator,
        met=_met("report_submitted_on", "report_due"),
    )


def _timely(done_on: str, due: str, period: Period, today: date) -> tuple[Q, Q]:
    """(denominator, met) of a "done by its deadline" rate: the deadline in the period and (done, or
    the deadline passed); done on or before it."""
    denominator = _on_in(due, period) & (Q(**{f"{done_on}__isnull": False}) | Q(**{f"{due}__lt": today}))
    return denominator, _met(done_on, due)


def timely_routing(period: Period, today: date) -> Kpi:
    """及时转送率 (及时交办率) = #{routed on or before routing_due} ÷ #{routing_due in the period and
    (routed or routing_due < today)}: the bureau's own 15 days (信访工作条例 art. 22). Definition 8;
    every case counts for the bureau, whoever holds it now."""
    denominator, met = _timely("routed_on", "routing_due", period, today)
    return Kpi(
        "timely_routing",
        _("及时转送率"),
        _("信访局在15日内转送、交办或处理的件数 ÷ 分流期限在本期内到期的件数"),
        denominator=denominator,
        met=met,
        responsible="bureau",
    )


def timely_review(period: Period, today: date) -> Kpi:
    """复查按期率 = #{review opinion on or before review_due} ÷ #{review_due in the period and (opinion
    given or review_due < today)} (art. 35). Definition 9; for the body holding the case (the reviewer)."""
    denominator, met = _timely("reviewed_on", "review_due", period, today)
    return Kpi(
        "timely_review",
        _("复查按期率"),
        _("在30日内出具复查意见的件数 ÷ 复查期限在本期内到期的件数"),
        denominator=denominator,
        met=met,
        responsible="holder",
    )


def timely_rereview(period: Period, today: date) -> Kpi:
    """复核按期率 = #{re-review opinion on or before rereview_due} ÷ #{rereview_due in the period and
    (opinion given or rereview_due < today)} (art. 36; hearing days already in rereview_due).
    Definition 10; for the body holding the case."""
    denominator, met = _timely("rereviewed_on", "rereview_due", period, today)
    return Kpi(
        "timely_rereview",
        _("复核按期率"),
        _("在30日内出具复核意见的件数 ÷ 复核期限在本期内到期的件数"),
        denominator=denominator,
        met=met,
        responsible="holder",
    )


def timely_supervision_answer(period: Period, today: date) -> Kpi:
    """督办反馈及时率 = #{催办/督办单 answered on or before answer_due} ÷ #{answer_due in the period and
    (answered or answer_due < today)}, over the supervision items addressed to the agency.
    Definition 12."""
    denominator, met = _timely("answered_on", "answer_due", period, today)
    return Kpi(
        "timely_supervision_answer",
        _("督办反馈及时率"),
        _("按期反馈的催办、督办件数 ÷ 反馈期限在本期内到期的催办、督办件数"),
        denominator=denominator,
        met=met,
        responsible="holder",
        source="supervision",
    )


KPI_BUILDERS: tuple[Callable[[Period, date], Kpi], ...] = (
    timely_acceptance,
    on_time_completion,
    participation,
    satisfaction,
    repeat_petition,
    average_days_to_accept,
    average_days_to_reply,
    report_timeliness,
    timely_routing,
    timely_review,
    timely_rereview,
    timely_supervision_answer,
)
KPI_KEYS = (
    "timely_acceptance",
    "on_time_completion",
    "participation",
    "satisfaction",
    "repeat_petition",
    "days_to_accept",
    "days_to_reply",
    "report_timeliness",
    "timely_routing",
    "timely_review",
    "timely_rereview",
    "timely_supervision_answer",
)


def kpis(period: Period, today: date) -> list[Kpi]:
    return [build(period, today) for build in KPI_BUILDERS]


# --- Which rows can count ------------------------------------------------------------------------


def _in_period_columns(condition: Q, period: Period) -> frozenset[str] | None:
    """Date columns of which at least one is in the period (``_on_in``) in every row ``condition``
    holds for; None when no such set can be read off the condition (it may hold outside the period).

    Read from the Q tree itself, so a KPI added or changed is covered without a second list: an AND
    holds only where one of its parts does (an ``_on_in`` pair among its lookups, or a part with such
    columns); an OR only where one of its branches does, so every branch needs columns. A negation,
    a bare lookup in an OR, or an empty Q (always true) gives None.
    """
    if condition.negated or condition.connector not in (Q.AND, Q.OR):
        return None
    lookups: list[tuple[str, Any]] = [child for child in condition.children if isinstance(child, tuple)]
    parts = [child for child in condition.children if isinstance(child, Q)]
    if len(lookups) + len(parts) != len(condition.children):
        return None  # an expression as a condition: nothing to read off it
    if condition.connector == Q.AND:
        starts = {
            name[: -len("__gte")]
            for name, value in lookups
            if name.endswith("__gte") and value == period.start
        }
        ends = {
            name[: -len("__lte")] for name, value in lookups if name.endswith("__lte") and value == period.end
        }
        if starts & ends:
            return frozenset([min(starts & ends)])
        found = [columns for part in parts if (columns := _in_period_columns(part, period)) is not None]
        return min(found, key=lambda columns: (len(columns), sorted(columns))) if found else None
    if lookups or not parts:
        return None
    union: set[str] = set()
    for part in parts:
        columns = _in_period_columns(part, period)
        if columns is None:
            return None
        union |= columns
    return frozenset(union)


def _touches_period(definitions: list[Kpi], period: Period) -> Q:
    """The rows that can count in any of ``definitions``: one of the date columns their conditions
    need in the period is in it (an OR that PostgreSQL answers from the columns' indexes, a BitmapOr,
    instead of testing every row of the index: migration oversight 0004).

    Exact, not a guess: a row outside it satisfies no denominator, numerator or average filter, so
    it would add nothing to any aggregate. When a condition has no such columns, every row is read.
    """
    columns: set[str] = set()
    for kpi in definitions:
        for condition in (kpi.denominator, kpi.numerator):
            if condition is None:
                continue
            found = _in_period_columns(condition, period)
            if found is None:
                return Q()
            columns |= found
    touches = Q()
    for name in sorted(columns):
        touches |= _on_in(name, period)
    return touches


# --- One query for every agency ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KpiValue:
    numerator: int | None  # None for averages
    denominator: int
    value: Decimal | None  # percent (rates) or days (averages), one decimal; None when undefined


@dataclass(slots=True)
class KpiRow:
    agency_id: int
    agency_code: str
    agency_name: str
    values: dict[str, KpiValue] = field(default_factory=dict)
    rank: int | None = None


def _percent(numerator: int, denominator: int) -> Decimal:
    """numerator ÷ denominator × 100, rounded half up to one decimal, in integer arithmetic (the table
    computes thousands of these; Decimal division and quantize per value showed in the profile)."""
    tenths = (2000 * numerator + denominator) // (2 * denominator)
    return _tenths(tenths)


# 0.0 … 100.0, made once: a rate is one of these, and so is most averages in days (Decimal values are
# immutable, so sharing is safe).
_TENTHS = [Decimal(tenths).scaleb(-1) for tenths in range(1001)]


def _tenths(tenths: int) -> Decimal:
    """A count of tenths as the Decimal with one decimal it stands for (12 → 1.2)."""
    return _TENTHS[tenths] if 0 <= tenths <= 1000 else Decimal(tenths).scaleb(-1)


def _mean_in_tenths_of_days(total: str, count: str) -> str:
    """SQL: the mean of an interval, ``total`` summed over ``count`` cases, in tenths of a day; NULL
    when undefined (no case, or no interval).

    The mean is rounded half to even to the microsecond (as Python divides a timedelta by a count),
    then half up to a tenth of a day (8,640 s): the average as ``int(mean.total_seconds() / 8640 +
    0.5) / 10`` gives it, in exact integer arithmetic (numeric: an agency's summed microseconds may
    pass a bigint). In the database, so that the table gets a small integer per agency rather than
    parsing an interval and dividing it in Python, ~2,000 times at 1,000 agencies. The intervals are
    never negative (CaseIndex's constraints), so truncating division is floor division here.
    """
    micros = f"(EXTRACT(EPOCH FROM {total}) * 1000000)"
    quotient, remainder = f"div({micros}, {count})", f"mod({micros}, {count})"
    half_even = (
        f"CASE WHEN 2 * {remainder} > {count} OR (2 * {remainder} = {count} AND mod({quotient}, 2) = 1) "
        "THEN 1 ELSE 0 END"
    )
    return (
        f"CASE WHEN {count} > 0 AND {total} IS NOT NULL "
        f"THEN div({quotient} + {half_even} + 4320000000, 8640000000)::bigint END"
    )


class _RateValues(dict):
    """(numerator, denominator) → its KpiValue, made once per table: most of the table's 12,000 values
    repeat one another (0 of 0 above all), and fewer objects made means fewer garbage collections of
    the whole process. (Decimal and KpiValue are immutable, so sharing them is safe.)"""

    def __missing__(self, figures: tuple[int, int]) -> KpiValue:
        numerator, denominator = figures
        value = self[figures] = KpiValue(
            numerator, denominator, _percent(numerator, denominator) if denominator else None
        )
        return value


class _AverageValues(dict):
    """(count, mean in tenths of a day) → its KpiValue (an average in days), made once per table."""

    def __missing__(self, figures: tuple[int, int | None]) -> KpiValue:
        denominator, tenths = figures
        value = self[figures] = KpiValue(None, denominator, None if tenths is None else _tenths(tenths))
        return value


def _holders():
    """(id, code, name_zh, name_en, kind, sort_order) of every case-holding agency, in the list's
    order: a part of the table's one statement (``_statement``)."""
    return (
        Agency.objects.filter(
            kind__in=[AgencyKind.BUREAU, AgencyKind.DEPARTMENT, AgencyKind.COUNTY], is_active=True
        )
        .order_by("sort_order", "code")
        .values_list("id", "code", "name_zh", "name_en", "kind", "sort_order")
    )


def _supervision_counts(supervision: Kpi):
    """(agency_id, items counted, items answered in time) of the supervision items that count for
    the KPI, per agency addressed: one aggregate over the items (a part of ``_statement``), rather than
    two correlated subqueries per agency listed."""
    from cases.index.models import local_date
    from cases.oversight.models import SupervisionItem

    denominator, numerator = supervision.denominator, supervision.numerator
    counted = denominator if numerator is None else denominator | numerator
    return (
        SupervisionItem.objects.annotate(answered_on=local_date("answered_at"))
        .filter(counted)
        .values("agency_id")
        .annotate(items_d=Count("id", filter=denominator), items_n=Count("id", filter=numerator))
        .order_by()
    )


# A rate's two counts travel in one sum (``_grouped``): each row in the denominator adds 1, and
# _PACKED + 1 when it is in the numerator too; the fold takes the sum apart (remainder: the
# denominator, quotient: the numerator). 2**30 keeps each row's value an integer (int4), so the sum is
# SUM(integer): a bigint kept in a machine word, which parallel workers hand over as it is (a bigint
# value made it SUM(bigint), a 128-bit state serialized between processes, and the month at 1,000
# agencies was then planned serially: ~18 % slower, measured interleaved). A group's denominator
# would have to reach 2**30 cases in one period to spill into its numerator; the fold's counts are
# ints, as before.
_PACKED = 2**30


def _grouped(on_index: list[Kpi], period: Period):
    """The aggregate over the index: every KPI's counts (and interval sums) per (responsible agency,
    holder), over the rows that can count in the period.

    A rate is one aggregate, ``SUM(CASE WHEN denominator THEN CASE WHEN met THEN _PACKED + 1 ELSE 1
    END END)``, not a COUNT per condition: each row tests the denominator once, and only a row in the
    denominator tests ``met``, the one condition its numerator adds (``Kpi.met``), where two FILTERs
    tested the denominator twice on every row (at 1,000 agencies the year is ~132,000 rows, and
    testing them is most of the table's time).
    """
    aggregates: dict[str, object] = {}
    for kpi in on_index:
        if kpi.is_rate:
            # Only the rows of the denominator reach the inner CASE, so it tests ``met`` alone: the
            # whole numerator tested the denominator's conditions a second time on each of them
            # (the year's statement at 1,000 agencies, p50 ~119 -> ~109 ms, measured interleaved).
            both = Case(When(kpi.met, then=Value(_PACKED + 1)), default=Value(1))
            aggregates[f"{kpi.key}__dn"] = Sum(
                Case(When(kpi.denominator, then=both), output_field=IntegerField()),
                output_field=BigIntegerField(),
            )
        else:
            # COUNT(holder_id) (never NULL), not COUNT(id): the covering index ovs_ci_kpi_cover holds
            # holder_id as its key, not the id (Django refuses COUNT(*) with a FILTER).
            aggregates[f"{kpi.key}__d"] = Count("holder_id", filter=kpi.denominator)
            aggregates[f"{kpi.key}__s"] = Sum(kpi.average, filter=kpi.denominator)
    return (
        CaseIndex.objects.filter(_touches_period(on_index, period))
        .annotate(kpi_agency=Coalesce("accepting_agency_id", "holder_id"))
        .values("kpi_agency", "holder_id")
        .annotate(**aggregates)
        .order_by()
    )


# How the aggregate is planned, for its own statement only (SET LOCAL: a pooled connection keeps its
# own settings).
_PLANNER = (
    # The planner expects tens of thousands of groups (it cannot see that COALESCE yields an agency
    # id) and sorts the period's rows on disk under the default 4 MB; with room it hashes the ~1,000
    # groups in memory instead (measured: the year table's query ~197 -> ~115 ms).
    ("work_mem", "32MB"),
    # Never the heap's sequential scan: a short period's rows come from the BitmapOr of the date
    # indexes, a long one's from an index-only scan of ovs_ci_kpi_cover, which holds every column the
    # KPIs read in a third of the heap's pages (migration oversight 0004; at 1,000 agencies the
    # year's aggregate ~162 -> ~124 ms of CPU). The planner prices that scan above the heap's: it
    # does not count the cost of decoding the heap's 60-column rows.
    ("enable_seqscan", "off"),
    # Parallel workers only for the long scan: a month's ~28k rows take one process ~39 ms and three
    # ~35 ms on a quiet 2-core machine but ~48 ms once it is busy (measured at 1,000 agencies); the
    # year's index-only scan stays parallel (~124 ms alone, ~75 ms with workers). Since the group
    # key's statistics (migration oversight 0005) the month is planned in parallel at 1,000 agencies
    # as at 30: the estimate of ~19,000 groups had made its parallel plan look dear, and on a busy
    # machine it measured ~82 ms against ~94 ms serially (p50).
    ("parallel_setup_cost", "10000"),
    # No JIT compilation: with sequential scans off, the agency list's scan (a seqscan that has no
    # alternative) carries the planner's disable cost, far past jit_above_cost, and compiling the
    # statement's ~50 expressions took ~1.1 s; the statement itself runs in tens of milliseconds.
    ("jit", "off"),
)


# Which column of the aggregate's groups names the agency a KPI counts for (Kpi.responsible), and its
# number in the fold's routing (below): the bureau's routing counts for the listed bureau, whoever
# holds the case.
_WHOSE = {
    "case": (0, "grouped.kpi_agency"),
    "holder": (1, "grouped.holder_id"),
    "bureau": (2, "first_bureau.id"),
}


@functools.lru_cache(maxsize=32)
def _definitions(period: Period, today: date) -> tuple[Kpi, ...]:
    """``kpis(period, today)``, built once per (period, day) as the statement is (``_statement``): the
    definitions are code, and building their conditions each time a table is asked for cost ~0.5 ms.
    Kpi is frozen; nothing changes its conditions."""
    return tuple(kpis(period, today))


@functools.lru_cache(maxsize=32)
def _statement(period: Period, today: date) -> tuple[str, tuple, tuple[tuple[str, bool, int, int], ...]]:
    """The table's one statement for one period and day, and where each KPI's figures are in its
    result: (key, is a rate, column of the denominator, column of the numerator or of the mean in
    tenths of a day).

    The aggregate over the index groups the period's rows by (responsible agency, holder); the fold
    then sums those groups by the agency each KPI counts for, in PostgreSQL, and the agency list is
    joined to it: one row per listed agency, in the list's order, with its final figures. A group of
    an agency not listed (no longer active) counts for no row. Folding in Python cost ~10 ms of CPU and
    a few thousand objects per table at 1,000 agencies (the growth from 30 agencies, and the objects
    that brought on the process's full garbage collections, which set the p95); in the database it
    is ~3,000 rows summed in C (~2-4 ms at 1,000 agencies on a busy machine, join included).

    Compiled once per (period, day) and kept: it depends on nothing else (the definitions are code,
    the data is read when it runs), compiling the ~30 conditional aggregates costs Django ~8 ms of
    CPU and ~700 objects for the garbage collector, and the same month is asked for all day long.
    """
    definitions = _definitions(period, today)
    on_index = [kpi for kpi in definitions if kpi.source == "index"]
    supervision = next((kpi for kpi in definitions if kpi.source == "supervision"), None)
    grouped_sql, grouped_params = _grouped(on_index, period).query.sql_with_params()
    agencies_sql, agencies_params = _holders().query.sql_with_params()
    supervised_sql, supervised_params = "SELECT NULL::bigint AS agency_id, 0 AS items_d, 0 AS items_n", ()
    if supervision is not None:
        supervised_sql, supervised_params = _supervision_counts(supervision).query.sql_with_params()
    routes = sorted({_WHOSE[kpi.responsible] for kpi in on_index})
    routing = ", ".join(f"({column}, {number})" for number, column in routes)
    sums, figures = [], []
    for kpi in on_index:
        number = _WHOSE[kpi.responsible][0]
        for part in ("d", "n" if kpi.is_rate else "s"):
            name = f"{kpi.key}__{part}"
            # A group's count fits an int, and SUM(int) is a bigint summed in a machine word (SUM of
            # bigint is numeric, summed in software); an interval summed over no case stays NULL.
            if part == "s":
                value = f'grouped."{name}"'
            elif kpi.is_rate:  # the packed sum taken apart (_PACKED); NULL: no row in the denominator
                packed = f'grouped."{kpi.key}__dn"'
                value = f"({packed} {'%%' if part == 'd' else '/'} {_PACKED})::int"  # %%: a bound statement
            else:
                value = f'grouped."{name}"::int'
            sums.append(f'SUM({value}) FILTER (WHERE routed.whose = {number}) AS "{name}"')
            if part != "s":
                figures.append(f'COALESCE(folded."{name}", 0)')
            else:
                figures.append(_mean_in_tenths_of_days(f'folded."{name}"', f'folded."{kpi.key}__d"'))
    columns = ["agency.id", "agency.code", "agency.name_zh", "agency.name_en"]
    if supervision is not None:
        columns += ["COALESCE(supervised.items_d, 0)", "COALESCE(supervised.items_n, 0)"]
    shape, at = [], len(columns)
    for kpi in definitions:
        if kpi is supervision:
            shape.append((kpi.key, True, 4, 5))
        else:
            shape.append((kpi.key, kpi.is_rate, at, at + 1))
            at += 2
    columns += figures
    arrays = ", ".join(f"array_agg(c{number})" for number in range(len(columns)))
    listed = ", ".join(f"{column} AS c{number}" for number, column in enumerate(columns))
    # The names are this module's KPI keys and the SQL is Django's, its values bound.
    sql = (
        f"WITH agency AS MATERIALIZED ({agencies_sql}), "  # noqa: S608
        f"supervised AS ({supervised_sql}), "
        f"grouped AS ({grouped_sql}), "
        "folded AS ("
        f"SELECT routed.agency, {', '.join(sums)} FROM grouped "
        # The first listed bureau, as the agency list orders them (none: its routing counts nowhere).
        "CROSS JOIN LATERAL (SELECT (SELECT id FROM agency WHERE kind = %s ORDER BY sort_order, code "
        f"LIMIT 1) AS id) AS first_bureau CROSS JOIN LATERAL (VALUES {routing}) AS routed(agency, whose) "
        "GROUP BY routed.agency) "
        # One row of arrays, a column each, not a row per agency: a thousand result tuples per table
        # were a third of the objects it made for the garbage collector. The arrays are aligned (one
        # aggregation reads the rows in one order for all of them), and that order is the sorted
        # subquery's; the positions come along so that the table never depends on it (kpi_table).
        f"SELECT {arrays}, array_agg(position) FROM (SELECT {listed}, "
        "row_number() OVER (ORDER BY agency.sort_order, agency.code) AS position "
        "FROM agency LEFT JOIN folded ON folded.agency = agency.id "
        "LEFT JOIN supervised ON supervised.agency_id = agency.id "
        "ORDER BY agency.sort_order, agency.code) AS listed"
    )
    params = (*agencies_params, *supervised_params, *grouped_params, AgencyKind.BUREAU.value)
    return sql, params, tuple(shape)


# The planner settings, read and set for the table's statement alone (``kpi_table``), all in one
# statement each way (SET LOCAL is a round trip per setting: ~1 ms a table on this machine);
# set_config(name, value, true) is SET LOCAL.
_SHOW_PLANNER = "SELECT " + ", ".join(f"current_setting('{name}')" for name, _setting in _PLANNER)
_SET_PLANNER = "SELECT " + ", ".join(["set_config(%s, %s, true)"] * len(_PLANNER))


def _set_planner(cursor, settings: list[tuple[str, str]] | tuple[tuple[str, str], ...]) -> None:
    cursor.execute(_SET_PLANNER, [part for setting in settings for part in setting])


def kpi_table(period: Period, *, today: date | None = None) -> tuple[list[Kpi], list[KpiRow]]:
    """Every KPI for every case-holding agency in ``period``: one statement, one row per agency.

    Each KPI counts a case for the agency it counts for (the responsible one, the holder, or the
    bureau for its routing: ``_statement``); an average comes back as its count and its mean in
    tenths of a day."""
    today = today or clock.today()
    definitions = list(_definitions(period, today))
    sql, params, shape = _statement(period, today)
    # A caller's transaction (a test, a view wrapped in one) would keep SET LOCAL to its end, and
    # every later statement of it would be planned without sequential scans: put them back then.
    nested = connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        saved = []
        if nested:
            cursor.execute(_SHOW_PLANNER)
            saved = list(zip((name for name, _setting in _PLANNER), cursor.fetchone(), strict=True))
        _set_planner(cursor, _PLANNER)
        # Straight from the cursor: with a thousand agencies, Django's per-row dicts and converters
        # cost as much as the aggregation itself. The SQL is built from the querysets' own.
        cursor.execute(sql, params)
        *columns, positions = cursor.fetchone()
        if saved:
            _set_planner(cursor, saved)
    if positions is None:  # no agency listed
        return definitions, []
    if positions != list(range(1, len(positions) + 1)):  # not in the list's order: put them in it
        order = sorted(range(len(positions)), key=positions.__getitem__)
        columns = [[column[at] for at in order] for column in columns]
    english = (get_language() or "").startswith("en")
    rates, averages = _RateValues(), _AverageValues()
    # Column by column, each figure's value looked up by its (numerator, denominator) or (count, mean)
    # in C (map over zip), and each agency's dict made from the KPI keys in C: the same work per
    # value in Python bytecode was several ms of CPU at 1,000 agencies (12,000 values).
    figures = [
        map(
            rates.__getitem__ if is_rate else averages.__getitem__,
            zip(
                columns[second] if is_rate else columns[first],
                columns[first] if is_rate else columns[second],
                strict=True,
            ),
        )
        for _key, is_rate, first, second in shape
    ]
    keys = [key for key, _is_rate, _first, _second in shape]
    names = columns[3] if english else columns[2]
    rows = [
        KpiRow(agency_id, code, name, dict(zip(keys, values, strict=True)))
        for agency_id, code, name, values in zip(
            columns[0], columns[1], names, zip(*figures, strict=True), strict=True
        )
    ]
    return definitions, rows


def city_rates(definitions: list[Kpi], rows: list[KpiRow]) -> dict[str, KpiValue]:
    """The city's value of every rate: the agencies' numerators over their denominators, summed.

    A case counts for exactly one agency, so the sums count each case once. Averages are not in it:
    the rows carry them rounded, and a mean of rounded means is not the city's mean.
    """
    totals = {}
    for kpi in definitions:
        if not kpi.is_rate:
            continue
        numerator = sum(row.values[kpi.key].numerator or 0 for row in rows)
        denominator = sum(row.values[kpi.key].denominator for row in rows)
        totals[kpi.key] = KpiValue(
            numerator, denominator, _percent(numerator, denominator) if denominator else None
        )
    return totals


def ranking(
    period: Period, *, sort: str = "on_time_completion", today: date | None = None
) -> tuple[list[Kpi], list[KpiRow]]:
    """The 通报 table: every agency ranked by one KPI (best first; undefined values last, by name).

    The page, the .xlsx and the .csv export all show exactly these rows.
    """
    definitions, rows = kpi_table(period, today=today)
    by_key = {kpi.key: kpi for kpi in definitions}
    kpi = by_key.get(sort) or by_key["on_time_completion"]
    defined = [r for r in rows if r.values[kpi.key].value is not None]
    undefined = [r for r in rows if r.values[kpi.key].value is None]
    sign = -1 if kpi.higher_is_better else 1
    defined.sort(key=lambda r: (sign * r.values[kpi.key].value, r.agency_code))  # type: ignore[operator]
    previous, rank = None, 0
    for position, row in enumerate(defined, start=1):
        value = row.values[kpi.key].value
        if value != previous:  # equal values share a rank (1, 2, 2, 4)
            rank, previous = position, value
        row.rank = rank
    return definitions, defined + undefined
