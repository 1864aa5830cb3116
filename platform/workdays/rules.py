"""Deadline arithmetic over the working-day calendar: the API the case core calls.

How a period is counted (民法典 arts. 201 and 203, applied to the 信访工作条例's time limits):
- the day of the starting event is not counted;
- "N days" ends at 24:00 on the Nth day after it; when that day is a rest day (a Saturday or Sunday
  that is not a make-up working day 调休上班日, or a public holiday 法定节假日), the period ends on the
  first working day after the rest;
- "N working days" counts only working days, make-up days included.

A deadline is a date: the period runs until 24:00 local time (Asia/Shanghai) on it.

A year staff have not entered still has its rest days (workdays.statutory): the published arrangement
of a past year, or the fixed statutory holidays of 全国年节及纪念日放假办法. A deadline whose last day falls
in a year counted by the statutory holidays alone is *provisional* (``is_provisional``): the year's
announced make-up days and 补假 may move it, and it is recomputed when staff enter the year.

The calendar is read once per process and kept in memory under the token of ``CalendarVersion``, which
changes in the same transaction as every edit (see workdays.signals). Each call to a module-level
function costs one primary-key query to compare tokens; code that computes many deadlines at once
(the deadline sweep) takes ``current_calendar()`` once and calls the methods on it.
"""

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _

from config import clock
from config.compiled import CompiledQuery
from workdays.statutory import year_days

SATURDAY = 5


class DeadlineStatus(models.TextChoices):
    RUNNING = "running", _("进行中")
    DUE_SOON = "due_soon", _("即将到期")
    OVERDUE = "overdue", _("已逾期")
    MET = "met", _("按期完成")
    MET_LATE = "met_late", _("逾期完成")


@dataclass(frozen=True)
class WorkCalendar:
    """An immutable snapshot of the calendar: the exceptions to the ordinary Monday-to-Friday week."""

    holidays: frozenset[date] = field(default_factory=frozenset)
    make_up_days: frozenset[date] = field(default_factory=frozenset)
    years: frozenset[int] = field(default_factory=frozenset)

    @classmethod
    def from_days(cls, days: Iterable[tuple[date, str]]) -> "WorkCalendar":
        holidays: set[date] = set()
        make_up: set[date] = set()
        for day, kind in days:
            (make_up if kind == "workday" else holidays).add(day)
        return cls(frozenset(holidays), frozenset(make_up), frozenset(d.year for d in holidays | make_up))

    def covers(self, year: int) -> bool:
        """Whether staff have entered any holiday or make-up day for ``year``."""
        return year in self.years

    def confirmed(self, year: int) -> bool:
        """Whether ``year``'s rest days are final: entered by staff, or published (workdays.statutory)."""
        return year in self.years or not year_days(year).provisional

    def is_provisional(self, day: date) -> bool:
        """Whether a deadline ending on ``day`` was counted over statutory holidays alone.

        A period's rest days matter on its last day and the days it rolls over (民法典 art. 203), or on
        the few days of a working-day period: the year of its last day is the one to ask.
        """
        return not self.confirmed(day.year)

    def provisional_years(self, years: Iterable[int]) -> list[int]:
        return [year for year in years if not self.confirmed(year)]

    def is_working_day(self, day: date) -> bool:
        if day.year not in self.years:
            # Not entered: the published arrangement, or the statutory holidays (workdays.statutory).
            fallback = year_days(day.year)
            if day in fallback.make_up_days:
                return True
            if day in fallback.holidays:
                return False
            return day.weekday() < SATURDAY
        if day in self.make_up_days:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < SATURDAY

    def next_working_day(self, day: date) -> date:
        """``day`` itself when it is a working day, else the first working day after it."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def period_end(self, start: date, days: int) -> date:
        _check_days(days)
        # 民法典 art. 203: a period whose last day is a rest day ends on the first working day after it.
        return self.next_working_day(start + timedelta(days=days))

    def add_working_days(self, start: date, days: int) -> date:
        _check_days(days)
        day, remaining = start, days
        while remaining:
            day += timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (negative when ``end`` is earlier)."""
        if end < start:
            return -self.working_days_between(end, start)
        return sum(
            1 for offset in range(1, (end - start).days + 1) if self.is_working_day(start + timedelta(offset))
        )


