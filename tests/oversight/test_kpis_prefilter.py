"""The KPI table reads only the index rows with one of its date columns in the period
(cases/oversight/kpis.py, ``_touches_period``): the columns are read off the KPI conditions themselves,
the prefilter changes no figure, and indexes serve it (migration oversight 0004).

Period: May 2026; today = 2026-06-10. Each row below has exactly one of the prefilter's date columns
in May (the others outside it or empty), so a column missing from the prefilter loses its row.
"""

import re
import uuid
from datetime import date

import pytest
from django.db import connection, transaction
from django.db.models import Q

from cases.index.models import CaseIndex
from cases.oversight import kpis
from cases.oversight.kpis import Kpi, Period
from tests.oversight.conftest import local, make_index

MAY = Period.month(2026, 5)
TODAY = date(2026, 6, 10)
APRIL = local(date(2026, 4, 20))


def _index_kpis() -> list[Kpi]:
    return [kpi for kpi in kpis.kpis(MAY, TODAY) if kpi.source == "index"]


@pytest.fixture
def one_date_in_may(agency_a, agency_b, bureau):
    """One row per prefilter column, that column alone in May; and rows outside May."""

    def row(holder, **fields):
        fields.setdefault("submitted_at", APRIL)
        return make_index(holder, **fields)

    row(agency_a, submitted_at=local(date(2026, 5, 31), 23), linked_to=uuid.uuid4(), state="linked")
    # Decided in April against a deadline in May; the live deadline cleared since: first_acceptance_due.
    decided = row(
        agency_a,
        received_at=APRIL,
        acceptance_due=date(2026, 5, 5),
        acceptance_decided_at=local(date(2026, 4, 28)),
    )
    CaseIndex.objects.filter(pk=decided.pk).update(acceptance_due=None)
    row(agency_b, acceptance_due=date(2026, 5, 20))  # undecided, overdue: acceptance_due
    # Decided in May, its deadline in June: first_decided_on (平均受理天数).
    decided = row(
        agency_b,
        received_at=APRIL,
        acceptance_due=date(2026, 6, 2),
        acceptance_decided_at=local(date(2026, 5, 30)),
    )
    CaseIndex.objects.filter(pk=decided.pk).update(acceptance_due=None)
    row(agency_a, accepted_at=APRIL, handling_due=date(2026, 5, 25))  # unreplied, overdue: handling_due
    # Replied in June against a May deadline, the live one cleared since: first_handling_due.
    replied = row(
        agency_b, accepted_at=APRIL, handling_due=date(2026, 5, 30), replied_at=local(date(2026, 6, 2))
    )
    CaseIndex.objects.filter(pk=replied.pk).update(handling_due=None)
    # Replied in May against a June deadline: first_replied_on (and rated).
    replied = row(
        bureau,
        accepting_agency=agency_a,
        accepted_at=APRIL,
        handling_due=date(2026, 6, 30),
        replied_at=local(date(2026, 5, 12)),
        satisfaction="satisfied",
    )
    CaseIndex.objects.filter(pk=replied.pk).update(handling_due=None)
    row(agency_a, report_due=date(2026, 5, 14), report_submitted_at=local(date(2026, 5, 13)))
    row(agency_b, state="registered", routing_due=date(2026, 5, 8))  # not routed, overdue
    row(bureau, state="reviewed", review_due=date(2026, 5, 10), reviewed_at=local(date(2026, 5, 11)))
    row(agency_a, state="closed", rereview_due=date(2026, 5, 15), rereviewed_at=local(date(2026, 5, 15)))
    # Outside May altogether: count nowhere, with or without the prefilter.
    row(agency_a, acceptance_due=date(2026, 4, 30), acceptance_decided_at=local(date(2026, 4, 29)))
    row(agency_b, accepted_at=APRIL, handling_due=date(2026, 6, 20), replied_at=local(date(2026, 6, 1)))
    row(agency_a, routing_due=date(2026, 6, 1), routed_at=local(date(2026, 5, 20)))


def _figures(rows) -> dict:
    return {
        (row.agency_code, key): (value.numerator, value.denominator, value.value)
        for row in rows
        for key, value in row.values.items()
    }


def test_every_kpi_condition_needs_one_of_its_dates_in_the_period():
    for kpi in kpis.kpis(MAY, TODAY):
        for condition in (kpi.denominator, kpi.numerator):
            if condition is not None:
                assert kpis._in_period_columns(condition, MAY), kpi.key


def test_the_prefilter_reads_the_date_columns_of_every_kpi():
    touches = kpis._touches_period(_index_kpis(), MAY)
    assert touches.connector == Q.OR
    columns = {child.children[0][0].removesuffix("__gte") for child in touches.children}
    assert columns == {
        "submitted_on",
        "acceptance_due",
        "first_acceptance_due",
        "first_decided_on",
        "handling_due",
        "first_handling_due",
        "first_replied_on",
        "report_due",
        "routing_due",
        "review_due",
        "rereview_due",
    }


def test_a_condition_that_may_hold_outside_the_period_reads_every_row():
    in_may = kpis._on_in("report_due", MAY)
    assert kpis._in_period_columns(Q(linked_to__isnull=False), MAY) is None
    assert kpis._in_period_columns(in_may | Q(linked_to__isnull=False), MAY) is None
    assert kpis._in_period_columns(~in_may, MAY) is None
    assert kpis._in_period_columns(Q(report_due__gte=MAY.start), MAY) is None  # half a range
    assert kpis._in_period_columns(Q(), MAY) is None
    assert kpis._in_period_columns(Q(linked_to__isnull=False) & in_may, MAY) == {"report_due"}
    unbounded = Kpi("linked", "linked", "linked", denominator=Q(linked_to__isnull=False))
    assert kpis._touches_period([*_index_kpis(), unbounded], MAY) == Q()


