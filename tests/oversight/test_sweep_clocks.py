"""The sweep over every declared clock on a hand-built set of cases around 2026's 春节 and 国庆: each
duty clock overdue once (routing, acceptance, handling, review, re-review, a supervision answer), both
petitioner windows run out, some deadlines due soon across the holidays; the right reminders, flags,
escalations and closes, once; the batched sweep equal to the per-case reference."""

import itertools
import uuid
from datetime import date, datetime, time

import pytest
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from cases.index.models import CaseIndex, ClockAlert
from cases.models import Case, CaseEvent, CaseState, EventKind
from cases.oversight import tasks
from cases.oversight.models import SupervisionItem, SupervisionKind
from cases.procedure import CLOCKS
from cases.services import Actor, _sync_index, sweep
from workdays.rules import is_working_day

_numbers = itertools.count(1)
AFTER_SPRING_FESTIVAL = date(2026, 2, 24)  # the first working day after 春节 (02-15 – 02-23)


def _moment(day: date) -> datetime:
    return datetime.combine(day, time(10), tzinfo=timezone.get_current_timezone())


def hand_case(holder, state: str, **dates) -> CaseIndex:
    """A case in ``holder``'s schema and its index row, written the way the services write it
    (``_sync_index``), with its clocks set by hand."""
    number = f"SWP-2026-{next(_numbers):06d}"
    with schema_context(holder.schema_name):
        case = Case.objects.create(
            tracking_number=number,
            filed_with=holder.code,
            petition_type="complaint",
            title=f"期限测试 {number}",
            body="测试",
            petitioner_name="测试人",
            state=state,
            submitted_at=_moment(date(2026, 1, 5)),
            received_at=_moment(date(2026, 1, 5)),
            **dates,
        )
    index = CaseIndex(
        case_uuid=case.pk,
        tracking_number=number,
        query_code_encrypted="x",
        holder=holder,
        filed_with=holder,
        petition_type="complaint",
        channel="online",
        title=case.title,
        petitioner_name="测试人",
        state=state,
        submitted_at=case.submitted_at,
    )
    index.save()
    _sync_index(index, case, holder)
    return index


def supervise(index: CaseIndex, answer_due: date) -> SupervisionItem:
    """A 督办单 issued by a person, not yet answered (its answer is the supervision clock)."""
    item = SupervisionItem.objects.create(
        kind=SupervisionKind.ORDER,
        agency_id=index.holder_id,
        cases=[{"uuid": str(index.case_uuid), "tracking_number": index.tracking_number}],
        message="请说明办理进度",
        answer_due=answer_due,
    )
    sweep.refresh_supervision_due([index.case_uuid])
    return item


@pytest.fixture
def the_set(bureau, agency_a, agency_b):
    d = date
    return {
        # Every duty clock overdue once, by different margins (sweep day 02-24):
        "routing": hand_case(bureau, CaseState.REGISTERED, routing_due=d(2026, 2, 13)),  # 11 days: order
        "acceptance": hand_case(agency_a, CaseState.SIGNED, acceptance_due=d(2026, 2, 19)),  # 5: 催办
        "handling": hand_case(agency_a, CaseState.ACCEPTED, handling_due=d(2026, 2, 23)),  # 1: flag
        "review": hand_case(agency_b, CaseState.REVIEW_REQUESTED, review_due=d(2026, 2, 12)),  # 12: order
        "rereview": hand_case(agency_b, CaseState.REREVIEW_REQUESTED, rereview_due=d(2026, 2, 20)),  # 4
        "supervision": hand_case(agency_b, CaseState.ACCEPTED, handling_due=d(2026, 4, 30)),
        # Both petitioner windows run out: the case closes.
        "review_window": hand_case(agency_a, CaseState.REPLIED, review_request_due=d(2026, 2, 23)),
        "rereview_window": hand_case(agency_b, CaseState.REVIEWED, rereview_request_due=d(2026, 2, 10)),
        # Due soon: 2 and 3 working days left → reminded; 5 left (02-28 is a make-up Saturday) → not yet.
        "soon_2": hand_case(agency_a, CaseState.ACCEPTED, handling_due=d(2026, 2, 26)),
        "soon_3": hand_case(agency_b, CaseState.RECEIVED, acceptance_due=d(2026, 2, 27)),
        "later": hand_case(agency_a, CaseState.ACCEPTED, handling_due=d(2026, 3, 2)),
        # A window still open and a finished case: nothing.
        "window_open": hand_case(agency_a, CaseState.REPLIED, review_request_due=d(2026, 3, 20)),
        "closed": hand_case(agency_a, CaseState.CLOSED, handling_due=d(2026, 1, 30)),
    }


