"""SweepAgenda, the index of ``sweep_next`` the sweep plans from: PostgreSQL keeps it from every write
of CaseIndex (triggers, migration caseindex 0010), and moving ``sweep_next`` is a HOT update of
CaseIndex (no new entry in any of its indexes, so no dead ones for the same-day re-run to visit)."""

from datetime import date

from django.db import connection

from cases.index.models import CaseIndex, SweepAgenda
from cases.models import CaseState
from cases.services import sweep
from tests.oversight.test_sweep_clocks import _sweep, hand_case


def _agenda(index: CaseIndex):
    return SweepAgenda.objects.filter(index_id=index.pk).values_list("holder_id", "sweep_next").first()


def test_the_agenda_follows_every_write_of_the_index(agency_a, agency_b):
    index = hand_case(agency_a, CaseState.ACCEPTED, handling_due=date(2026, 3, 2))
    assert _agenda(index) == (agency_a.pk, date(2026, 2, 26))  # the reminder day: 3 working days left
    rows = CaseIndex.objects.filter(pk=index.pk)
    rows.update(sweep_next=date(2026, 3, 3), holder=agency_b)
    assert _agenda(index) == (agency_b.pk, date(2026, 3, 3))
    rows.update(sweep_next=None)
    assert _agenda(index) is None
    rows.update(sweep_next=date(2026, 3, 3))
    assert _agenda(index) == (agency_b.pk, date(2026, 3, 3))
    rows.update(is_open=False)
    assert _agenda(index) is None
    rows.update(is_open=True)
    other = hand_case(agency_a, CaseState.ACCEPTED, handling_due=date(2026, 4, 30))
    rows.delete()
    assert _agenda(index) is None and _agenda(other) is not None
    # And the plan reads it: only the rows whose day came.
    assert sweep.plan(date(2026, 4, 27)) == [(agency_a.pk, [other.pk])]
    assert sweep.plan(date(2026, 4, 1)) == []


def _updates() -> tuple[int, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relid = %s::regclass",
            [CaseIndex._meta.db_table],
        )
        return cursor.fetchone()


def test_moving_sweep_next_is_a_hot_update_of_the_index(bureau, agency_a, agency_b):
    reminded = hand_case(agency_a, CaseState.ACCEPTED, handling_due=date(2026, 2, 26))
    flagged = hand_case(agency_b, CaseState.ACCEPTED, handling_due=date(2026, 2, 20))  # 4 days: 催办
    before = _updates()
    _sweep(date(2026, 2, 24))
    assert {a for _u, _c, _d, a in sweep.alert_rows([reminded.case_uuid, flagged.case_uuid])} == {
        "reminded",
        "overdue",
        "reminder",
    }
    updated, hot = (after - was for after, was in zip(_updates(), before, strict=True))
    # Each row written once (sweep_next, and supervision_due with the 催办), in place.
    assert updated == 2 and hot == 2
    assert _agenda(reminded) == (agency_a.pk, date(2026, 2, 27))
    flagged.refresh_from_db()
    assert flagged.supervision_due is not None and _agenda(flagged)[1] == flagged.sweep_next


def test_the_index_leaves_room_for_hot_updates_and_the_agenda_is_vacuumed_soon(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reloptions FROM pg_class WHERE relname = ANY(%s)",
            [[CaseIndex._meta.db_table, SweepAgenda._meta.db_table]],
        )
        options = dict(cursor.fetchall())
    assert "fillfactor=90" in options[CaseIndex._meta.db_table]
    assert "autovacuum_vacuum_scale_factor=0" in options[SweepAgenda._meta.db_table]


def test_the_plan_reads_only_columns_the_agendas_day_index_carries(db):
    """So that PostgreSQL can answer the plan from the index alone (an index-only scan once autovacuum
    has marked the pages; measured at scale by benchmarks/sweep.py)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT array_agg(a.attname::text) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
            " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)"
            " WHERE c.relname = 'sweep_agenda_day'"
        )
        (indexed,) = cursor.fetchone()
    sql, _params = sweep.plan_query(date(2026, 6, 15)).query.sql_with_params()
    read = {name for name in ("index_id", "holder_id", "sweep_next") if f'"{name}"' in sql}
    assert read == {"index_id", "holder_id", "sweep_next"}
    assert set(indexed) == read
