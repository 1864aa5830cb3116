"""The legal clocks on real 2026 dates, worked by hand (calendar: shared/calendar/cn-2026.json).

2026 facts used: 1 Jan is a Thursday; 中秋 25–27 Sep and 国庆 1–7 Oct are holidays; 10 Oct (Sat) and
28 Feb (Sat) are make-up working days; 春节 runs 15–23 Feb.
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from cases import clocks, services
from cases.index.models import CaseIndex
from tests.cases.conftest import load_case, staff

CST = ZoneInfo("Asia/Shanghai")


def at(y, m, d, hh=10, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=CST)


def test_routing_period_ending_in_national_day_rolls_to_the_first_working_day(db):
    # 22 Sep + 15 days = 7 Oct, a holiday; the holiday ends 7 Oct, so 8 Oct (Thursday).
    assert clocks.routing_due(at(2026, 9, 22)) == date(2026, 10, 8)
    assert clocks.acceptance_due(at(2026, 9, 22)) == date(2026, 10, 8)


def test_period_ending_on_a_make_up_saturday_does_not_roll(db):
    # 13 Feb (Fri) + 15 days = 28 Feb, a Saturday that is a make-up working day.
    assert clocks.acceptance_due(at(2026, 2, 13)) == date(2026, 2, 28)


def test_period_ending_in_the_spring_festival(db):
    # 20 Jan + 30 days = 19 Feb, inside 春节 (15–23 Feb); 24 Feb is a Tuesday.
    assert clocks.review_request_due(at(2026, 1, 20)) == date(2026, 2, 24)


def test_objection_counts_working_days_across_mid_autumn(db):
    # From 22 Sep: 23 (1), 24 (2), 25–27 中秋 skipped, 28 (3), 29 (4), 30 (5).
    assert clocks.objection_due(at(2026, 9, 22)) == date(2026, 9, 30)


def test_objection_counts_the_make_up_saturday(db):
    # From 30 Sep: 1–7 Oct holiday; 8 (1), 9 (2), 10 Sat make-up (3), 12 (4), 13 (5).
    assert clocks.objection_due(at(2026, 9, 30)) == date(2026, 10, 13)


def test_the_starting_day_is_the_local_date_not_utc(db):
    # 00:30 on 10 Oct in Shanghai is still 9 Oct in UTC. Counting from 10 Oct (Sat, make-up):
    # 12 (1), 13 (2), 14 (3), 15 (4), 16 (5); from 9 Oct it would end on 15 Oct.
    moment = datetime(2026, 10, 9, 16, 30, tzinfo=ZoneInfo("UTC"))
    assert clocks.objection_due(moment) == date(2026, 10, 16)


def test_handling_period_and_its_extension(db):
    # 22 Sep + 60 days = 21 Nov (Saturday) → Monday 23 Nov.
    assert clocks.handling_due(at(2026, 9, 22)) == date(2026, 11, 23)
    # Extended by 30: 22 Sep + 90 days = 21 Dec (Monday), counted from acceptance, not from 23 Nov.
    assert clocks.handling_due(at(2026, 9, 22), 30) == date(2026, 12, 21)


def test_review_and_rereview_periods(db):
    # 2 Nov + 30 days = 2 Dec (Wednesday).
    assert clocks.review_due(at(2026, 11, 2)) == date(2026, 12, 2)
    assert clocks.rereview_request_due(at(2026, 11, 2)) == date(2026, 12, 2)
    assert clocks.rereview_due(at(2026, 11, 2)) == date(2026, 12, 2)


@pytest.fixture
def frozen():
    """Stop the hall's clock (config.clock) at a moment: frozen(datetime). Each call moves it again."""
    travellers = []

    def set_now(moment):
        if travellers:
            travellers.pop().stop()
        traveller = time_machine.travel(moment, tick=False)
        traveller.start()
        travellers.append(traveller)

    yield set_now
    for traveller in travellers:
        traveller.stop()


def test_deadlines_set_by_the_services_follow_the_events(
    frozen, file_petition, clerk, bureau, handler_a, leader_a, agency_a
):
    frozen(at(2026, 9, 22))
    result = file_petition()
    assert CaseIndex.objects.get(case_uuid=result.case_uuid).routing_due == date(2026, 10, 8)
    frozen(at(2026, 9, 30, 9))
    services.forward_case(case_uuid=result.case_uuid, actor=staff(clerk, bureau), target=agency_a)
    index = CaseIndex.objects.get(case_uuid=result.case_uuid)
    # received 30 Sep: 15 days → 15 Oct (Thu); objection 5 working days → 13 Oct
    assert (index.acceptance_due, index.objection_due) == (date(2026, 10, 15), date(2026, 10, 13))
    assert index.next_due == date(2026, 10, 15) and index.next_due_kind == "acceptance"
    frozen(at(2026, 10, 9, 15))
    services.accept_case(case_uuid=result.case_uuid, actor=staff(handler_a, agency_a))
    # 9 Oct + 60 days = 8 Dec (Tuesday)
    assert load_case(result.case_uuid).handling_due == date(2026, 12, 8)
    services.request_extension(
        case_uuid=result.case_uuid, actor=staff(handler_a, agency_a), days=30, reason="需要专业机构鉴定"
    )
    services.decide_extension(case_uuid=result.case_uuid, actor=staff(leader_a, agency_a), approve=True)
    # 9 Oct + 90 days = 7 Jan 2027 (Thursday)
    case = load_case(result.case_uuid)
    assert case.handling_due == date(2027, 1, 7)
    assert CaseIndex.objects.get(case_uuid=result.case_uuid).extended


