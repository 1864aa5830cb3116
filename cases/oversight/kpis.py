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
from django.db.models import Count, F, Func, OuterRef, Q, Subquery, Sum
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
    numerator: Q | None = None  # rates
    average: Combinable | None = None  # averages: an interval expression
    higher_is_better: bool = True
    # Whose KPI a case counts for: "case" (the responsible agency, as the module docstring says),
    # "holder" (the agency holding it: the review bodies), "bureau" (the bureau's own routing); and
    # what it counts: "index" rows, or "supervision" items (SupervisionItem, by the agency addressed).
    responsible: str = "case"
    source: str = "index"

    @property
    def is_rate(self) -> bool:
        return self.numerator is not None


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
        numerator=decided & _met("first_decided_on", "first_acceptance_due"),
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
        numerator=replied & _met("first_replied_on", "first_handling_due"),
    )


def participation(period: Period, today: date) -> Kpi:
    """参评率 = #{evaluated} ÷ #{replied in the period}. Definition 3."""
    denominator = _on_in("first_replied_on", period)
    return Kpi(
        "participation",
        _("参评率"),
        _("已评价件数 ÷ 本期内答复的件数"),
        denominator=denominator,
        numerator=denominator & ~Q(first_satisfaction=""),
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
        numerator=denominator & Q(first_satisfaction__in=[Satisfaction.SATISFIED, Satisfaction.BASICALLY]),
    )


def repeat_petition(period: Period, today: date) -> Kpi:
    """重复信访率 = #{linked_to set} ÷ #{submitted in the period}. Definition 5 (lower is better)."""
    denominator = _on_in("submitted_on", period)
    return Kpi(
        "repeat_petition",
        _("重复信访率"),
        _("重复信访（已关联原件）件数 ÷ 本期内收到的信访件数"),
        denominator=denominator,
        numerator=denominator & Q(linked_to__isnull=False),
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
        numerator=denominator & _met("report_submitted_on", "report_due"),
    )


def _timely(done_on: str, due: str, period: Period, today: date) -> tuple[Q, Q]:
    """(denominator, numerator) of a "done by its deadline" rate: the deadline in the period and
    (done, or the deadline passed); done on or before it."""
    denominator = _on_in(due, period) & (Q(**{f"{done_on}__isnull": False}) | Q(**{f"{due}__lt": today}))
    return denominator, denominator & _met(done_on, due)


def timely_routing(period: Period, today: date) -> Kpi:
    """及时转送率 (及时交办率) = #{routed on or before routing_due} ÷ #{routing_due in the period and
    (routed or routing_due < today)}: the bureau's own 15 days (信访工作条例 art. 22). Definition 8;
    every case counts for the bureau, whoever holds it now."""
    denominator, numerator = _timely("routed_on", "routing_due", period, today)
    return Kpi(
        "timely_routing",
        _("及时转送率"),
        _("信访局在15日内转送、交办或处理的件数 ÷ 分流期限在本期内到期的件数"),
        denominator=denominator,
        numerator=numerator,
        responsible="bureau",
    )


def timely_review(period: Period, today: date) -> Kpi:
    """复查按期率 = #{review opinion on or before review_due} ÷ #{review_due in the period and (opinion
    given or review_due < today)} (art. 35). Definition 9; for the body holding the case (the reviewer)."""
    denominator, numerator = _timely("reviewed_on", "review_due", period, today)
    return Kpi(
        "timely_review",
        _("复查按期率"),
        _("在30日内出具复查意见的件数 ÷ 复查期限在本期内到期的件数"),
        denominator=denominator,
        numerator=numerator,
        responsible="holder",
    )


def timely_rereview(period: Period, today: date) -> Kpi:
    """复核按期率 = #{re-review opinion on or before rereview_due} ÷ #{rereview_due in the period and
    (opinion given or rereview_due < today)} (art. 36; hearing days already in rereview_due).
    Definition 10; for the body holding the case."""
    denominator, numerator = _timely("rereviewed_on", "rereview_due", period, today)
    return Kpi(
        "timely_rereview",
        _("复核按期率"),
        _("在30日内出具复核意见的件数 ÷ 复核期限在本期内到期的件数"),
        denominator=denominator,
        numerator=numerator,
        responsible="holder",
    )