@pytest.fixture
def fresh_statements():
    """The compiled statements are kept per (period, day): a test that changes how they are built
    must not leave its own behind."""
    kpis._statement.cache_clear()
    yield
    kpis._statement.cache_clear()


def test_the_prefilter_changes_no_figure(one_date_in_may, monkeypatch, fresh_statements):
    _definitions, filtered = kpis.kpi_table(MAY, today=TODAY)
    monkeypatch.setattr(kpis, "_touches_period", lambda definitions, period: Q())
    kpis._statement.cache_clear()
    _definitions, every_row = kpis.kpi_table(MAY, today=TODAY)
    assert _figures(filtered) == _figures(every_row)
    # Not vacuous: every KPI on the index has something in May, from rows with one date in it.
    for kpi in _index_kpis():
        assert sum(row.values[kpi.key].denominator for row in filtered) > 0, kpi.key


def test_a_row_with_one_date_in_the_period_counts(one_date_in_may, agency_a, agency_b, bureau):
    _definitions, rows = kpis.kpi_table(MAY, today=TODAY)
    by_code = {row.agency_code: row.values for row in rows}
    a, b, office = by_code[agency_a.code], by_code[agency_b.code], by_code[bureau.code]
    assert (a["repeat_petition"].numerator, a["repeat_petition"].denominator) == (1, 1)
    assert (a["timely_acceptance"].numerator, a["timely_acceptance"].denominator) == (1, 1)
    assert (b["timely_acceptance"].numerator, b["timely_acceptance"].denominator) == (0, 1)
    assert b["days_to_accept"].denominator == 1
    # A's: the overdue unreplied one and the bureau-held one A accepted, replied in May on time.
    assert (a["on_time_completion"].numerator, a["on_time_completion"].denominator) == (1, 2)
    assert (b["on_time_completion"].numerator, b["on_time_completion"].denominator) == (0, 1)
    assert (a["satisfaction"].numerator, a["satisfaction"].denominator) == (1, 1)
    assert (a["report_timeliness"].numerator, a["report_timeliness"].denominator) == (1, 1)
    assert (office["timely_routing"].numerator, office["timely_routing"].denominator) == (0, 1)
    assert (office["timely_review"].numerator, office["timely_review"].denominator) == (0, 1)
    assert (a["timely_rereview"].numerator, a["timely_rereview"].denominator) == (1, 1)


def _indexes() -> dict:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, CaseIndex._meta.db_table)
    return {name: c for name, c in constraints.items() if c["index"] and c["columns"]}


def test_every_column_the_prefilter_reads_leads_an_index(db):
    touches = kpis._touches_period(_index_kpis(), MAY)
    columns = {child.children[0][0].removesuffix("__gte") for child in touches.children}
    leading = {index["columns"][0] for index in _indexes().values()}
    assert columns <= leading


def test_the_covering_index_holds_every_column_the_kpi_aggregate_reads(db):
    sql = str(kpis._grouped(_index_kpis(), MAY).query)
    read = set(re.findall(rf'"{CaseIndex._meta.db_table}"\."(\w+)"', sql))
    assert "id" not in read  # COUNT(holder_id): the index need not hold the key
    assert read <= set(_indexes()["ovs_ci_kpi_cover"]["columns"])


def test_the_planner_settings_do_not_outlast_the_table(db):
    """Inside a caller's transaction SET LOCAL would last to its end: the table puts them back."""
    names = [name for name, _setting in kpis._PLANNER]

    def current(cursor):
        values = []
        for name in names:
            cursor.execute(f"SHOW {name}")
            values.append(cursor.fetchone()[0])
        return values

    with transaction.atomic(), connection.cursor() as cursor:
        before = current(cursor)
        kpis.kpi_table(MAY, today=TODAY)
        assert current(cursor) == before


def test_a_period_without_rows_gives_every_agency_undefined_figures(one_date_in_may, agency_a):
    """No group at all: the aggregate's arrays are NULL, and every agency is still listed."""
    _definitions, rows = kpis.kpi_table(Period.month(2020, 1), today=TODAY)
    assert agency_a.code in {row.agency_code for row in rows}
    for row in rows:
        for value in row.values.values():
            assert (value.denominator, value.value) == (0, None)


def test_a_rates_aggregate_tests_its_denominator_once_and_then_only_what_its_numerator_adds(db):
    """The numerator is the denominator and ``met`` (Kpi.numerator); the aggregate's inner CASE is
    reached only by the rows of the denominator, so it must test ``met`` alone: the whole numerator
    there tested every row's denominator twice. Read off the values the aggregate binds: the
    denominator's (the period's days, today) once, ``met``'s, and the packed sum's two."""
    rates = [kpi for kpi in _index_kpis() if kpi.is_rate]
    assert len(rates) >= 8
    for kpi in rates:
        assert kpi.numerator is not None and kpi.met is not None
        aggregate_sql, aggregate_params = kpis._grouped([kpi], MAY).query.sql_with_params()
        in_select = aggregate_params[: aggregate_sql.split(" FROM ", 1)[0].count("%s")]
        expected = [*_bound(kpi.denominator), *_bound(kpi.met), kpis._PACKED + 1, 1]
        assert sorted(map(str, in_select)) == sorted(map(str, expected)), kpi.key


def _bound(condition: Q) -> list:
    return list(CaseIndex.objects.filter(condition).query.sql_with_params()[1])