def test_deadline_statuses_on_a_case(frozen, file_petition, clerk, bureau, agency_a, handler_a):
    frozen(at(2026, 9, 22))
    result = file_petition()
    case = load_case(result.case_uuid)
    by_kind = {d.kind: d for d in clocks.case_deadlines(case, today=date(2026, 9, 23))}
    assert by_kind["routing"].status == "running" and by_kind["routing"].days_left == 15
    by_kind = {d.kind: d for d in clocks.case_deadlines(case, today=date(2026, 10, 6))}
    assert by_kind["routing"].status == "due_soon"
    by_kind = {d.kind: d for d in clocks.case_deadlines(case, today=date(2026, 10, 9))}
    assert by_kind["routing"].status == "overdue"
    frozen(at(2026, 10, 9, 11))
    services.forward_case(case_uuid=result.case_uuid, actor=staff(clerk, bureau), target=agency_a)
    case = load_case(result.case_uuid)
    by_kind = {d.kind: d for d in clocks.case_deadlines(case, today=date(2026, 10, 10))}
    assert by_kind["routing"].status == "met_late"
    # the objection window closes unused without anyone being late
    by_kind = {d.kind: d for d in clocks.case_deadlines(case, today=date(2026, 10, 30))}
    assert by_kind["objection"].status is None and by_kind["objection"].is_window
    assert by_kind["acceptance"].status == "overdue"


def test_holiday_edit_moves_new_deadlines(db):
    from workdays.models import CalendarDay

    # Declare 8 Oct a holiday too: 22 Sep + 15 → 7 Oct (holiday) → first working day is now 9 Oct.
    CalendarDay.objects.create(date=date(2026, 10, 8), kind="holiday", name="测试补充假日")
    assert clocks.routing_due(at(2026, 9, 22)) == date(2026, 10, 9)
    assert clocks.routing_due(at(2026, 9, 22)) - timedelta(days=1) == date(2026, 10, 8)


def test_a_calendar_edit_moves_the_running_deadlines_of_open_cases(
    frozen, file_petition, clerk, bureau, handler_a, agency_a, django_capture_on_commit_callbacks
):
    from cases.models import CaseEvent
    from tests.cases.conftest import in_schema
    from workdays.services import add_calendar_day

    frozen(at(2026, 9, 22))
    result = file_petition()
    services.forward_case(case_uuid=result.case_uuid, actor=staff(clerk, bureau), target=agency_a)
    services.accept_case(case_uuid=result.case_uuid, actor=staff(handler_a, agency_a))
    assert load_case(result.case_uuid).handling_due == date(2026, 11, 23)  # 22 Sep + 60 → Sat 21 Nov → Mon
    # The city declares Monday 23 Nov a holiday: the period now ends on Tuesday 24 Nov.
    with django_capture_on_commit_callbacks(execute=True):
        add_calendar_day(day=date(2026, 11, 23), kind="holiday", name="临时调整", acting_user=clerk)
    case = load_case(result.case_uuid)
    assert case.handling_due == date(2026, 11, 24)
    assert CaseIndex.objects.get(case_uuid=result.case_uuid).handling_due == date(2026, 11, 24)
    last = in_schema(agency_a, CaseEvent, case_id=result.case_uuid)[-1]
    assert last.kind == "deadlines_recalculated" and "2026-11-23 → 2026-11-24" in last.message
    # Nothing moves a second time, and closed cases are left alone.
    assert services.recompute_deadlines(case_uuid=result.case_uuid) == {}


def test_recompute_keeps_an_approved_extension(
    frozen, file_petition, clerk, bureau, handler_a, leader_a, agency_a
):
    from workdays.models import CalendarDay

    frozen(at(2026, 9, 22))
    result = file_petition()
    services.forward_case(case_uuid=result.case_uuid, actor=staff(clerk, bureau), target=agency_a)
    services.accept_case(case_uuid=result.case_uuid, actor=staff(handler_a, agency_a))
    services.request_extension(
        case_uuid=result.case_uuid, actor=staff(handler_a, agency_a), days=30, reason="需鉴定"
    )
    services.decide_extension(case_uuid=result.case_uuid, actor=staff(leader_a, agency_a), approve=True)
    assert load_case(result.case_uuid).handling_due == date(2026, 12, 21)  # 22 Sep + 90, a Monday
    CalendarDay.objects.create(date=date(2026, 12, 21), kind="holiday", name="临时调整")
    moved = services.recompute_deadlines(case_uuid=result.case_uuid)
    assert moved == {"handling_due": (date(2026, 12, 21), date(2026, 12, 22))}