def timely_supervision_answer(period: Period, today: date) -> Kpi:
    """督办反馈及时率 = #{催办/督办单 answered on or before answer_due} ÷ #{answer_due in the period and
    (answered or answer_due < today)}, over the supervision items addressed to the agency.
    Definition 12."""
    denominator, numerator = _timely("answered_on", "answer_due", period, today)
    return Kpi(
        "timely_supervision_answer",
        _("督办反馈及时率"),
        _("按期反馈的催办、督办件数 ÷ 反馈期限在本期内到期的催办、督办件数"),
        denominator=denominator,
        numerator=numerator,
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
    return _TENTHS[tenths] if 0 <= tenths <= 1000 else Decimal(tenths).scaleb(-1)


# 0.0 … 100.0, made once: a rate is one of these (Decimal values are immutable, so sharing is safe).
_TENTHS = [Decimal(tenths).scaleb(-1) for tenths in range(1001)]


def _days(interval) -> Decimal | None:
    """An average interval in days, rounded half up to one decimal (tenths of a day = 8,640 s)."""
    if interval is None:
        return None
    return Decimal(int(interval.total_seconds() / 8640 + 0.5)).scaleb(-1)


def _holders(supervision: Kpi | None):
    """(id, code, name_zh, name_en, kind[, items due, items answered in time]) of every case-holding
    agency: the agency list, with the supervision-answer counts as correlated subqueries of the same
    statement when that KPI is asked for. As plain tuples: with a thousand agencies, building model
    instances is a noticeable part of the table."""
    from cases.index.models import local_date
    from cases.oversight.models import SupervisionItem

    agencies = Agency.objects.filter(
        kind__in=[AgencyKind.BUREAU, AgencyKind.DEPARTMENT, AgencyKind.COUNTY], is_active=True
    ).order_by("sort_order", "code")
    names = ["id", "code", "name_zh", "name_en", "kind"]
    if supervision is not None:
        items = SupervisionItem.objects.annotate(answered_on=local_date("answered_at")).filter(
            agency_id=OuterRef("pk")
        )
        for suffix, condition in (("d", supervision.denominator), ("n", supervision.numerator)):
            counted = (
                items.filter(condition).order_by().annotate(c=Func(F("id"), function="COUNT")).values("c")
            )
            agencies = agencies.annotate(**{f"items_{suffix}": Subquery(counted)})
            names.append(f"items_{suffix}")
    return agencies.values_list(*names)


def _figure_names(on_index: list[Kpi]) -> list[str]:
    """The aggregate's columns: each KPI's denominator, then its numerator (rates) or interval sum."""
    return [f"{kpi.key}__{part}" for kpi in on_index for part in ("d", "n" if kpi.is_rate else "s")]


def _grouped(on_index: list[Kpi], period: Period):
    """The aggregate over the index: every KPI's counts (and interval sums) per (responsible agency,
    holder), over the rows that can count in the period."""
    aggregates: dict[str, object] = {}
    for kpi in on_index:
        # COUNT(holder_id) (never NULL), not COUNT(id): the covering index ovs_ci_kpi_cover holds holder_id
        # as its key, not the id (Django refuses COUNT(*) with a FILTER).
        aggregates[f"{kpi.key}__d"] = Count("holder_id", filter=kpi.denominator)
        if kpi.is_rate:
            aggregates[f"{kpi.key}__n"] = Count("holder_id", filter=kpi.numerator)
        else:
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
    # year's index-only scan stays parallel (~124 ms alone, ~75 ms with workers).
    ("parallel_setup_cost", "10000"),
)


@functools.lru_cache(maxsize=32)
def _statements(period: Period, today: date) -> tuple[tuple[str, tuple], tuple[str, tuple], list[str]]:
    """The SQL and parameters of the table's two statements, the aggregate over the index and the
    agency list, for one period and day, and the names of the aggregate's columns.

    The aggregate's ~1,000 groups come back as one row of arrays, a column each: a thousand result
    tuples per table were a third of the objects it made for the garbage collector, whose full
    collections of the whole process (~25 ms each) set the p95. The arrays are aligned: one
    aggregation reads the groups in one order for all of them.

    Compiled once per (period, day) and kept: they depend on nothing else (the definitions are code,
    the data is read when they run), compiling the ~30 conditional aggregates costs Django ~8 ms of
    CPU and ~700 objects for the garbage collector, and the same month is asked for all day long.
    """
    definitions = kpis(period, today)
    on_index = [kpi for kpi in definitions if kpi.source == "index"]
    supervision = next((kpi for kpi in definitions if kpi.source == "supervision"), None)
    names = ["kpi_agency", "holder_id", *_figure_names(on_index)]
    sql, params = _grouped(on_index, period).query.sql_with_params()
    columns = ", ".join(f'array_agg("{name}")' for name in names)
    return (
        # The names are the KPI keys of this module and the SQL is Django's, its values bound.
        (f"SELECT {columns} FROM ({sql}) AS grouped", params),  # noqa: S608
        _holders(supervision).query.sql_with_params(),
        names,
    )


