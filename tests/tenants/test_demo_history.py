"""The demo city's replayed history (tenants.demo_history): a smaller city on the same code path, checked
for consistency with the case core, the deadline clocks, the audit chain and the KPI table."""

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django_tenants.utils import schema_context

from cases import services
from cases.audit import verify_case_chain
from cases.index.models import CaseIndex
from cases.models import Case, CaseEvent, CaseState
from cases.oversight.kpis import Period, kpi_table
from cases.oversight.models import SupervisionItem
from tenants import demo_history
from tenants.management.commands.serve_hall import Command as ServeHall
from tenants.models import Agency, DemoHistory

ENDS_AT = datetime(2026, 11, 30, 18, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
MIRRORED = (
    "state",
    "submitted_at",
    "received_at",
    "accepted_at",
    "acceptance_decided_at",
    "replied_at",
    "closed_at",
    "satisfaction",
    "report_status",
    "routing_due",
    "acceptance_due",
    "objection_due",
    "handling_due",
    "review_request_due",
    "review_due",
    "rereview_request_due",
    "rereview_due",
)


@pytest.fixture
def small_city(city):
    return demo_history.seed_history(petitions=60, days=200, ends_at=ENDS_AT)


def test_small_city_is_consistent_with_the_case_core(small_city):
    assert small_city.finished_at is not None
    assert small_city.steps_done == small_city.steps_total
    rows = list(CaseIndex.objects.select_related("holder"))
    assert len(rows) == 60
    states = {row.state for row in rows}
    assert {CaseState.CLOSED, CaseState.ACCEPTED} <= states
    assert len(states) >= 4

    # Every index row matches its case in the holder's schema: state, holder, dates, deadlines.
    by_schema: dict[str, list[CaseIndex]] = {}
    for row in rows:
        by_schema.setdefault(row.holder.schema_name, []).append(row)
    for schema, held in by_schema.items():
        with schema_context(schema):
            cases = Case.objects.in_bulk([row.case_uuid for row in held])
            for row in held:
                case = cases[row.case_uuid]
                for name in MIRRORED:
                    assert getattr(row, name) == getattr(case, name), (row.tracking_number, name)
                assert row.is_open == case.is_open
                assert case.submitted_at <= ENDS_AT
                events = list(CaseEvent.objects.filter(case=case).order_by("seq"))
                assert verify_case_chain(events) == []
                assert [e.at for e in events] == sorted(e.at for e in events), row.tracking_number
    # Nowhere else holds a live copy: other schemas keep only the transferred stub.
    for agency in Agency.objects.exclude(schema_name="public"):
        with schema_context(agency.schema_name):
            live = set(Case.objects.exclude(state=CaseState.TRANSFERRED).values_list("pk", flat=True))
        assert live == {row.case_uuid for row in by_schema.get(agency.schema_name, [])}

    # Every deadline still recomputes to the date stored (nothing moves, no event is added).
    for row in rows:
        assert services.recompute_deadlines(case_uuid=row.case_uuid) == {}, row.tracking_number

    # The audit command agrees.
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert "no tampering" in out.getvalue()

    # Citizens rated, some petitions are public, and the KPI table tells the agencies apart.
    assert CaseIndex.objects.exclude(satisfaction="").exists()
    assert CaseIndex.objects.filter(is_public=True).exists()
    start = ENDS_AT.date() - timedelta(days=200)
    _definitions, kpi_rows = kpi_table(Period(start, ENDS_AT.date()), today=ENDS_AT.date())
    counted = [row for row in kpi_rows if row.values["timely_acceptance"].denominator]
    assert len(counted) >= 5
    for key in ("timely_acceptance", "days_to_reply"):
        values = {row.values[key].value for row in kpi_rows if row.values[key].value is not None}
        assert len(values) >= 2, key


def test_seeding_twice_resumes_and_never_doubles(city):
    partial = demo_history.seed_history(petitions=8, days=40, ends_at=ENDS_AT, max_steps=12)
    assert partial.finished_at is None
    assert partial.steps_done == 12
    assert demo_history.progress_percent() == partial.steps_done * 100 // partial.steps_total
    first = CaseIndex.objects.count()
    assert 0 < first <= 8

    done = demo_history.seed_history(petitions=8, days=40, ends_at=ENDS_AT)  # resumes at step 13
    assert done.finished_at is not None
    assert demo_history.progress_percent() is None
    counts = (CaseIndex.objects.count(), SupervisionItem.objects.count(), DemoHistory.objects.count())
    assert counts[0] == 8

    again = demo_history.seed_history(petitions=8, days=40, ends_at=ENDS_AT)
    assert again.pk == done.pk and again.steps_done == done.steps_done
    assert (CaseIndex.objects.count(), SupervisionItem.objects.count(), DemoHistory.objects.count()) == counts


def test_the_plan_is_the_same_city_every_time(db):
    first = demo_history.plan(seed=1, petitions=30, ends_at=ENDS_AT, days=120)
    second = demo_history.plan(seed=1, petitions=30, ends_at=ENDS_AT, days=120)
    assert [(s.at, s.petition, s.kind, s.args) for s in first] == [
        (s.at, s.petition, s.kind, s.args) for s in second
    ]
    assert all(s.at <= ENDS_AT for s in first)
    assert first == sorted(first)


def test_empty_flag_and_env_skip_the_history(city, settings):
    out = io.StringIO()
    assert demo_history.start_for_serve(out, empty=True) is None
    settings.HALL_DEMO_HISTORY = False
    assert demo_history.start_for_serve(out) is None
    assert not DemoHistory.objects.exists()
    assert out.getvalue() == ""
    assert ServeHall().create_parser("manage.py", "serve_hall").parse_args(["--empty"]).empty is True


def test_a_finished_history_is_not_started_again(city):
    DemoHistory.objects.create(seed=1, petitions=1, ends_at=ENDS_AT, finished_at=ENDS_AT)
    assert demo_history.start_for_serve(io.StringIO()) is None


def test_portal_home_shows_the_seeding_progress_until_it_is_done(portal_client, monkeypatch):
    from tenants import context_processors

    monkeypatch.setattr(context_processors, "_history", context_processors._HistoryProgress())
    assert "演示数据生成中" not in portal_client.get("/").content.decode()  # no history at all

    marker = DemoHistory.objects.create(seed=1, petitions=10, ends_at=ENDS_AT, steps_total=200, steps_done=50)
    context_processors._history.read_at = 0.0
    page = portal_client.get("/").content.decode()
    assert "演示数据生成中 25%" in page

    DemoHistory.objects.filter(pk=marker.pk).update(steps_done=200, finished_at=ENDS_AT)
    context_processors._history.read_at = 0.0
    assert "演示数据生成中" not in portal_client.get("/").content.decode()