def _check_days(days: int) -> None:
    if isinstance(days, bool) or not isinstance(days, int) or days < 0:
        raise ValueError(f"a period is a whole number of days >= 0, not {days!r}")


# --- The current calendar, shared by every thread of the process -------------------------------------

_memo_lock = threading.Lock()
_memo: tuple[str, WorkCalendar] | None = None
# Per thread: the atomic block (connection, transaction serial, the block) in which this thread last
# read the token, and the token it read. Within one atomic block the calendar is read once (a filing
# computes two deadlines in one); a new block, nested or not, checks the token again.
_checked = threading.local()


def _transaction_key() -> tuple[int, int, int, object] | None:
    """Which atomic block this is: the connection, its transaction, the depth and the block itself.

    The block object, not its id(): a block that ended is freed, and the next one is often made at
    the same address, so by id a new block looked like the one already checked and skipped the token
    check. Kept in ``_checked``, the last block checked stays alive and is compared by identity."""
    from django.db import connection

    serial = getattr(connection, "transaction_serial", None)
    if serial is None or not connection.in_atomic_block:
        return None
    blocks = connection.atomic_blocks
    return (id(connection), serial, len(blocks), blocks[-1])


def _token_of(_shape, _markers):
    from workdays.models import CalendarVersion

    return CalendarVersion.objects.filter(pk=1).values_list("token")[:1]


# Compiled once (config.compiled): every filing and every dated step reads it.
_TOKEN = CompiledQuery(_token_of)


def current_calendar() -> WorkCalendar:
    """The calendar as the database holds it now: one query when nothing changed since the last call,
    none when this transaction already read it."""
    global _memo
    from workdays.models import CalendarDay

    key = _transaction_key()
    memo = _memo
    if key is not None and memo is not None and getattr(_checked, "at", None) == (key, memo[0]):
        return memo[1]
    token = next(iter(_TOKEN.rows(None)), ("",))[0] or ""
    if memo is None or memo[0] != token:
        # The token is read before the days: if an edit commits in between, the snapshot is newer than
        # its token says and the next call merely reloads it; never the other way round.
        memo = (token, WorkCalendar.from_days(CalendarDay.objects.values_list("date", "kind")))
        with _memo_lock:
            _memo = memo
    _checked.at = (key, token) if key is not None else None
    return memo[1]


def forget_calendar() -> None:
    """Drop this process's copy (the next call reloads it)."""
    global _memo
    with _memo_lock:
        _memo = None
    _checked.at = None


def is_working_day(day: date) -> bool:
    return current_calendar().is_working_day(day)


def period_end(start: date, days: int) -> date:
    """The last day of a period of ``days`` calendar days counted from the event on ``start``."""
    return current_calendar().period_end(start, days)


def add_working_days(start: date, days: int) -> date:
    """The ``days``-th working day after ``start`` (``start`` itself is not counted)."""
    return current_calendar().add_working_days(start, days)


def is_provisional(day: date) -> bool:
    """Whether a deadline ending on ``day`` is provisional (its year not entered nor published)."""
    return current_calendar().is_provisional(day)


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end``: add_working_days' inverse."""
    return current_calendar().working_days_between(start, end)


# --- Deadline status ----------------------------------------------------------------------------------


def local_today() -> date:
    """Today in the hall's time zone (Asia/Shanghai): deadlines end at 24:00 local time."""
    return clock.today()


def days_left(due: date, *, today: date) -> int:
    """Calendar days from ``today`` to ``due``: 0 on the last day, negative once it has passed."""
    return (due - today).days


def deadline_status(
    due: date, *, today: date, completed_on: date | None = None, soon_days: int = 3
) -> DeadlineStatus:
    if completed_on is not None:
        return DeadlineStatus.MET if completed_on <= due else DeadlineStatus.MET_LATE
    if today > due:
        return DeadlineStatus.OVERDUE
    if (due - today).days <= soon_days:
        return DeadlineStatus.DUE_SOON
    return DeadlineStatus.RUNNING