@pytest.fixture
def with_supervision(the_set):
    supervise(the_set["supervision"], date(2026, 2, 13))  # its answer 11 days late: flagged only
    return the_set


@pytest.fixture
def notices(monkeypatch):
    sent = []
    import notifications.services

    monkeypatch.setattr(notifications.services, "enqueue_agency_notice", lambda **kwargs: sent.append(kwargs))
    return sent


def _sweep(day: date) -> dict:
    return tasks.sweep_deadlines(day.isoformat())


def _alerts(the_set) -> set[tuple[str, str, str]]:
    names = {row.case_uuid: name for name, row in the_set.items()}
    return {(names[u], clock, action) for u, clock, _due, action in sweep.alert_rows(list(names))}


def test_the_calendar_is_2026s(db):
    assert not is_working_day(date(2026, 2, 16)) and is_working_day(date(2026, 2, 28))
    assert not is_working_day(date(2026, 10, 7)) and is_working_day(date(2026, 10, 10))


def test_every_clock_is_declared_with_its_column_or_waits_for_it():
    declared = {c.name for c in CLOCKS}
    assert {
        "routing",
        "acceptance",
        "handling",
        "review",
        "rereview",
        "supervision",
        "assignment",
    } <= declared
    columns = {f.name for f in CaseIndex._meta.get_fields()}
    watched = {c.name for c in sweep.clocks()}
    assert watched == {c.name for c in CLOCKS if c.due_field in columns}
    assert {"routing", "acceptance", "handling", "review", "rereview", "supervision"} <= watched


def test_every_clock_overdue_once_gets_its_flag_escalation_or_close_once(with_supervision, notices):
    the_set = with_supervision
    result = _sweep(AFTER_SPRING_FESTIVAL)
    assert _alerts(the_set) == {
        ("routing", "routing", "overdue"),
        ("routing", "routing", "order"),
        ("acceptance", "acceptance", "overdue"),
        ("acceptance", "acceptance", "reminder"),
        ("handling", "handling", "overdue"),
        ("review", "review", "overdue"),
        ("review", "review", "order"),
        ("rereview", "rereview", "overdue"),
        ("rereview", "rereview", "reminder"),
        ("supervision", "supervision", "overdue"),
        ("review_window", "review_request", "closed"),
        ("rereview_window", "rereview_request", "closed"),
        ("soon_2", "handling", "reminded"),
        ("soon_3", "acceptance", "reminded"),
    }
    number = {name: row.tracking_number for name, row in the_set.items()}
    assert sorted(result["orders"]) == sorted([number["routing"], number["review"]])
    assert sorted(result["reminders"]) == sorted([number["acceptance"], number["rereview"]])
    assert sorted(result["closed"]) == sorted([number["review_window"], number["rereview_window"]])
    items = SupervisionItem.objects.exclude(auto_rule="")
    assert {(i.auto_rule, i.auto_case_uuid) for i in items} == {
        ("routing_overdue_10d", the_set["routing"].case_uuid),
        ("review_overdue_10d", the_set["review"].case_uuid),
        ("acceptance_overdue_3d", the_set["acceptance"].case_uuid),
        ("rereview_overdue_3d", the_set["rereview"].case_uuid),
    }
    for item in items:
        # Addressed to the agency that holds the case, on its timeline (hidden from the citizen).
        assert item.agency_id == CaseIndex.objects.get(case_uuid=item.auto_case_uuid).holder_id
        with schema_context(item.agency.schema_name):
            event = CaseEvent.objects.get(case_id=item.auto_case_uuid, kind=EventKind.SUPERVISION)
        assert event.changes["item"] == str(item.pk) and not event.visible_to_citizen
    for name in ("review_window", "rereview_window"):
        index = CaseIndex.objects.get(pk=the_set[name].pk)
        assert (index.state, index.is_open, index.sweep_next) == (CaseState.CLOSED, False, None)
    # Each agency hears of its own cases only (and the bureau of its routing).
    for notice in notices:
        if notice["kind"] != "deadline_alert":
            continue
        mine = {row.tracking_number for row in the_set.values() if row.holder_id == notice["agency_id"]}
        listed = {part.split()[0] for part in notice["n"].split("；")}
        assert listed and listed <= mine

    # Again the same day, and again after an interrupted batch would have been redone: nothing new.
    before = (ClockAlert.objects.count(), SupervisionItem.objects.count(), CaseEvent_count(the_set))
    again = _sweep(AFTER_SPRING_FESTIVAL)
    assert again == {"reminders": [], "orders": [], "closed": [], "skipped": []}
    assert (ClockAlert.objects.count(), SupervisionItem.objects.count(), CaseEvent_count(the_set)) == before


