"""Issue 11, findings 3, 4 and 7, driven through the services on real 2026 dates (calendar:
shared/calendar/cn-2026.json: 清明 4–6 Apr, 劳动节 1–5 May are holidays).

- An extension is approved only within the handling period (信访工作条例 art. 34); a late reply stays
  late in 按期办结率.
- Nothing done after the event rewrites the facts the KPIs read (a review request moves the case to
  the bureau: June's 平均受理天数 stays what it was).
- A refused routing objection restarts the agency's acceptance clock from the ruling (art. 23).
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError, transaction

from cases import clocks, services
from cases.index.models import CaseIndex
from cases.oversight import kpis
from cases.oversight.kpis import Period
from config.errors import DeadlinePassed, HallError
from tests.cases.conftest import load_case, staff

CST = ZoneInfo("Asia/Shanghai")
REPLY = "经调查核实，物业公司多收的停车费已责令退还，并对其进行了约谈。"


def at(y, m, d, hh=10, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=CST)


@pytest.fixture
def frozen():
    """Stop the hall's clock at a moment: frozen(datetime). Each call moves it again."""
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


def kpi_of(agency, period: Period, today: date, key: str):
    _definitions, rows = kpis.kpi_table(period, today=today)
    return next(row for row in rows if row.agency_id == agency.pk).values[key]


# --- Finding 3: an extension after the handling period ran out ----------------------------------------


def test_an_extension_cannot_be_approved_after_the_handling_period_and_the_reply_stays_late(
    frozen, file_petition, agency_a, handler_a, leader_a, agency_b, handler_b
):
    frozen(at(2026, 3, 2))
    result = file_petition(agency=agency_a)
    uuid = result.case_uuid
    services.accept_case(case_uuid=uuid, actor=staff(handler_a, agency_a))
    # 2 Mar + 60 days = 1 May, 劳动节 (1–5 May): the period ends on Wednesday 6 May.
    assert load_case(uuid).handling_due == date(2026, 5, 6)
    frozen(at(2026, 5, 6, 16))  # the last day: still in time to ask
    services.request_extension(case_uuid=uuid, actor=staff(handler_a, agency_a), days=30, reason="需要鉴定")
    frozen(at(2026, 5, 7, 9))  # the day after: the period has run out
    with pytest.raises(DeadlinePassed) as refused:
        services.decide_extension(case_uuid=uuid, actor=staff(leader_a, agency_a), approve=True)
    assert refused.value.code == "deadline_passed"
    # Another agency's staff are told nothing more than "not yours".
    with pytest.raises(HallError) as foreign:
        services.decide_extension(case_uuid=uuid, actor=staff(handler_b, agency_b), approve=True)
    assert foreign.value.code == "role_required"
    case = load_case(uuid)
    assert case.handling_due == date(2026, 5, 6) and case.extension_status == "requested"
    frozen(at(2026, 5, 8))
    services.reply_case(case_uuid=uuid, actor=staff(handler_a, agency_a), opinion="explain", text=REPLY)
    value = kpi_of(agency_a, Period.month(2026, 5), date(2026, 6, 1), "on_time_completion")
    assert (value.numerator, value.denominator) == (0, 1)


def test_an_extension_approved_within_the_period_still_counts(
    frozen, file_petition, agency_a, handler_a, leader_a
):
    frozen(at(2026, 3, 2))
    uuid = file_petition(agency=agency_a).case_uuid
    services.accept_case(case_uuid=uuid, actor=staff(handler_a, agency_a))
    frozen(at(2026, 5, 6, 9))
    services.request_extension(case_uuid=uuid, actor=staff(handler_a, agency_a), days=30, reason="需要鉴定")
    services.decide_extension(case_uuid=uuid, actor=staff(leader_a, agency_a), approve=True)
    # 2 Mar + 90 days = 31 May, a Sunday: Monday 1 June.
    assert load_case(uuid).handling_due == date(2026, 6, 1)
    frozen(at(2026, 5, 20))
    services.reply_case(case_uuid=uuid, actor=staff(handler_a, agency_a), opinion="explain", text=REPLY)
    value = kpi_of(agency_a, Period.month(2026, 5), date(2026, 6, 2), "on_time_completion")
    assert (value.numerator, value.denominator) == (1, 1)


# --- Finding 4: history is never rewritten ------------------------------------------------------------


