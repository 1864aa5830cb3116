"""The KPI table's one statement (cases/oversight/kpis.py, ``_statement``): the aggregate's groups are
summed by the agency each KPI counts for in PostgreSQL and joined to the agency list, and an average's
mean is rounded there. Checked against what the Python fold did: the same figures, for every agency.

Period: May 2026; today = 2026-06-10.
"""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.db.models import Count

from cases.index.models import CaseIndex
from cases.oversight import kpis
from cases.oversight.kpis import Period
from tests.oversight.conftest import local, make_index

MAY = Period.month(2026, 5)
TODAY = date(2026, 6, 10)
APRIL = local(date(2026, 4, 20))


@pytest.fixture
def may(agency_a, agency_b, bureau):
    """Cases of A and B counted for the agency that accepted them, the holder and the bureau."""

    def row(holder, **fields):
        fields.setdefault("submitted_at", APRIL)
        return make_index(holder, **fields)

    # Accepted by B, held by the bureau now: on-time completion counts for B.
    row(
        bureau,
        accepting_agency=agency_b,
        accepted_at=APRIL,
        handling_due=date(2026, 5, 20),
        replied_at=local(date(2026, 5, 19)),
        satisfaction="satisfied",
    )
    row(agency_a, accepted_at=APRIL, handling_due=date(2026, 5, 25))  # unreplied, overdue: A
    row(agency_b, routing_due=date(2026, 5, 8), routed_at=local(date(2026, 5, 7)))  # the bureau's routing
    row(agency_b, state="reviewed", review_due=date(2026, 5, 10), reviewed_at=local(date(2026, 5, 11)))
    row(
        agency_a,
        received_at=local(date(2026, 5, 2), 9),
        acceptance_due=date(2026, 5, 20),
        acceptance_decided_at=local(date(2026, 5, 5), 15),
    )


def _figures(rows) -> list:
    return [
        (row.agency_code, key, value.numerator, value.denominator, value.value)
        for row in rows
        for key, value in row.values.items()
    ]


def test_each_kpi_counts_for_its_own_agency(may, agency_a, agency_b, bureau):
    _definitions, rows = kpis.kpi_table(MAY, today=TODAY)
    by_code = {row.agency_code: row.values for row in rows}
    a, b, office = by_code[agency_a.code], by_code[agency_b.code], by_code[bureau.code]
    assert (b["on_time_completion"].numerator, b["on_time_completion"].denominator) == (1, 1)
    assert (a["on_time_completion"].numerator, a["on_time_completion"].denominator) == (0, 1)
    assert office["on_time_completion"].denominator == 0
    assert (office["timely_routing"].numerator, office["timely_routing"].denominator) == (1, 1)
    assert b["timely_routing"].denominator == 0
    assert (b["timely_review"].numerator, b["timely_review"].denominator) == (0, 1)
    # 3 days 6 hours = 3.25 days, shown half up: 3.3.
    assert (a["days_to_accept"].denominator, a["days_to_accept"].value) == (1, 3 + kpis._tenths(3))


def test_a_deactivated_agency_is_not_listed_and_counts_for_no_one(may, agency_a, agency_b, bureau):
    _definitions, before = kpis.kpi_table(MAY, today=TODAY)
    agency_b.is_active = False
    agency_b.save(update_fields=["is_active"])
    kpis._statement.cache_clear()
    _definitions, after = kpis.kpi_table(MAY, today=TODAY)
    assert agency_b.code not in {row.agency_code for row in after}
    assert _figures(after) == [figure for figure in _figures(before) if figure[0] != agency_b.code]


def test_the_table_does_not_depend_on_the_order_the_arrays_come_in(may, monkeypatch):
    """The arrays come in the sorted subquery's order; were they not, the positions put them back."""
    _definitions, expected = kpis.kpi_table(MAY, today=TODAY)
    statement = kpis._statement

    def reversed_statement(period, today):
        sql, params, shape = statement(period, today)
        ordered = "ORDER BY agency.sort_order, agency.code) AS listed"
        assert ordered in sql
        return sql.replace(ordered, "ORDER BY position DESC) AS listed"), params, shape

    monkeypatch.setattr(kpis, "_statement", reversed_statement)
    _definitions, rows = kpis.kpi_table(MAY, today=TODAY)
    assert [row.agency_code for row in rows] == [row.agency_code for row in expected]
    assert _figures(rows) == _figures(expected)


