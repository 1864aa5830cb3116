"""Reminders and supervision orders: issued with a deadline, answered by the agency, overdue when not."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from cases.models import CaseEvent, EventKind
from cases.oversight import services as ovs_services
from cases.oversight.models import SupervisionItem, SupervisionKind
from cases.services import Actor
from config.errors import Forbidden, HallError, InvalidTransition, NotFound
from tests.oversight.conftest import staff


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def second_a(file_petition, agency_a):
    return file_petition(
        agency=agency_a,
        title="派出所办理户口迁移拖延",
        body="我在派出所申请户口迁移已经两个月，仍未办理，请督促。",
    )


def _issue(supervisor, oversight, agency, cases, *, due, kind=SupervisionKind.ORDER):
    return ovs_services.issue_supervision(
        actor=staff(supervisor, oversight),
        agency=agency,
        case_uuids=[c.case_uuid for c in cases],
        kind=kind,
        message="请于期限内报告办理进展。",
        answer_due=due,
    )


def _supervision_events(agency, case_uuid):
    with schema_context(agency.schema_name):
        return list(CaseEvent.objects.filter(case_id=case_uuid, kind=EventKind.SUPERVISION).order_by("seq"))


def test_order_round_trip_on_two_cases(
    supervisor, oversight, agency_a, handler_a, received_a, second_a, today
):
    due = today + timedelta(days=5)
    item = _issue(supervisor, oversight, agency_a, [received_a, second_a], due=due)
    item.refresh_from_db()
    assert item.answer_due == due and item.tracking_numbers == [
        received_a.tracking_number,
        second_a.tracking_number,
    ]
    assert not item.is_answered and not item.is_overdue(today) and not item.is_overdue(due)
    assert item.is_overdue(due + timedelta(days=1))  # the day after the last day, unanswered

    for result in (received_a, second_a):
        (event,) = _supervision_events(agency_a, result.case_uuid)
        assert event.agency_code == oversight.code and not event.visible_to_citizen
        assert due.isoformat() in event.message

    answered = ovs_services.answer_supervision(
        actor=staff(handler_a, agency_a), item=item, text="已约谈当事人，本周内办结。"
    )
    assert answered.answered_by == handler_a and answered.answer == "已约谈当事人，本周内办结。"
    assert not answered.is_overdue(due + timedelta(days=30)) and not answered.answered_late()
    for result in (received_a, second_a):
        events = _supervision_events(agency_a, result.case_uuid)
        assert len(events) == 2 and events[1].agency_code == agency_a.code
    with pytest.raises(InvalidTransition):
        ovs_services.answer_supervision(actor=staff(handler_a, agency_a), item=item, text="再答一次")


def test_issuing_is_for_the_oversight_body_only(handler_a, agency_a, received_a, today):
    with pytest.raises(Forbidden):
        _issue(handler_a, agency_a, agency_a, [received_a], due=today)


def test_issuing_checks_deadline_cases_and_holder(
    supervisor, oversight, agency_a, agency_b, received_a, today
):
    with pytest.raises(HallError) as caught:
        _issue(supervisor, oversight, agency_a, [received_a], due=today - timedelta(days=1))
    assert caught.value.code == "answer_due_invalid"
    with pytest.raises(HallError) as caught:
        _issue(supervisor, oversight, agency_b, [received_a], due=today)
    assert caught.value.code == "not_held_by_agency"
    with pytest.raises(HallError) as caught:
        _issue(supervisor, oversight, agency_a, [], due=today)
    assert caught.value.code == "cases_required"
    assert not SupervisionItem.objects.exists()


def test_another_agency_cannot_answer(
    supervisor, oversight, agency_a, agency_b, handler_b, received_a, today
):
    item = _issue(supervisor, oversight, agency_a, [received_a], due=today)
    with pytest.raises(NotFound):
        ovs_services.answer_supervision(actor=staff(handler_b, agency_b), item=item, text="不是我们的")
    with pytest.raises(NotFound):
        ovs_services.answer_supervision(actor=Actor.system(), item=item, text="x")
    item.refresh_from_db()
    assert item.answered_at is None


# --- Through the pages ---------------------------------------------------------------------------


def test_issue_on_cases_of_two_agencies_gives_one_item_each_and_each_inbox_shows_its_own(
    oversight_client, host_client, agency_a, agency_b, handler_a, handler_b, received_a, received_b, today
):
    due = today + timedelta(days=7)
    response = oversight_client.post(
        "/supervision/new/",
        {
            "kind": "reminder",
            "tracking_numbers": f"{received_a.tracking_number}\n{received_b.tracking_number.lower()}",
            "message": "请尽快告知信访人是否受理。",
            "answer_due": due.isoformat(),
        },
    )
    assert response.status_code == 302
    item_a = SupervisionItem.objects.get(agency=agency_a)
    item_b = SupervisionItem.objects.get(agency=agency_b)
    assert item_a.tracking_numbers == [received_a.tracking_number]
    assert item_b.tracking_numbers == [received_b.tracking_number]

    inbox_a = host_client(agency_a, handler_a).get("/supervision/").content.decode()
    assert received_a.tracking_number in inbox_a and received_b.tracking_number not in inbox_a
    client_b = host_client(agency_b, handler_b)
    inbox_b = client_b.get("/supervision/").content.decode()
    assert received_b.tracking_number in inbox_b and received_a.tracking_number not in inbox_b
    # B can neither open nor answer A's item.
    assert client_b.get(f"/supervision/{item_a.pk}/").status_code == 404
    assert client_b.post(f"/supervision/{item_a.pk}/", {"answer": "x"}).status_code == 404
    item_a.refresh_from_db()
    assert item_a.answered_at is None


def test_the_agency_answers_in_its_inbox_and_oversight_sees_it(
    oversight_client, host_client, supervisor, oversight, agency_a, handler_a, received_a, today
):
    item = _issue(supervisor, oversight, agency_a, [received_a], due=today + timedelta(days=3))
    client = host_client(agency_a, handler_a)
    page = client.get(f"/supervision/{item.pk}/").content.decode()
    assert "请于期限内报告办理进展。" in page and (today + timedelta(days=3)).isoformat() in page
    assert client.post(f"/supervision/{item.pk}/", {"answer": "  "}).status_code == 400
    response = client.post(f"/supervision/{item.pk}/", {"answer": "已受理，正在调查。"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.answer == "已受理，正在调查。" and item.answered_by == handler_a
    detail = oversight_client.get(f"/supervision/{item.pk}/").content.decode()
    assert "已受理，正在调查。" in detail and "已反馈" in detail
    answered = oversight_client.get("/supervision/", {"status": "answered"}).content.decode()
    assert received_a.tracking_number in answered


def test_unanswered_past_the_deadline_shows_as_overdue(
    oversight_client, host_client, supervisor, oversight, agency_a, handler_a, received_a, second_a, today
):
    late = _issue(supervisor, oversight, agency_a, [received_a], due=today)
    on_time = _issue(supervisor, oversight, agency_a, [second_a], due=today + timedelta(days=2))
    # The answer was due yesterday (moved back as if issued last week).
    SupervisionItem.objects.filter(pk=late.pk).update(answer_due=today - timedelta(days=1))
    overdue = oversight_client.get("/supervision/", {"status": "overdue"}).content.decode()
    assert received_a.tracking_number in overdue and second_a.tracking_number not in overdue
    assert "逾期未反馈" in oversight_client.get(f"/supervision/{late.pk}/").content.decode()
    assert "逾期未反馈" not in oversight_client.get(f"/supervision/{on_time.pk}/").content.decode()
    inbox = host_client(agency_a, handler_a).get("/supervision/", {"status": "overdue"}).content.decode()
    assert received_a.tracking_number in inbox and second_a.tracking_number not in inbox
    board = oversight_client.get("/")
    assert board.context["board"].supervision == {"unanswered": 2, "overdue": 1}


def test_a_refused_issue_keeps_what_was_typed(oversight_client, received_a, today):
    response = oversight_client.post(
        "/supervision/new/",
        {
            "kind": "order",
            "tracking_numbers": received_a.tracking_number,
            "message": "请说明超期原因并限期办结。",
            "answer_due": (today - timedelta(days=3)).isoformat(),
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "反馈期限不能早于今天。" in page and "请说明超期原因并限期办结。" in page
    missing = oversight_client.post(
        "/supervision/new/",
        {
            "kind": "order",
            "tracking_numbers": "SMX-2026-999999",
            "message": "x",
            "answer_due": today.isoformat(),
        },
    )
    assert missing.status_code == 400 and "SMX-2026-999999" in missing.content.decode()
    assert not SupervisionItem.objects.exists()


def test_agency_inbox_refuses_outsiders(host_client, agency_a, citizen, supervisor):
    from tenants.hosts import agency_host
    from tests.conftest import HostClient

    assert HostClient(agency_host(agency_a.code)).get("/supervision/").status_code == 302
    assert host_client(agency_a, citizen).get("/supervision/").status_code == 403
    assert host_client(agency_a, supervisor).get("/supervision/").status_code == 403


# --- Filters: a bad value is a 4xx with a message, never a 500 ------------------------------------

ODD_VALUES = ["\x00", "gaj\x00", "x" * 5000, "不存在的单位", "'; drop table x; --"]


@pytest.mark.parametrize("value", ODD_VALUES)
def test_odd_agency_filters_on_the_oversight_list_are_refused_with_a_message(
    oversight_client, supervisor, oversight, agency_a, received_a, today, value
):
    item = _issue(supervisor, oversight, agency_a, [received_a], due=today + timedelta(days=5))
    response = oversight_client.get("/supervision/", {"agency": value})
    assert response.status_code == 400
    text = response.content.decode()
    assert 'class="messages"' in text and received_a.tracking_number in text  # the filter ignored
    assert f"/supervision/{item.pk}/" in text


@pytest.mark.parametrize("value", ["\x00", "x" * 5000, "closed", "all"])
def test_odd_status_filters_on_the_oversight_list_are_refused_with_a_message(oversight_client, value):
    response = oversight_client.get("/supervision/", {"status": value})
    assert response.status_code == 400 and 'class="messages"' in response.content.decode()


def test_a_known_agency_filter_still_filters(
    oversight_client, supervisor, oversight, agency_a, agency_b, received_a, received_b, today
):
    _issue(supervisor, oversight, agency_a, [received_a], due=today + timedelta(days=5))
    _issue(supervisor, oversight, agency_b, [received_b], due=today + timedelta(days=5))
    response = oversight_client.get("/supervision/", {"agency": agency_b.code.upper(), "status": "open"})
    text = response.content.decode()
    assert response.status_code == 200 and 'class="messages"' not in text
    assert received_b.tracking_number in text and received_a.tracking_number not in text


@pytest.mark.parametrize(
    "params", [{"status": "\x00"}, {"status": "x" * 5000}, {"status": "unknown"}, {"agency": "\x00"}]
)
def test_odd_filters_on_the_agency_inbox_are_refused_or_ignored(
    host_client, agency_a, handler_a, supervisor, oversight, received_a, today, params
):
    _issue(supervisor, oversight, agency_a, [received_a], due=today + timedelta(days=5))
    response = host_client(agency_a, handler_a).get("/supervision/", params)
    assert response.status_code in (200, 400)
    assert received_a.tracking_number in response.content.decode()  # the default: unanswered items
    if "status" in params:
        assert response.status_code == 400 and 'class="messages"' in response.content.decode()