def kpi_table(period: Period, *, today: date | None = None) -> tuple[list[Kpi], list[KpiRow]]:
    """Every KPI for every case-holding agency in ``period``: one aggregate query, one agency list.

    The aggregate groups by (responsible agency, holder): each KPI then sums its groups by the agency
    it counts for (the responsible one, the holder, or the bureau for its routing); averages are kept
    as sums and counts until then."""
    today = today or clock.today()
    definitions = kpis(period, today)
    on_index = [kpi for kpi in definitions if kpi.source == "index"]
    supervision = next((kpi for kpi in definitions if kpi.source == "supervision"), None)
    (sql, params), (holders_sql, holders_params), names = _statements(period, today)
    # A caller's transaction (a test, a view wrapped in one) would keep SET LOCAL to its end, and
    # every later statement of it would be planned without sequential scans: put them back then.
    nested = connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(holders_sql, holders_params)
        holders = cursor.fetchall()
        saved = []
        if nested:
            for name, _setting in _PLANNER:
                cursor.execute(f"SHOW {name}")
                saved.append((name, cursor.fetchone()[0]))
        for name, setting in _PLANNER:
            cursor.execute(f"SET LOCAL {name} = %s", [setting])
        # Plain tuples straight from the cursor: with a thousand agencies, Django's per-row dicts and
        # converters cost as much as the aggregation itself. The SQL is the querysets' own.
        cursor.execute(sql, params)
        arrays = {name: column or [] for name, column in zip(names, cursor.fetchone(), strict=True)}
        for name, setting in saved:
            cursor.execute(f"SET LOCAL {name} = %s", [setting])
    # Each KPI's two figures (denominator, then numerator or interval sum) have two slots per agency,
    # all agencies' in one flat list (one object for the garbage collector, not a thousand), and which
    # result columns add to which slots of whose figures is worked out once: with a thousand agencies,
    # names formatted and looked up per group and per KPI cost more CPU than the rest of the table.
    slot = {kpi.key: 2 * at for at, kpi in enumerate(definitions)}
    width = 2 * len(definitions)
    empty: list[Any] = [0] * width
    for kpi in definitions:
        if not kpi.is_rate:
            empty[slot[kpi.key] + 1] = None  # no interval summed yet
    figures = empty * len(holders)
    # Where each listed agency's figures start; a group of an agency not listed (no longer active)
    # counts for no row, as before.
    start_of = {holder[0]: at * width for at, holder in enumerate(holders)}
    bureau_start = next((at * width for at, h in enumerate(holders) if h[4] == AgencyKind.BUREAU), None)
    starts = {
        "case": [start_of.get(agency) for agency in arrays["kpi_agency"]],
        "holder": [start_of.get(agency) for agency in arrays["holder_id"]],
        "bureau": [bureau_start] * len(arrays["holder_id"]),
    }
    for kpi in on_index:
        whose = starts[kpi.responsible]
        for part, to in (("d", slot[kpi.key]), ("n" if kpi.is_rate else "s", slot[kpi.key] + 1)):
            for start, value in zip(whose, arrays[f"{kpi.key}__{part}"], strict=True):
                if start is None or value is None:
                    continue
                at = start + to
                figures[at] = value if figures[at] is None else figures[at] + value
    english = (get_language() or "").startswith("en")
    supervision_key = supervision.key if supervision is not None else None
    shape = [(kpi.key, kpi.is_rate, slot[kpi.key]) for kpi in definitions]
    # One (immutable) value per distinct figure: most of the 12,000 repeat one another (0 of 0 above
    # all), and fewer objects made means fewer garbage collections of the whole process.
    rates: dict[tuple[int, int], KpiValue] = {}
    averages: dict[tuple[int, Decimal | None], KpiValue] = {}
    rows = []
    for number, holder in enumerate(holders):
        start = number * width
        row = KpiRow(holder[0], holder[1], holder[3] if english else holder[2])
        values = row.values
        for key, is_rate, at in shape:
            if key == supervision_key:  # counted by the agency list's subqueries
                denominator, numerator = holder[5] or 0, holder[6] or 0
            else:
                denominator, numerator = figures[start + at], figures[start + at + 1]
            if is_rate:
                value = rates.get((numerator, denominator))
                if value is None:
                    value = rates[numerator, denominator] = KpiValue(
                        numerator, denominator, _percent(numerator, denominator) if denominator else None
                    )
                values[key] = value
            else:
                total = numerator  # the interval sum
                days = _days(total / denominator if total is not None and denominator else None)
                value = averages.get((denominator, days))
                if value is None:
                    value = averages[denominator, days] = KpiValue(None, denominator, days)
                values[key] = value
        rows.append(row)
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