def _python_mean(total: timedelta, count: int):
    """What the table computed in Python before: the mean timedelta, in days, half up to a tenth."""
    return kpis._tenths(int((total / count).total_seconds() / 8640 + 0.5))


def test_a_rates_packed_sum_gives_the_counts_of_its_own_conditions(may, agency_a, agency_b, bureau):
    """``_grouped`` carries a rate's denominator and numerator in one sum; over every agency they are
    the plain counts of the two conditions (a numerator reaching outside its denominator, or the sum
    taken apart the wrong way, would not be)."""
    # Two more rows in one group, so that counts above one are summed: A decided one on time, one late.
    for decided in (date(2026, 5, 6), date(2026, 5, 25)):
        make_index(
            agency_a,
            received_at=local(date(2026, 5, 1), 9),
            acceptance_due=date(2026, 5, 21),
            acceptance_decided_at=local(decided, 10),
        )
    definitions, rows = kpis.kpi_table(MAY, today=TODAY)
    for kpi in definitions:
        if not kpi.is_rate or kpi.source != "index":
            continue
        plain = CaseIndex.objects.aggregate(
            d=Count("pk", filter=kpi.denominator), n=Count("pk", filter=kpi.numerator)
        )
        tabled = (
            sum(row.values[kpi.key].denominator for row in rows),
            sum(row.values[kpi.key].numerator for row in rows),
        )
        assert tabled == (plain["d"], plain["n"]), kpi.key
    by_code = {row.agency_code: row.values for row in rows}
    assert (
        by_code[agency_a.code]["timely_acceptance"].numerator,
        by_code[agency_a.code]["timely_acceptance"].denominator,
    ) == (2, 3)


@pytest.mark.parametrize(
    ("total", "count"),
    [
        (timedelta(0), 1),
        (timedelta(days=3, hours=6), 1),  # 3.25 days: 3.3
        (timedelta(hours=1, minutes=12), 1),  # exactly 0.05 days: up to 0.1
        (timedelta(hours=1, minutes=12, microseconds=-1), 1),  # just under: 0.0
        (timedelta(hours=3, minutes=36), 3),  # 0.05 days each, from a division
        (timedelta(microseconds=3), 2),  # a mean of 1.5 µs: to even (2 µs)
        (timedelta(microseconds=5), 2),  # 2.5 µs: to even (2 µs)
        (timedelta(days=7, hours=1, minutes=12), 7),  # 1 day 10.29 min: 1.0
        (timedelta(days=3 * 365, seconds=1, microseconds=1), 7),
        (timedelta(days=400, hours=23, minutes=59, seconds=59, microseconds=999999), 13),
        (timedelta(days=1_000_000), 11),  # 8.64e16 µs: past a double's exact integers
        (timedelta(days=7_000), 1),  # 70,000 tenths: past the table of shared values
    ],
)
def test_the_mean_in_tenths_of_days_is_the_timedelta_arithmetic(db, total, count):
    assert _sql_mean(total, count) == _python_mean(total, count)


def _sql_mean(total: timedelta | None, count: int):
    expression = kpis._mean_in_tenths_of_days("figures.total", "figures.count")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {expression} FROM (SELECT %s::interval AS total, %s::bigint AS count) AS figures",  # noqa: S608
            [total, count],
        )
        (tenths,) = cursor.fetchone()
    return None if tenths is None else kpis._tenths(tenths)


def test_the_mean_is_undefined_without_cases_or_intervals(db):
    assert _sql_mean(timedelta(hours=5), 0) is None
    assert _sql_mean(None, 3) is None


def test_the_planner_has_the_group_keys_own_distinct_count(db):
    """Migration oversight 0005: without it the planner multiplies the responsible agency's and the
    holder's distinct counts (~19,000 groups expected for ~1,000 at 1,000 agencies)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT stxkind FROM pg_statistic_ext WHERE stxname = 'ovs_ci_kpi_groups' "
            "AND stxrelid = 'caseindex_caseindex'::regclass"
        )
        (kinds,) = cursor.fetchone()
    assert "d" in kinds  # ndistinct
    sql = str(kpis._grouped([kpi for kpi in kpis.kpis(MAY, TODAY) if kpi.source == "index"], MAY).query)
    # The statistics are on the very expression the aggregate groups by.
    table = '"caseindex_caseindex"'
    assert f'COALESCE({table}."accepting_agency_id", {table}."holder_id") AS "kpi_agency"' in sql