def CaseEvent_count(the_set) -> int:  # noqa: N802
    total = 0
    for row in the_set.values():
        with schema_context(row.holder.schema_name):
            total += CaseEvent.objects.filter(case_id=row.case_uuid).count()
    return total


def test_the_steady_state_reads_only_rows_with_work(with_supervision):
    the_set = with_supervision
    _sweep(AFTER_SPRING_FESTIVAL)
    planned = {i for _agency, ids in sweep.plan(date(2026, 2, 25)) for i in ids}
    # Flagged and escalated as far as they go, reminded, closed: none is read the next day.
    assert not planned & {row.pk for row in the_set.values()}
    # 02-26: "later" (due 03-02) has 3 working days left; it is reminded then, once.
    day = date(2026, 2, 26)
    planned = {i for _agency, ids in sweep.plan(day) for i in ids}
    assert the_set["later"].pk in planned
    _sweep(day)
    assert ("later", "handling", "reminded") in _alerts(the_set)
    # 03-01: ten days after the acceptance deadline of 02-19, the 催办 becomes a 督办单.
    result = _sweep(date(2026, 3, 1))
    assert the_set["acceptance"].tracking_number in result["orders"]


def test_reminders_count_working_days_across_the_holidays(bureau, agency_a, notices):
    # 02-13 (Fri) before 春节: 02-14 is a make-up working day, then nine days off.
    across = hand_case(agency_a, CaseState.ACCEPTED, handling_due=date(2026, 2, 25))  # 3 working days
    beyond = hand_case(agency_a, CaseState.ACCEPTED, handling_due=date(2026, 2, 26))  # 4
    _sweep(date(2026, 2, 13))
    assert sweep.alert_rows([across.case_uuid]) == {
        (across.case_uuid, "handling", date(2026, 2, 25), "reminded")
    }
    assert sweep.alert_rows([beyond.case_uuid]) == set()
    # 09-30 before 国庆 (10-01 – 10-07; 10-10 a make-up Saturday).
    national = hand_case(agency_a, CaseState.SIGNED, acceptance_due=date(2026, 10, 9))  # 2 working days
    after = hand_case(agency_a, CaseState.SIGNED, acceptance_due=date(2026, 10, 12))  # 4
    _sweep(date(2026, 9, 30))
    assert {a for *_x, a in sweep.alert_rows([national.case_uuid])} == {"reminded"}
    assert sweep.alert_rows([after.case_uuid]) == set()
    assert notices and all(n["agency_id"] == agency_a.pk for n in notices)


def test_a_clock_stops_when_the_case_moves_on(agency_a, handler_a):
    index = hand_case(agency_a, CaseState.SIGNED, acceptance_due=date(2026, 2, 19))
    with schema_context(agency_a.schema_name):
        case = Case.objects.get(pk=index.case_uuid)
        case.state, case.accepted_at = CaseState.ACCEPTED, _moment(date(2026, 2, 18))
        case.save()
    _sync_index(CaseIndex.objects.get(pk=index.pk), case, agency_a)
    _sweep(AFTER_SPRING_FESTIVAL)
    assert sweep.alert_rows([index.case_uuid]) == set()


def _snapshot(the_set) -> dict:
    uuids = [row.case_uuid for row in the_set.values()]
    items = SupervisionItem.objects.filter(auto_case_uuid__in=uuids)
    events = {}
    for row in the_set.values():
        with schema_context(row.holder.schema_name):
            events[row.case_uuid] = sorted(
                CaseEvent.objects.filter(case_id=row.case_uuid).values_list("kind", flat=True)
            )
    return {
        "alerts": sweep.alert_rows(uuids),
        "items": {(i.auto_rule, i.auto_case_uuid, i.kind, i.answer_due, i.agency_id) for i in items},
        "index": set(
            CaseIndex.objects.filter(case_uuid__in=uuids).values_list(
                "case_uuid", "state", "is_open", "supervision_due"
            )
        ),
        "events": events,
    }


