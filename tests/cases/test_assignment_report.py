"""交办 is complete (信访工作条例 art. 22(三)): the 办结报告 is part of every assignment, its deadline a
clock on the case and its index, a case whose report never came cannot close, the bureau can send a report
back for redo, and the report's timeliness is ranked (办结报告按时率). On 2026 dates; old main made the
report optional, tracked no deadline and closed a case without it."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from cases import clocks, services
from cases.index.models import CaseIndex
from cases.models import CaseEvent, CaseState
from cases.oversight import kpis
from cases.services import Actor
from config.errors import HallError, InvalidTransition
from notifications.models import Notification
from tests.cases.conftest import in_schema, load_case, staff

CST = ZoneInfo("Asia/Shanghai")
REPLY = "经调查核实，物业公司多收的停车费已责令退还，并对其进行了约谈。"
REPORT = "已责令物业公司退还多收停车费两百元，信访人已收到退款，并已书面答复信访人。"


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


def at(y, m, d, hh=10):
    return datetime(y, m, d, hh, 0, tzinfo=CST)


def _assign(result, clerk, bureau, agency, due):
    # No report_required: 交办 carries the report whatever the caller says (art. 22(三)).
    services.forward_case(
        case_uuid=result.case_uuid,
        actor=staff(clerk, bureau),
        target=agency,
        mode="assign",
        assignment_due=due,
    )


@pytest.fixture
def assigned(frozen, file_petition, clerk, bureau, agency_a, handler_a):
    frozen(at(2026, 3, 2))
    result = file_petition()
    _assign(result, clerk, bureau, agency_a, date(2026, 4, 30))
    services.accept_case(case_uuid=result.case_uuid, actor=staff(handler_a, agency_a))
    frozen(at(2026, 3, 20))
    services.reply_case(
        case_uuid=result.case_uuid, actor=staff(handler_a, agency_a), opinion="support", text=REPLY
    )
    return result


def test_an_assignment_always_carries_the_report_and_its_deadline(
    frozen, file_petition, clerk, bureau, agency_a
):
    frozen(at(2026, 3, 2))
    result = file_petition()
    _assign(result, clerk, bureau, agency_a, date(2026, 4, 30))
    case = load_case(result.case_uuid)
    assert case.report_required and case.report_due == date(2026, 4, 30)
    index = CaseIndex.objects.get(case_uuid=result.case_uuid)
    assert index.report_due == date(2026, 4, 30) and index.report_submitted_at is None
    report = {d.kind: d for d in clocks.case_deadlines(case, today=date(2026, 3, 2))}["report"]
    assert report.due == date(2026, 4, 30) and report.article == 22 and not report.is_window


def test_a_forwarded_case_has_no_report_clock(frozen, file_petition, clerk, bureau, agency_a):
    frozen(at(2026, 3, 2))
    result = file_petition()
    services.forward_case(case_uuid=result.case_uuid, actor=staff(clerk, bureau), target=agency_a)
    case = load_case(result.case_uuid)
    assert not case.report_required and case.report_due is None


def test_a_case_whose_report_never_came_cannot_be_closed(
    frozen, assigned, citizen, handler_a, agency_a, clerk, bureau
):
    services.evaluate_case(
        case_uuid=assigned.case_uuid, actor=Actor.citizen(citizen), satisfaction="satisfied"
    )
    with pytest.raises(InvalidTransition) as caught:
        services.close_case(case_uuid=assigned.case_uuid, actor=staff(handler_a, agency_a))
    # A rating waives nothing (arts. 35-36): the review window is still open, and it is checked first.
    assert caught.value.code == "window_open"
    # Nor by the sweep once the review window has run out (received 27 March at the latest).
    frozen(at(2026, 6, 1))
    with pytest.raises(InvalidTransition) as caught:
        services.close_case(case_uuid=assigned.case_uuid, actor=Actor.system())
    assert caught.value.code == "report_missing"
    index = CaseIndex.objects.get(case_uuid=assigned.case_uuid)
    assert index.next_due_kind == "report" and index.next_due == date(2026, 4, 30)
    services.submit_completion_report(
        case_uuid=assigned.case_uuid, actor=staff(handler_a, agency_a), text=REPORT
    )
    with pytest.raises(InvalidTransition):  # submitted, not yet accepted
        services.close_case(case_uuid=assigned.case_uuid, actor=Actor.system())
    services.decide_completion_report(case_uuid=assigned.case_uuid, actor=staff(clerk, bureau), accept=True)
    services.close_case(case_uuid=assigned.case_uuid, actor=Actor.system())
    assert load_case(assigned.case_uuid).state == CaseState.CLOSED


def test_the_bureau_sends_a_report_back_for_redo(
    frozen,
    assigned,
    clerk,
    bureau,
    handler_a,
    agency_a,
    handler_b,
    agency_b,
    django_capture_on_commit_callbacks,
):
    frozen(at(2026, 3, 25))
    services.submit_completion_report(
        case_uuid=assigned.case_uuid, actor=staff(handler_a, agency_a), text=REPORT
    )
    first = load_case(assigned.case_uuid).report_submitted_at
    for outsider in (staff(handler_a, agency_a), staff(handler_b, agency_b)):
        with pytest.raises(HallError) as caught:
            services.return_completion_report(
                case_uuid=assigned.case_uuid, actor=outsider, reason="退款凭证未附"
            )
        assert caught.value.code == "bureau_required"
    with pytest.raises(HallError) as caught:
        services.return_completion_report(case_uuid=assigned.case_uuid, actor=staff(clerk, bureau), reason="")
    assert caught.value.code == "reason_required"
    frozen(at(2026, 3, 26))
    with django_capture_on_commit_callbacks(execute=True):
        services.return_completion_report(
            case_uuid=assigned.case_uuid, actor=staff(clerk, bureau), reason="未附退款凭证，请补充后重报"
        )
    case = load_case(assigned.case_uuid)
    assert case.report_status == "returned" and case.report_return_reason == "未附退款凭证，请补充后重报"
    returned = [
        e for e in in_schema(agency_a, CaseEvent, case_id=assigned.case_uuid) if e.kind == "report_returned"
    ]
    assert returned and returned[-1].changes["reason"] == "未附退款凭证，请补充后重报"
    told = Notification.objects.filter(user=handler_a, kind="report_returned")
    assert told.count() == 1 and "未附退款凭证" in told.get().body
    assert not Notification.objects.filter(user=handler_b, kind="report_returned").exists()
    # Redone and reported again: the first submission stays the one the KPI counts.
    frozen(at(2026, 5, 8))
    services.submit_completion_report(
        case_uuid=assigned.case_uuid, actor=staff(handler_a, agency_a), text=REPORT
    )
    case = load_case(assigned.case_uuid)
    assert case.report_status == "pending" and case.report_submitted_at == first


def test_the_workspace_offers_the_return_to_the_bureau(
    frozen, assigned, host_client, clerk, bureau, handler_a, agency_a
):
    services.submit_completion_report(
        case_uuid=assigned.case_uuid, actor=staff(handler_a, agency_a), text=REPORT
    )
    assert (
        "/act/return_report/"
        in host_client(bureau, clerk).get(f"/case/{assigned.case_uuid}/").content.decode()
    )
    assert (
        "/act/return_report/"
        not in host_client(agency_a, handler_a).get(f"/case/{assigned.case_uuid}/").content.decode()
    )


def test_report_timeliness_is_ranked(
    frozen, file_petition, clerk, bureau, agency_a, handler_a, agency_b, handler_b
):
    frozen(at(2026, 4, 1))
    on_time, late, other = (
        file_petition(),
        file_petition(title="道路积水", body="人民路每逢下雨积水严重，请尽快疏通处理。"),
        file_petition(title="噪音扰民", body="楼下饭店每晚营业到凌晨两点，噪音严重影响休息。"),
    )
    for result, agency in ((on_time, agency_a), (late, agency_a), (other, agency_b)):
        _assign(result, clerk, bureau, agency, date(2026, 4, 20))
    for result, agency, handler in (
        (on_time, agency_a, handler_a),
        (late, agency_a, handler_a),
        (other, agency_b, handler_b),
    ):
        services.accept_case(case_uuid=result.case_uuid, actor=staff(handler, agency))
        services.reply_case(
            case_uuid=result.case_uuid, actor=staff(handler, agency), opinion="support", text=REPLY
        )
    frozen(at(2026, 4, 20, 22))
    services.submit_completion_report(
        case_uuid=on_time.case_uuid, actor=staff(handler_a, agency_a), text=REPORT
    )
    frozen(at(2026, 4, 21, 9))
    services.submit_completion_report(case_uuid=late.case_uuid, actor=staff(handler_a, agency_a), text=REPORT)
    # agency_b's report never came: due 20 April, counted once the day has passed.
    definitions, rows = kpis.ranking(
        kpis.Period.month(2026, 4), sort="report_timeliness", today=date(2026, 4, 30)
    )
    assert "report_timeliness" in [k.key for k in definitions]
    by_code = {row.agency_code: row.values["report_timeliness"] for row in rows}
    assert (by_code[agency_a.code].numerator, by_code[agency_a.code].denominator) == (1, 2)
    assert str(by_code[agency_a.code].value) == "50.0"
    assert (by_code[agency_b.code].numerator, by_code[agency_b.code].denominator) == (0, 1)
    assert rows[0].agency_code == agency_a.code
