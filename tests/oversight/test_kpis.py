"""Each KPI on a hand-built data set; every expected figure is worked out in the comments.

Period: March 2026 (local days 2026-03-01 … 2026-03-31, Asia/Shanghai); today = 2026-04-15 unless said.
Rows default to submitted 2026-02-01 (outside the period) so that each counts only where it is meant to.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.oversight import kpis
from cases.oversight.kpis import Period
from tests.oversight.conftest import local, make_index

MARCH = Period.month(2026, 3)
TODAY = date(2026, 4, 15)
FEB = local(date(2026, 2, 1))


@pytest.fixture
def data(agency_a, agency_b, bureau):
    A, B = agency_a, agency_b

    def row(holder, **fields):
        fields.setdefault("submitted_at", FEB)
        return make_index(holder, **fields)

    # --- acceptance (A): due in March → a1..a4; a5 is due in April.
    received = local(date(2026, 3, 1), 10)
    row(
        A,
        acceptance_due=date(2026, 3, 10),
        acceptance_decided_at=local(date(2026, 3, 9), 10),
        received_at=received,
    )
    # decided at 23:30 local on the last day: on time (a deadline ends at 24:00 local, 15:30 UTC).
    row(
        A,
        acceptance_due=date(2026, 3, 10),
        acceptance_decided_at=local(date(2026, 3, 10), 23).replace(minute=30),
        received_at=received,
    )
    # decided at 01:00 local the day after: late, although it is still the due date in UTC.
    row(
        A,
        acceptance_due=date(2026, 3, 12),
        acceptance_decided_at=local(date(2026, 3, 13), 1),
        received_at=received,
    )
    row(A, acceptance_due=date(2026, 3, 20))  # undecided and past due on 04-15: late
    row(
        A,
        acceptance_due=date(2026, 4, 2),
        acceptance_decided_at=local(date(2026, 4, 1)),
        received_at=received,
    )
    # --- acceptance (B): both due on the period's last day.
    row(B, acceptance_due=date(2026, 3, 31))  # undecided: late on 04-15, not yet late on 03-25
    row(B, acceptance_due=date(2026, 3, 31), acceptance_decided_at=local(date(2026, 3, 31)))

    # --- handling (A). c4 is held by the bureau now, but A accepted it: it counts for A.
    row(
        A,
        accepted_at=local(date(2026, 1, 10)),
        handling_due=date(2026, 3, 10),
        replied_at=local(date(2026, 3, 8)),
        satisfaction="satisfied",
    )  # c1 on time
    row(
        A,
        accepted_at=local(date(2026, 1, 15)),
        handling_due=date(2026, 3, 16),
        replied_at=local(date(2026, 3, 17)),
        satisfaction="unsatisfied",
    )  # c2 late
    row(A, accepted_at=local(date(2026, 1, 20)), handling_due=date(2026, 3, 21))  # c3 unreplied, late
    row(
        bureau,
        accepting_agency=A,
        accepted_at=local(date(2026, 2, 20)),
        handling_due=date(2026, 4, 21),
        replied_at=local(date(2026, 3, 25)),
        satisfaction="basically",
    )  # c4 replied in March, on time
    row(
        A,
        accepted_at=local(date(2026, 1, 1)),
        handling_due=date(2026, 2, 28),
        replied_at=local(date(2026, 3, 2)),
    )  # c5 due in Feb, replied (late) in March, not evaluated
    row(A, accepted_at=local(date(2026, 3, 1)), handling_due=date(2026, 4, 30))  # c6: not in March's cohort
    # --- handling (B)
    row(
        B,
        accepted_at=local(date(2026, 2, 1)),
        handling_due=date(2026, 3, 15),
        replied_at=local(date(2026, 3, 14)),
    )  # b3 on time, not evaluated

    # --- repeat petitions (A): r1..r3 submitted in March (r3 at 23:00 on 03-31 local), r3 linked.
    import uuid

    row(A, submitted_at=local(date(2026, 3, 5)))
    row(A, submitted_at=local(date(2026, 3, 6)))
    row(A, submitted_at=local(date(2026, 3, 31), 23), linked_to=uuid.uuid4(), state="linked", is_open=False)
    row(A, submitted_at=local(date(2026, 4, 1), 0), linked_to=uuid.uuid4(), state="linked")  # April
    row(A, submitted_at=local(date(2026, 2, 28), 23), linked_to=uuid.uuid4(), state="linked")  # February
    return A, B


def _table(today=TODAY):
    _definitions, rows = kpis.kpi_table(MARCH, today=today)
    return {row.agency_code: row for row in rows}


def test_timely_acceptance_rate(data):
    A, B = data
    rows = _table()
    # A: denominator a1, a2, a3, a4 (due in March; a4 undecided but past due) = 4; a5 is due in April.
    #    numerator a1 (03-09 ≤ 03-10), a2 (03-10 23:30 local ≤ 03-10) = 2; a3 decided 03-13 local > 03-12.
    #    2 / 4 = 50.0 %
    value = rows[A.code].values["timely_acceptance"]
    assert (value.numerator, value.denominator, value.value) == (2, 4, Decimal("50.0"))
    # B: both due 03-31: one decided on the day (on time), one undecided and late by 04-15: 1 / 2 = 50.0 %
    value = rows[B.code].values["timely_acceptance"]
    assert (value.numerator, value.denominator, value.value) == (1, 2, Decimal("50.0"))


def test_timely_acceptance_leaves_out_cases_not_yet_due(data):
    A, B = data
    rows = _table(today=date(2026, 3, 25))
    # On 03-25 B's undecided case (due 03-31) is not late yet: 1 / 1 = 100.0 %.
    value = rows[B.code].values["timely_acceptance"]
    assert (value.numerator, value.denominator, value.value) == (1, 1, Decimal("100.0"))
    # A's undecided a4 was due 03-20 < 03-25: still counted, 2 / 4.
    assert rows[A.code].values["timely_acceptance"].denominator == 4


def test_on_time_completion_rate(data):
    A, B = data
    rows = _table()
    # A: cohort c1 (due 03-10), c2 (due 03-16), c3 (due 03-21, unreplied, late), c4 (replied 03-25, counted
    #    for A as the accepting agency), c5 (replied 03-02) = 5; c6 is due 04-30 and unreplied: not in it.
    #    on time: c1 (03-08 ≤ 03-10), c4 (03-25 ≤ 04-21) = 2.  2 / 5 = 40.0 %
    value = rows[A.code].values["on_time_completion"]
    assert (value.numerator, value.denominator, value.value) == (2, 5, Decimal("40.0"))
    # B: b3 replied 03-14 ≤ 03-15: 1 / 1 = 100.0 %
    assert rows[B.code].values["on_time_completion"].value == Decimal("100.0")


def test_accepting_agency_not_holder_gets_the_case(data, bureau):
    rows = _table()
    # c4 is held by the bureau but accepted by A: the bureau has no handling cohort at all.
    assert rows[bureau.code].values["on_time_completion"].denominator == 0
    assert rows[bureau.code].values["on_time_completion"].value is None


def test_participation_rate(data):
    A, B = data
    rows = _table()
    # A: replied in March c1, c2, c4, c5 = 4; evaluated c1, c2, c4 = 3.  3 / 4 = 75.0 %
    value = rows[A.code].values["participation"]
    assert (value.numerator, value.denominator, value.value) == (3, 4, Decimal("75.0"))
    # B: b3 replied, not evaluated: 0 / 1 = 0.0 %
    assert rows[B.code].values["participation"].value == Decimal("0.0")


def test_satisfaction_rate(data):
    A, B = data
    rows = _table()
    # A: evaluated c1 satisfied, c2 unsatisfied, c4 basically: (1 + 1) / 3 = 66.666… → 66.7 %
    value = rows[A.code].values["satisfaction"]
    assert (value.numerator, value.denominator, value.value) == (2, 3, Decimal("66.7"))
    # B: nothing evaluated: undefined
    assert rows[B.code].values["satisfaction"].value is None


def test_repeat_petition_rate(data):
    A, B = data
    rows = _table()
    # A: submitted in March r1, r2, r3 (03-31 23:00 local) = 3; linked r3 = 1 (April's and February's
    #    linked rows are outside).  1 / 3 = 33.333… → 33.3 %
    value = rows[A.code].values["repeat_petition"]
    assert (value.numerator, value.denominator, value.value) == (1, 3, Decimal("33.3"))
    assert rows[B.code].values["repeat_petition"].value is None


def test_average_days_to_accept(data):
    A, B = data
    rows = _table()
    # A: decided in March a1, a2, a3, all received 03-01 10:00:
    #    a1 03-09 10:00 → 8 days; a2 03-10 23:30 → 9 d 13.5 h = 9.5625; a3 03-13 01:00 → 11 d 15 h = 11.625
    #    mean = (8 + 9.5625 + 11.625) / 3 = 29.1875 / 3 = 9.729… → 9.7 days (a5, decided 04-01, is outside)
    value = rows[A.code].values["days_to_accept"]
    assert (value.denominator, value.value) == (3, Decimal("9.7"))
    # B's decided case has no received_at: no average.
    assert rows[B.code].values["days_to_accept"].value is None


def test_average_days_to_reply(data):
    A, B = data
    rows = _table()
    # A: replied in March (10:00 to 10:00, whole days):
    #    c1 01-10 → 03-08 = 21 + 28 + 8 = 57; c2 01-15 → 03-17 = 16 + 28 + 17 = 61;
    #    c4 02-20 → 03-25 = 8 + 25 = 33;      c5 01-01 → 03-02 = 30 + 28 + 2 = 60
    #    mean = 211 / 4 = 52.75 → 52.8 days (half up)
    value = rows[A.code].values["days_to_reply"]
    assert (value.denominator, value.value) == (4, Decimal("52.8"))
    # B: b3 02-01 → 03-14 = 27 + 14 = 41 days
    assert rows[B.code].values["days_to_reply"].value == Decimal("41.0")


def test_ranking_orders_best_first_and_undefined_last(data):
    A, B = data
    _definitions, rows = kpis.ranking(MARCH, sort="on_time_completion", today=TODAY)
    assert [r.agency_code for r in rows[:2]] == [B.code, A.code]  # 100.0 then 40.0
    assert [r.rank for r in rows[:2]] == [1, 2]
    assert all(r.rank is None for r in rows[2:])
    # Lower is better for days: A (52.8) ranks behind B (41.0).
    _definitions, rows = kpis.ranking(MARCH, sort="days_to_reply", today=TODAY)
    assert [r.agency_code for r in rows[:2]] == [B.code, A.code]


def test_whole_table_is_one_aggregate_query(data):
    with CaptureQueriesContext(connection) as queries:
        kpis.kpi_table(MARCH, today=TODAY)
    statements = [q["sql"] for q in queries]
    # The reads of tables (the planner's settings are read and set by SELECTs without a FROM).
    reads = [
        sql for sql in statements if sql.lstrip().upper().startswith(("SELECT", "WITH")) and " FROM " in sql
    ]
    # One statement, whatever the number of agencies: the aggregate over the index, folded by agency
    # and joined to the list of agencies. Before it one statement sets every planner setting for the
    # transaction (set_config(..., true): SET LOCAL); inside a caller's transaction, as here, one more
    # reads them first and one puts them back after.
    assert len(reads) == 1
    assert "GROUP BY" in reads[0] and "caseindex_caseindex" in reads[0] and "tenants_agency" in reads[0]
    aggregate = statements.index(reads[0])
    before = [sql for sql in statements[:aggregate] if "set_config" in sql]
    assert len(before) == 1
    assert all(f"set_config('{name}', '{value}', true)" in before[0] for name, value in kpis._PLANNER)
    assert len([sql for sql in statements if "set_config" in sql]) == 2