class _Rollback(Exception):
    pass


DAYS = (date(2026, 2, 13), AFTER_SPRING_FESTIVAL, date(2026, 2, 26), date(2026, 3, 1), date(2026, 3, 3))


def test_the_batched_sweep_does_what_the_case_by_case_reference_does(with_supervision):
    the_set = with_supervision
    reference: list[dict] = []
    with pytest.raises(_Rollback), transaction.atomic():
        for day in DAYS:
            done = sweep.sweep_case_by_case(today=day)
            reference.append(
                {"result": {k: sorted(v) for k, v in done.items() if k != "alerts"}, **_snapshot(the_set)}
            )
        raise _Rollback
    assert not ClockAlert.objects.exists()
    for day, expected in zip(DAYS, reference, strict=True):
        done = _sweep(day)
        got = {"result": {k: sorted(v) for k, v in done.items()}, **_snapshot(the_set)}
        assert got == expected, day
    assert reference[1]["alerts"] and reference[-1]["items"]


def test_a_sweep_interrupted_midway_and_run_again_ends_identical(with_supervision, monkeypatch):
    the_set = with_supervision
    from cases.services import sweep as sweep_module

    with pytest.raises(_Rollback), transaction.atomic():
        _sweep(AFTER_SPRING_FESTIVAL)
        uninterrupted = _snapshot(the_set)
        raise _Rollback
    assert len(uninterrupted["alerts"]) == 14

    # The worker is lost in the second agency's batch, after its escalations and closes were written.
    original, calls = sweep_module._move_sweep_next, []

    def lost_in_the_second_batch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("worker lost")
        return original(*args, **kwargs)

    monkeypatch.setattr(sweep_module, "_move_sweep_next", lost_in_the_second_batch)
    with pytest.raises(RuntimeError):
        _sweep(AFTER_SPRING_FESTIVAL)
    half = _snapshot(the_set)
    assert 0 < len(half["alerts"]) < 14  # the first batch done, the second left nothing
    monkeypatch.setattr(sweep_module, "_move_sweep_next", original)
    _sweep(AFTER_SPRING_FESTIVAL)
    assert _snapshot(the_set) == uninterrupted


def test_an_answered_supervision_stops_its_clock(with_supervision, agency_b, handler_b):
    from cases.oversight.services import answer_supervision

    item = SupervisionItem.objects.get(auto_rule="")
    answer_supervision(actor=Actor.staff(handler_b, agency_b), item=item, text="已办理，正在答复。")
    assert CaseIndex.objects.get(pk=with_supervision["supervision"].pk).supervision_due is None
    _sweep(AFTER_SPRING_FESTIVAL)
    assert sweep.alert_rows([with_supervision["supervision"].case_uuid]) == set()


def test_another_agencys_staff_cannot_answer_the_supervision_the_sweep_raised(
    with_supervision, handler_a, agency_a
):
    from cases.oversight.services import answer_supervision
    from config.errors import NotFound

    _sweep(AFTER_SPRING_FESTIVAL)
    raised = SupervisionItem.objects.get(auto_rule="review_overdue_10d")  # addressed to agency_b
    with pytest.raises(NotFound):
        answer_supervision(actor=Actor.staff(handler_a, agency_a), item=raised, text="不是本单位的")
    assert uuid.UUID(str(raised.auto_case_uuid)) == with_supervision["review"].case_uuid


def test_a_batch_sets_the_search_path_only_when_it_changes_schema(with_supervision):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    batches = len(sweep.plan(AFTER_SPRING_FESTIVAL))
    with CaptureQueriesContext(connection) as queries:
        _sweep(AFTER_SPRING_FESTIVAL)
    sets = [q["sql"] for q in queries if q["sql"].startswith("SET search_path")]
    others = [q["sql"] for q in queries if not q["sql"].startswith("SET search_path")]
    # The task's switches to public, then per batch: public, the agency's schema, public again; not
    # one before every statement as django-tenants does by default.
    assert len(sets) <= 2 + 4 * batches
    assert 2 * len(sets) < len(others)
    # And the search path is the public one again afterwards.
    assert connection.schema_name == "public"
