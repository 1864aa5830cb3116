"""Delivery (送达, 信访工作条例 arts. 35-36: 自收到之日起): the review and re-review windows run from the day
the written answer reached the petitioner, not from the day it was written. On 2026 dates, with the
online service period at 7 days: a reply of Tue 10 March counts as received on 17 March at the latest.
Old main ran the window from 10 March (due Thu 9 April)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django_tenants.utils import schema_context

from cases import services
from cases.index.models import CaseIndex
from cases.models import Case, CaseEvent, Document
from cases.services import Actor, PetitionerInput, PetitionInput
from config.errors import DeadlinePassed, HallError, InvalidTransition
from tests.cases.conftest import load_case, staff

CST = ZoneInfo("Asia/Shanghai")
REPLY = "经调查核实，物业公司多收的停车费已责令退还，并对其进行了约谈。"


def at(y, m, d, hh=10):
    return datetime(y, m, d, hh, 0, tzinfo=CST)


@pytest.fixture
def frozen():
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


@pytest.fixture(autouse=True)
def _seven_day_service(settings):
    settings.HALL_ONLINE_SERVICE_DAYS = 7


def _replied_on_10_march(frozen, result, clerk, bureau, handler_a, agency_a):
    frozen(at(2026, 3, 2))
    services.forward_case(case_uuid=result.case_uuid, actor=staff(clerk, bureau), target=agency_a)
    services.accept_case(case_uuid=result.case_uuid, actor=staff(handler_a, agency_a))
    frozen(at(2026, 3, 10))
    services.reply_case(
        case_uuid=result.case_uuid, actor=staff(handler_a, agency_a), opinion="explain", text=REPLY
    )
    return result


@pytest.fixture
def online_reply(frozen, file_petition, clerk, bureau, handler_a, agency_a):
    frozen(at(2026, 3, 1))
    return _replied_on_10_march(frozen, file_petition(), clerk, bureau, handler_a, agency_a)


def _opinion(case_uuid, agency):
    with schema_context(agency.schema_name):
        return Document.objects.get(case_id=case_uuid, kind="handling_opinion")


def test_the_review_window_runs_from_the_petitioners_first_opening(
    frozen, online_reply, citizen, portal_client, agency_a
):
    # Not opened yet: received at the latest at the end of the service period (17 March).
    case = load_case(online_reply.case_uuid)
    assert case.reply_delivered_on is None and case.reply_service_due == date(2026, 3, 17)
    assert case.review_request_due == date(2026, 4, 16)
    frozen(at(2026, 3, 12, 20))
    portal_client.force_login(citizen)
    assert portal_client.get(f"/mine/{online_reply.case_uuid}/").status_code == 200
    case = load_case(online_reply.case_uuid)
    # Received 12 March: 30 days end Sat 11 April, a rest day, so Mon 13 April.
    assert case.reply_delivered_on == date(2026, 3, 12) and case.review_request_due == date(2026, 4, 13)
    document = _opinion(online_reply.case_uuid, agency_a)
    assert (document.delivered_on, document.delivery_method) == (date(2026, 3, 12), "portal")
    assert CaseIndex.objects.get(case_uuid=online_reply.case_uuid).review_request_due == date(2026, 4, 13)
    # Opening again changes nothing.
    frozen(at(2026, 3, 20))
    portal_client.get(f"/mine/{online_reply.case_uuid}/")
    assert load_case(online_reply.case_uuid).reply_delivered_on == date(2026, 3, 12)
    with schema_context(agency_a.schema_name):
        assert CaseEvent.objects.filter(case_id=online_reply.case_uuid, kind="delivered").count() == 1
    # 10 April: past old main's 9 April, inside the window that runs from receipt.
    frozen(at(2026, 4, 10))
    services.request_review(
        case_uuid=online_reply.case_uuid, actor=Actor.citizen(citizen), reason="对处理意见不服"
    )


def test_the_window_closes_thirty_days_after_receipt(frozen, online_reply, citizen, portal_client):
    frozen(at(2026, 3, 12))
    portal_client.force_login(citizen)
    portal_client.get(f"/mine/{online_reply.case_uuid}/")
    frozen(at(2026, 4, 14))
    with pytest.raises(DeadlinePassed):
        services.request_review(
            case_uuid=online_reply.case_uuid, actor=Actor.citizen(citizen), reason="对处理意见不服"
        )


def test_staff_or_another_citizen_opening_it_delivers_nothing(
    frozen, online_reply, other_citizen, portal_client, host_client, handler_a, clerk, agency_a, bureau
):
    frozen(at(2026, 3, 11))
    assert host_client(agency_a, handler_a).get(f"/case/{online_reply.case_uuid}/").status_code == 200
    assert host_client(bureau, clerk).get(f"/case/{online_reply.case_uuid}/").status_code == 200
    portal_client.force_login(other_citizen)
    assert portal_client.get(f"/mine/{online_reply.case_uuid}/").status_code == 404
    assert portal_client.get(f"/api/v1/petitions/{online_reply.case_uuid}/").status_code == 404
    for actor in (Actor.citizen(other_citizen), staff(handler_a, agency_a), Actor.system()):
        assert services.record_portal_view(case_uuid=online_reply.case_uuid, actor=actor) == 0
    case = load_case(online_reply.case_uuid)
    assert case.reply_delivered_on is None and case.review_request_due == date(2026, 4, 16)
    assert _opinion(online_reply.case_uuid, agency_a).delivered_on is None


def test_the_petitioner_reading_it_through_the_api_delivers_it(frozen, online_reply, citizen, portal_client):
    frozen(at(2026, 3, 13))
    portal_client.force_login(citizen)
    assert portal_client.get(f"/api/v1/petitions/{online_reply.case_uuid}/").status_code == 200
    assert load_case(online_reply.case_uuid).reply_delivered_on == date(2026, 3, 13)


def test_unopened_it_counts_as_received_at_the_end_of_the_service_period(
    frozen, online_reply, citizen, portal_client, agency_a
):
    # 15 April: old main refused after 9 April; received 17 March, the window runs to 16 April.
    frozen(at(2026, 3, 25))
    portal_client.force_login(citizen)
    portal_client.get(f"/mine/{online_reply.case_uuid}/")  # opened after the service period: no later
    document = _opinion(online_reply.case_uuid, agency_a)
    assert (document.delivered_on, document.delivery_method) == (date(2026, 3, 17), "deemed")
    assert load_case(online_reply.case_uuid).review_request_due == date(2026, 4, 16)
    frozen(at(2026, 4, 15))
    services.request_review(
        case_uuid=online_reply.case_uuid, actor=Actor.citizen(citizen), reason="对处理意见不服"
    )


def test_the_rereview_window_runs_from_receipt_of_the_review_opinion(
    frozen, online_reply, citizen, portal_client, clerk, bureau
):
    frozen(at(2026, 3, 12))
    services.request_review(
        case_uuid=online_reply.case_uuid, actor=Actor.citizen(citizen), reason="对处理意见不服"
    )
    frozen(at(2026, 4, 1))
    services.answer_review(
        case_uuid=online_reply.case_uuid, actor=staff(clerk, bureau), opinion="explain", text=REPLY
    )
    case = load_case(online_reply.case_uuid)
    assert case.review_service_due == date(2026, 4, 8) and case.rereview_request_due == date(2026, 5, 8)
    frozen(at(2026, 4, 7))
    portal_client.force_login(citizen)
    portal_client.get(f"/mine/{online_reply.case_uuid}/")
    case = load_case(online_reply.case_uuid)
    # Received Tue 7 April: 30 days → Thu 7 May. Old main counted from 1 April: 1 May, in 劳动节 → 6 May.
    assert case.review_delivered_on == date(2026, 4, 7) and case.rereview_request_due == date(2026, 5, 7)
    frozen(at(2026, 5, 7))
    services.request_rereview(
        case_uuid=online_reply.case_uuid, actor=Actor.citizen(citizen), reason="对复查意见不服"
    )


@pytest.fixture
def letter_reply(frozen, clerk, bureau, handler_a, agency_a):
    """A letter registered by staff for a petitioner with no account: the reply goes on paper."""
    frozen(at(2026, 3, 1))
    result = services.submit_petition(
        actor=staff(clerk, bureau),
        filed_with=bureau,
        channel="letter",
        petition=PetitionInput(
            petition_type="request",
            title="农村道路损毁请求修复",
            body="我村通往镇上的道路去年被洪水冲毁，至今没有修复，请求有关部门尽快修复。",
        ),
        petitioner=PetitionerInput(name="李四"),
    )
    return _replied_on_10_march(frozen, result, clerk, bureau, handler_a, agency_a)


def test_a_paper_reply_runs_from_the_delivery_date_staff_enter(
    frozen, letter_reply, handler_a, handler_b, agency_a, agency_b, citizen
):
    case = load_case(letter_reply.case_uuid)
    assert case.reply_service_due is None and case.review_request_due is None
    # Not delivered yet: the window has not begun, so the case cannot be closed.
    frozen(at(2026, 5, 20))
    with pytest.raises(InvalidTransition) as caught:
        services.close_case(case_uuid=letter_reply.case_uuid, actor=Actor.system())
    assert caught.value.code == "window_open"
    frozen(at(2026, 3, 18))
    with pytest.raises(HallError) as caught:
        services.record_delivery(
            case_uuid=letter_reply.case_uuid, actor=staff(handler_b, agency_b), delivered_on=date(2026, 3, 16)
        )
    assert caught.value.code == "role_required"
    with pytest.raises(HallError) as caught:
        services.record_delivery(
            case_uuid=letter_reply.case_uuid, actor=Actor.citizen(citizen), delivered_on=date(2026, 3, 16)
        )
    assert caught.value.code == "role_required"
    for wrong in (date(2026, 3, 19), date(2026, 3, 9)):  # tomorrow; before the reply
        with pytest.raises(HallError) as caught:
            services.record_delivery(
                case_uuid=letter_reply.case_uuid, actor=staff(handler_a, agency_a), delivered_on=wrong
            )
        assert caught.value.code == "invalid_delivery_date"
    services.record_delivery(
        case_uuid=letter_reply.case_uuid, actor=staff(handler_a, agency_a), delivered_on=date(2026, 3, 16)
    )
    case = load_case(letter_reply.case_uuid)
    assert case.reply_delivered_on == date(2026, 3, 16) and case.review_request_due == date(2026, 4, 15)
    assert _opinion(letter_reply.case_uuid, agency_a).delivery_method == "paper"
    with pytest.raises(InvalidTransition) as caught:
        services.record_delivery(
            case_uuid=letter_reply.case_uuid, actor=staff(handler_a, agency_a), delivered_on=date(2026, 3, 17)
        )
    assert caught.value.code == "already_delivered"
    frozen(at(2026, 4, 15))
    with pytest.raises(InvalidTransition):
        services.close_case(case_uuid=letter_reply.case_uuid, actor=Actor.system())
    frozen(at(2026, 4, 16))
    services.close_case(case_uuid=letter_reply.case_uuid, actor=Actor.system())


def test_a_letters_routing_clock_runs_from_its_arrival(frozen, clerk, bureau):
    frozen(at(2026, 3, 5))
    petition = PetitionInput(
        petition_type="complaint", title="噪音扰民", body="楼下饭店每晚营业到凌晨两点，噪音严重影响休息。"
    )
    result = services.submit_petition(
        actor=staff(clerk, bureau),
        filed_with=bureau,
        channel="letter",
        arrived_on=date(2026, 3, 2),
        petition=petition,
        petitioner=PetitionerInput(name="王五"),
    )
    index = CaseIndex.objects.get(case_uuid=result.case_uuid)
    # Arrived Mon 2 March: 15 days → Tue 17 March (old main counted from the entry on 5 March: 20 March).
    assert index.routing_due == date(2026, 3, 17)
    assert load_case(result.case_uuid).arrived_on == date(2026, 3, 2)
    with schema_context(bureau.schema_name):
        assert Case.objects.get(pk=result.case_uuid).received_at.date() == date(2026, 3, 2)
    with pytest.raises(HallError) as caught:
        services.submit_petition(
            actor=staff(clerk, bureau),
            filed_with=bureau,
            channel="letter",
            arrived_on=date(2026, 3, 6),
            petition=petition,
            petitioner=PetitionerInput(name="王五"),
        )
    assert caught.value.code == "invalid_arrival_date"


def test_the_intake_form_records_the_arrival_date(frozen, host_client, clerk, bureau):
    frozen(at(2026, 3, 5))
    response = host_client(bureau, clerk).post(
        "/intake/",
        {
            "channel": "letter",
            "arrived_on": "2026-03-02",
            "petitioner_name": "王五",
            "petition_type": "complaint",
            "title": "噪音扰民",
            "body": "楼下饭店每晚营业到凌晨两点，噪音严重影响休息。",
            "people_count": 1,
        },
    )
    assert response.status_code in (200, 201, 302)
    index = CaseIndex.objects.filter(title="噪音扰民").get()
    assert index.routing_due == date(2026, 3, 17)


def test_the_workspace_records_a_paper_delivery(frozen, letter_reply, host_client, handler_a, agency_a):
    frozen(at(2026, 3, 18))
    client = host_client(agency_a, handler_a)
    page = client.get(f"/case/{letter_reply.case_uuid}/").content.decode()
    assert "/act/record_delivery/" in page and "尚未送达" in page
    client.post(
        f"/case/{letter_reply.case_uuid}/act/record_delivery/", {"record_delivery-delivered_on": "2026-03-16"}
    )
    assert load_case(letter_reply.case_uuid).reply_delivered_on == date(2026, 3, 16)
    assert "送达日期 2026-03-16" in client.get(f"/case/{letter_reply.case_uuid}/").content.decode()
