"""The daily deadline sweep: automatic reminders and orders on overdue handling, once per case and rule,
and closing cases whose petitioner's window for review has run out."""

from datetime import timedelta

import pytest
from django_tenants.utils import schema_context

from cases import services
from cases.index.models import CaseIndex
from cases.models import CaseEvent, CaseState, EventKind
from cases.oversight import tasks
from cases.oversight.models import SupervisionItem, SupervisionKind
from tests.oversight.conftest import load_case, staff
from workdays.rules import add_working_days


@pytest.fixture
def handling_due(accepted_a):
    return CaseIndex.objects.get(case_uuid=accepted_a.case_uuid).handling_due


def _sweep(day):
    # The Celery task, called as the worker would (tasks run eagerly in tests; see settings).
    return tasks.sweep_deadlines(day.isoformat())


def test_reminder_at_three_days_then_order_at_ten_each_once(accepted_a, handling_due, agency_a):
    assert _sweep(handling_due + timedelta(days=2)) == {
        "reminders": [],
        "orders": [],
        "closed": [],
        "skipped": [],
    }
    assert not SupervisionItem.objects.exists()

    day = handling_due + timedelta(days=3)
    assert _sweep(day)["reminders"] == [accepted_a.tracking_number]
    reminder = SupervisionItem.objects.get()
    assert (reminder.kind, reminder.agency, reminder.auto_rule, reminder.issued_by) == (
        SupervisionKind.REMINDER,
        agency_a,
        "handling_overdue_3d",
        None,
    )
    assert reminder.answer_due == add_working_days(day, 3)
    assert reminder.tracking_numbers == [accepted_a.tracking_number]
    # Running again (the same day, or days later before the 10th) raises nothing new.
    assert _sweep(day)["reminders"] == []
    assert _sweep(handling_due + timedelta(days=9))["reminders"] == []
    assert SupervisionItem.objects.count() == 1

    day = handling_due + timedelta(days=10)
    assert _sweep(day)["orders"] == [accepted_a.tracking_number]
    assert _sweep(day + timedelta(days=5)) == {"reminders": [], "orders": [], "closed": [], "skipped": []}
    order = SupervisionItem.objects.get(kind=SupervisionKind.ORDER)
    assert order.auto_rule == "handling_overdue_10d" and order.answer_due == add_working_days(day, 5)

    with schema_context(agency_a.schema_name):
        events = CaseEvent.objects.filter(case_id=accepted_a.case_uuid, kind=EventKind.SUPERVISION)
        assert events.count() == 2
    # The sweep never changes the case itself.
    assert load_case(accepted_a.case_uuid).state == CaseState.ACCEPTED


def test_a_case_first_seen_ten_days_late_gets_the_order_only(accepted_a, handling_due):
    result = _sweep(handling_due + timedelta(days=12))
    assert result["orders"] == [accepted_a.tracking_number] and result["reminders"] == []


def test_replied_cases_are_not_chased(accepted_a, handling_due, handler_a, agency_a):
    services.reply_case(
        case_uuid=accepted_a.case_uuid,
        actor=staff(handler_a, agency_a),
        opinion="explain",
        text="经调查核实，已向信访人作出解释说明。",
    )
    assert _sweep(handling_due + timedelta(days=20))["orders"] == []
    assert not SupervisionItem.objects.exists()


def test_closes_a_replied_case_once_the_review_window_has_passed(accepted_a, handler_a, agency_a, received_b):
    services.reply_case(
        case_uuid=accepted_a.case_uuid,
        actor=staff(handler_a, agency_a),
        opinion="support",
        text="经调查核实，已责令物业公司整改退费。",
    )
    window = CaseIndex.objects.get(case_uuid=accepted_a.case_uuid).review_request_due
    assert _sweep(window)["closed"] == []  # the last day of the window is still the petitioner's
    assert load_case(accepted_a.case_uuid).state == CaseState.REPLIED

    assert _sweep(window + timedelta(days=1))["closed"] == [accepted_a.tracking_number]
    index = CaseIndex.objects.get(case_uuid=accepted_a.case_uuid)
    assert index.state == CaseState.CLOSED and not index.is_open and index.closed_at is not None
    assert load_case(accepted_a.case_uuid).state == CaseState.CLOSED
    with schema_context(agency_a.schema_name):
        closing = CaseEvent.objects.filter(case_id=accepted_a.case_uuid).order_by("-seq").first()
    assert closing.kind == EventKind.CLOSED and closing.actor_uuid is None and closing.actor_name == "system"
    # Idempotent: nothing more to close; the other (received) case is untouched.
    assert _sweep(window + timedelta(days=2))["closed"] == []
    assert CaseIndex.objects.get(case_uuid=received_b.case_uuid).state == CaseState.RECEIVED


def test_the_sweep_is_scheduled_daily():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["sweep-deadlines-daily"]
    assert entry["task"] == tasks.sweep_deadlines.name


def test_the_beat_sweep_reads_the_hall_clock(accepted_a, handling_due):
    """Celery beat calls the task without a day: it takes today from config.clock (frozen here)."""
    import time_machine

    from tests.oversight.conftest import local

    with time_machine.travel(local(handling_due + timedelta(days=2), 23), tick=False):
        assert tasks.sweep_deadlines()["reminders"] == []
    # 00:30 local three days after the deadline is still the day before in UTC: the local day counts.
    with time_machine.travel(local(handling_due + timedelta(days=3), 0).replace(minute=30), tick=False):
        assert tasks.sweep_deadlines()["reminders"] == [accepted_a.tracking_number]