def test_a_review_request_in_july_leaves_junes_average_days_to_accept_unchanged(
    frozen, file_petition, agency_a, handler_a, citizen
):
    frozen(at(2026, 6, 1))
    uuid = file_petition(agency=agency_a).case_uuid
    frozen(at(2026, 6, 8))  # decided 7 days after receipt
    services.accept_case(case_uuid=uuid, actor=staff(handler_a, agency_a))
    frozen(at(2026, 6, 15))  # replied 7 days after acceptance
    services.reply_case(case_uuid=uuid, actor=staff(handler_a, agency_a), opinion="explain", text=REPLY)
    june, today = Period.month(2026, 6), date(2026, 7, 10)
    before = {key: kpi_of(agency_a, june, today, key) for key in kpis.KPI_KEYS}
    assert before["days_to_accept"].value == 7 and before["days_to_reply"].value == 7

    frozen(at(2026, 7, 2))
    services.request_review(
        case_uuid=uuid, actor=services.Actor.citizen(citizen), reason="处理意见没有解决多收费的问题"
    )
    index = CaseIndex.objects.get(case_uuid=uuid)
    assert index.received_at == at(2026, 7, 2)  # the live column follows the move to the reviewer
    assert index.first_received_at == at(2026, 6, 1)  # the fact the KPI reads does not
    after = {key: kpi_of(agency_a, june, today, key) for key in kpis.KPI_KEYS}
    assert after == before


def test_first_facts_are_set_once_and_never_rewritten(frozen, file_petition, agency_a, handler_a):
    frozen(at(2026, 6, 1))
    uuid = file_petition(agency=agency_a).case_uuid
    frozen(at(2026, 6, 8))
    services.accept_case(case_uuid=uuid, actor=staff(handler_a, agency_a))
    rows = CaseIndex.objects.filter(case_uuid=uuid)
    # Whatever writes the row, directly or by a later service, the first facts stay.
    rows.update(
        acceptance_decided_at=at(2026, 7, 1),
        received_at=at(2026, 6, 30),
        acceptance_due=date(2026, 8, 1),
        first_decided_at=None,
        first_received_at=at(2026, 6, 7),
    )
    index = rows.get()
    assert (index.first_decided_at, index.first_received_at) == (at(2026, 6, 8), at(2026, 6, 1))
    assert index.first_acceptance_due == date(2026, 6, 16)  # 1 Jun + 15 days
    assert index.first_decided_on == date(2026, 6, 8)
    rows.update(satisfaction="satisfied")
    rows.update(satisfaction="unsatisfied")
    assert rows.get().first_satisfaction == "satisfied"


def test_no_negative_duration_can_be_stored(agency_a):
    from tests.oversight.conftest import make_index

    with pytest.raises(IntegrityError), transaction.atomic():
        make_index(agency_a, first_received_at=at(2026, 6, 10), first_decided_at=at(2026, 6, 9))
    with pytest.raises(IntegrityError), transaction.atomic():
        make_index(agency_a, first_accepted_at=at(2026, 6, 10), first_replied_at=at(2026, 6, 9))
    # Derived from the live columns of the same write, too.
    with pytest.raises(IntegrityError), transaction.atomic():
        make_index(agency_a, received_at=at(2026, 6, 10), acceptance_decided_at=at(2026, 6, 9))


# --- Finding 7: an objection ruling moves the agency's clock ------------------------------------------


def test_a_refused_objection_restarts_the_acceptance_clock_from_the_ruling(
    frozen, file_petition, clerk, bureau, agency_a, handler_a
):
    frozen(at(2026, 3, 2))
    uuid = file_petition().case_uuid
    services.forward_case(case_uuid=uuid, actor=staff(clerk, bureau), target=agency_a)
    case = load_case(uuid)
    # received 2 Mar: accept or refuse by 17 Mar; object within 5 working days, by 9 Mar.
    assert (case.acceptance_due, case.objection_due) == (date(2026, 3, 17), date(2026, 3, 9))
    frozen(at(2026, 3, 5))
    services.object_to_routing(case_uuid=uuid, actor=staff(handler_a, agency_a), reason="不属于本单位职责")
    frozen(at(2026, 3, 20))  # the bureau rules after the agency's first deadline
    # Only the bureau rules on it: the agency itself cannot.
    with pytest.raises(HallError) as not_bureau:
        services.decide_objection(case_uuid=uuid, actor=staff(handler_a, agency_a), approve=False)
    assert not_bureau.value.code == "bureau_required"
    services.decide_objection(case_uuid=uuid, actor=staff(clerk, bureau), approve=False)
    # 20 Mar + 15 days = 4 Apr, 清明 (4–6 Apr): Tuesday 7 Apr.
    assert load_case(uuid).acceptance_due == date(2026, 4, 7)
    # A calendar recount keeps the ruling as the start.
    services.recompute_deadlines(case_uuid=uuid)
    assert load_case(uuid).acceptance_due == date(2026, 4, 7)
    frozen(at(2026, 3, 25))
    services.accept_case(case_uuid=uuid, actor=staff(handler_a, agency_a))
    acceptance = {d.kind: d for d in clocks.case_deadlines(load_case(uuid), today=date(2026, 3, 26))}
    assert acceptance["acceptance"].status == "met"
    march = kpi_of(agency_a, Period.month(2026, 3), date(2026, 4, 15), "timely_acceptance")
    april = kpi_of(agency_a, Period.month(2026, 4), date(2026, 4, 15), "timely_acceptance")
    assert (march.denominator, april.numerator, april.denominator) == (0, 1, 1)
