"""The dashboard's counts, read so that the covering indexes can answer them alone, are exactly the
counts a plain reading of the rows gives (cases/oversight/queries.py, ``_ROW``). Whether PostgreSQL
then plans index-only scans depends on the table's size and statistics, so it is measured by
benchmarks/oversight_scale.py at scale, not asserted here on a handful of rows."""

from collections import Counter
from datetime import date, timedelta

import pytest

from cases.index.models import CaseIndex
from cases.oversight import queries as ovs
from cases.oversight.kpis import Period
from tests.oversight.conftest import local, make_index

TODAY = date(2026, 6, 15)


@pytest.fixture
def rows(agency_a, agency_b, bureau):
    A, B = agency_a, agency_b
    # Deadlines at each edge of "due soon" (today … today + 3) and of "overdue" (before today).
    for offset, kind in (
        (-1, "complaint"),
        (0, "request"),
        (3, "complaint"),
        (4, "request"),
        (-30, "report"),
    ):
        make_index(A, next_due=TODAY + timedelta(days=offset), petition_type=kind)
    make_index(B, next_due=TODAY - timedelta(days=1), petition_type="request")
    make_index(B)  # open, no running clock
    make_index(B, state="closed", is_open=False, next_due=TODAY - timedelta(days=5))  # closed: not open
    # Month edges in local time (Asia/Shanghai): 23:30 on 05-31 is May, 00:30 on 06-01 is June,
    # although both are 31 May in UTC; the first day of the twelve-month window and the day before.
    make_index(A, submitted_at=local(date(2026, 5, 31), 23).replace(minute=30))
    make_index(A, submitted_at=local(date(2026, 6, 1), 0).replace(minute=30), is_open=False, state="closed")
    make_index(B, submitted_at=local(date(2025, 6, 1), 0))
    make_index(B, submitted_at=local(date(2025, 5, 31), 23))  # before the window
    # A case that moved: filed with A, held by the bureau now; it counts where it is held.
    moved = make_index(A, next_due=TODAY - timedelta(days=2))
    CaseIndex.objects.filter(pk=moved.pk).update(holder=bureau)
    return A, B


def _plain(rows, today, period: Period | None):
    """What the dashboard must show, read row by row in Python."""
    soon = today + timedelta(days=ovs.DUE_SOON_DAYS)
    low, high = period.moments() if period is not None else (None, None)

    def counts(selected):
        found = {
            "open": sum(r.is_open for r in selected),
            "due_soon": sum(
                r.is_open and r.next_due is not None and today <= r.next_due <= soon for r in selected
            ),
            "overdue": sum(r.is_open and r.next_due is not None and r.next_due < today for r in selected),
        }
        if period is not None:
            found["received"] = sum(low <= r.submitted_at < high for r in selected)
        return found

    scoped = [r for r in rows if r.is_open or (period is not None and low <= r.submitted_at < high)]
    by_holder = {h: counts([r for r in scoped if r.holder_id == h]) for h in {r.holder_id for r in scoped}}
    by_type = {
        t: counts([r for r in scoped if r.petition_type == t]) for t in {r.petition_type for r in scoped}
    }
    window = period or Period(date(today.year - 1, today.month, 1), today)
    w_low, w_high = window.moments()
    months: Counter = Counter()
    still_open: Counter = Counter()
    for r in rows:
        if w_low <= r.submitted_at < w_high:
            day = r.submitted_at.astimezone(w_low.tzinfo).date().replace(day=1)
            months[day] += 1
            still_open[day] += r.is_open
    by_month = [{"month": m, "received": months[m], "still_open": still_open[m]} for m in sorted(months)]
    return counts(scoped), by_holder, by_type, by_month


@pytest.mark.parametrize("period", [None, Period(date(2026, 5, 1), TODAY)])
def test_dashboard_equals_a_plain_count_of_the_rows(rows, period):
    board = ovs.dashboard(ovs.DashboardFilters(period=period), today=TODAY)
    totals, by_holder, by_type, by_month = _plain(list(CaseIndex.objects.all()), TODAY, period)
    assert board.totals == totals
    names = [name for name in totals]
    assert {row["holder_id"]: {n: row[n] for n in names} for row in board.by_agency} == by_holder
    assert {row["petition_type"]: {n: row[n] for n in names} for row in board.by_type} == by_type
    assert board.by_month == by_month


def test_dashboard_filtered_by_agency_equals_a_plain_count(rows, bureau):
    A, _B = rows
    for agency in (A, bureau):
        board = ovs.dashboard(ovs.DashboardFilters(agency=agency), today=TODAY)
        totals, _h, _t, by_month = _plain(list(CaseIndex.objects.filter(holder=agency)), TODAY, None)
        assert board.totals == totals
        assert board.by_month == by_month
    # The moved case is the bureau's now (overdue there), no longer A's.
    assert ovs.dashboard(ovs.DashboardFilters(agency=bureau), today=TODAY).totals["overdue"] == 1
