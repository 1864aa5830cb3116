"""Review (复查), re-review (复核) and hearings (听证), driven on real 2026 dates (信访工作条例 arts. 35-36).

A rating never closes a case or takes the review window away; review is by the level above the body
that handled the matter and re-review by the level above the reviewer, never the same body (the bureau's
direct replies included); a body outside the hall is handed the request and its result entered on
return, both on the petitioner's timeline; a hearing's days move the re-review deadline.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django_tenants.utils import schema_context

from accounts.models import Role
from cases import procedure, services
from cases.index.models import CaseIndex
from cases.models import Case, CaseEvent, CaseState, Document, EventKind, Hearing
from cases.oversight.services import sweep_deadlines
from cases.services import Actor
from config.errors import DeadlinePassed, Forbidden, HallError, InvalidTransition
from tenants.city import CITY
from tenants.models import Agency, AgencyKind, ReviewBody
from tests.cases.conftest import load_case, staff
from tests.conftest import make_staff

CST = ZoneInfo("Asia/Shanghai")
REPLY = "经调查核实，物业公司多收的停车费已责令退还，并对其进行了约谈。"
OPINION = "经复查，原处理意见认定事实清楚，适用依据正确，予以维持。"
REASON = "对处理意见不服，认为事实认定不清。"


def at(y, m, d, hh=10, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=CST)


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


@pytest.fixture
def replied_on_march_10(frozen, file_petition, citizen, clerk, bureau, handler_a, agency_a):
    """公安局 (a municipal department) replies on 2026-03-10 to a petition routed to it; the petitioner
    opens it on the portal that day, so it is received (送达) on 03-10 and the windows run from then."""
    frozen(at(2026, 3, 2))
    result = file_petition()
    services.forward_case(case_uuid=result.case_uuid, actor=staff(clerk, bureau), target=agency_a)
    frozen(at(2026, 3, 3))
    services.accept_case(case_uuid=result.case_uuid, actor=staff(handler_a, agency_a))
    frozen(at(2026, 3, 10))
    services.reply_case(
        case_uuid=result.case_uuid, actor=staff(handler_a, agency_a), opinion="explain", text=REPLY
    )
    services.record_portal_view(case_uuid=result.case_uuid, actor=Actor.citizen(citizen))
    return result.case_uuid


def _index(case_uuid) -> CaseIndex:
    return CaseIndex.objects.select_related("holder").get(case_uuid=case_uuid)


def _events(case_uuid) -> list[CaseEvent]:
    index = _index(case_uuid)
    with schema_context(index.holder.schema_name):
        return list(CaseEvent.objects.filter(case_id=case_uuid).order_by("seq"))


# --- Finding 1: a rating waives nothing ----------------------------------------------------------------


def test_a_basically_satisfied_rating_neither_closes_the_case_nor_takes_away_the_review(
    frozen, replied_on_march_10, citizen, handler_a, agency_a, bureau
):
    case_uuid = replied_on_march_10
    assert load_case(case_uuid).review_request_due == date(2026, 4, 9)  # 30 days from 03-10 (art. 35)
    frozen(at(2026, 3, 10, 15))
    services.evaluate_case(case_uuid=case_uuid, actor=Actor.citizen(citizen), satisfaction="basically")
    frozen(at(2026, 3, 11))
    with pytest.raises(InvalidTransition) as refused:
        services.close_case(case_uuid=case_uuid, actor=staff(handler_a, agency_a))
    assert refused.value.code == "window_open"
    assert _index(case_uuid).tracking_number not in sweep_deadlines().closed
    assert _index(case_uuid).state == CaseState.REPLIED
    frozen(at(2026, 3, 20))
    services.request_review(case_uuid=case_uuid, actor=Actor.citizen(citizen), reason=REASON)
    index = _index(case_uuid)
    assert index.state == CaseState.REVIEW_REQUESTED and index.holder == bureau
    assert index.satisfaction == "basically"  # the rating stays what the petitioner said


def test_a_satisfied_rating_leaves_the_rereview_window_open_after_the_review_opinion(
    frozen, replied_on_march_10, citizen, clerk, bureau
):
    case_uuid = replied_on_march_10
    me = Actor.citizen(citizen)
    services.evaluate_case(case_uuid=case_uuid, actor=me, satisfaction="satisfied")
    frozen(at(2026, 3, 12))
    services.request_review(case_uuid=case_uuid, actor=me, reason=REASON)
    frozen(at(2026, 3, 25))
    services.answer_review(case_uuid=case_uuid, actor=staff(clerk, bureau), opinion="explain", text=OPINION)
    services.record_portal_view(case_uuid=case_uuid, actor=me)  # received the same day
    assert load_case(case_uuid).rereview_request_due == date(2026, 4, 24)
    frozen(at(2026, 3, 26))
    with pytest.raises(InvalidTransition) as refused:
        services.close_case(case_uuid=case_uuid, actor=staff(clerk, bureau))
    assert refused.value.code == "window_open"
    frozen(at(2026, 4, 10))
    services.request_rereview(case_uuid=case_uuid, actor=me, reason="仍然不服复查意见")
    assert _index(case_uuid).state == CaseState.REREVIEW_REQUESTED


def test_the_sweep_closes_a_rated_case_only_once_the_window_lapsed_unused(
    frozen, replied_on_march_10, citizen
):
    case_uuid = replied_on_march_10
    services.evaluate_case(case_uuid=case_uuid, actor=Actor.citizen(citizen), satisfaction="satisfied")
    tracking = _index(case_uuid).tracking_number
    frozen(at(2026, 4, 9, 23, 30))
    assert tracking not in sweep_deadlines(today=date(2026, 4, 9)).closed
    assert _index(case_uuid).state == CaseState.REPLIED
    frozen(at(2026, 4, 10, 1))
    assert tracking in sweep_deadlines(today=date(2026, 4, 10)).closed
    assert _index(case_uuid).state == CaseState.CLOSED
    with pytest.raises(InvalidTransition):
        services.request_review(case_uuid=case_uuid, actor=Actor.citizen(citizen), reason=REASON)


def test_the_petitioner_may_decline_review_on_the_portal_and_the_case_closes(
    frozen, replied_on_march_10, citizen, other_citizen, portal_client
):
    case_uuid = replied_on_march_10
    url = f"/mine/{case_uuid}/decline-review/"
    frozen(at(2026, 3, 12))
    portal_client.force_login(citizen)
    page = portal_client.get(f"/mine/{case_uuid}/")
    assert page.context["can_decline"] and page.context["review_open"]
    assert url in page.content.decode()
    portal_client.force_login(other_citizen)
    assert portal_client.post(url).status_code == 404
    portal_client.logout()
    assert portal_client.post(url).status_code == 302 and _index(case_uuid).state == CaseState.REPLIED
    portal_client.force_login(citizen)
    assert portal_client.post(url).status_code == 302
    assert _index(case_uuid).state == CaseState.CLOSED
    declined = [e for e in _events(case_uuid) if e.kind == EventKind.REVIEW_DECLINED]
    assert declined and declined[0].visible_to_citizen and "不再申请复查" in declined[0].message
    page = portal_client.get(f"/mine/{case_uuid}/").content.decode()
    assert "不再申请复查" in page and url not in page


def test_declining_is_refused_once_the_window_lapsed(frozen, replied_on_march_10, citizen):
    frozen(at(2026, 4, 10))
    with pytest.raises(DeadlinePassed):
        services.decline_review(case_uuid=replied_on_march_10, actor=Actor.citizen(citizen))


# --- Finding 2: the review hierarchy, never the same body -----------------------------------------------

HOLDERS = [spec.code for spec in CITY if spec.kind not in (AgencyKind.OVERSIGHT, AgencyKind.PORTAL)]


@pytest.mark.parametrize("code", HOLDERS)
def test_no_agency_reviews_or_rereviews_its_own_decision(city, code):
    agency = city[code]
    assert services.review_chain_problems(agency) == []
    body = services.review_body_of(agency)
    assert body.agency_id != agency.pk, f"{code} is its own 上级机关"
    assert body.above is not None and body.above.pk != body.pk
    assert body.above.agency_id not in {agency.pk, body.agency_id} or body.above.agency_id is None
    # What the procedure decides for a reply by this agency, before and after the requests.
    case = Case(replied_by=code, state=CaseState.REPLIED)
    review = services._review_body(case)
    rereview = services._rereview_body(case)
    assert review.body == body and rereview.body == body.above
    deciders = [r.agency.code for r in (review, rereview) if r.agency is not None]
    assert code not in deciders and len(set(deciders)) == len(deciders)


def test_the_seeded_hierarchy_is_the_citys(city):
    assert services.review_body_of(city["gaj"]).code == "smx-gov"  # a department: the city government
    assert services.review_body_of(city["lbs"]).code == "smx-gov"  # a county: the city government
    assert services.review_body_of(city["xfj"]).code == "hn-xfj"  # the bureau: the province
    city_gov = ReviewBody.objects.get(code="smx-gov")
    assert city_gov.agency == city["xfj"] and not city_gov.above.in_hall  # re-review: 河南省人民政府


def test_a_bureau_direct_reply_is_reviewed_and_rereviewed_outside_the_hall_and_the_citizen_sees_both(
    frozen,
    file_petition,
    citizen,
    other_citizen,
    clerk,
    bureau_leader,
    bureau,
    handler_b,
    agency_b,
    portal_client,
):
    frozen(at(2026, 3, 10))
    result = file_petition()
    case_uuid = result.case_uuid
    bureau_staff = staff(clerk, bureau)
    services.reply_directly(case_uuid=case_uuid, actor=bureau_staff, opinion="not_support", text=REPLY)
    frozen(at(2026, 3, 20))
    services.request_review(case_uuid=case_uuid, actor=Actor.citizen(citizen), reason=REASON)
    index = _index(case_uuid)
    # The bureau keeps the case only to hand it off: 河南省信访局 decides, never the bureau (art. 35).
    assert index.holder == bureau and index.state == CaseState.REVIEW_REQUESTED
    case = load_case(case_uuid)
    assert case.review_body == "hn-xfj"
    with pytest.raises(Forbidden):
        services.answer_review(case_uuid=case_uuid, actor=bureau_staff, opinion="explain", text=OPINION)
    allowed = procedure.allowed_actions(staff(bureau_leader, bureau), index, case)
    assert not allowed["answer_review"].allowed and allowed["enter_review_result"].allowed
    with schema_context(bureau.schema_name):
        notice = Document.objects.get(case_id=case_uuid, kind="referral_notice")
    assert notice.visible_to_citizen and "信移" in notice.number
    # Another agency cannot enter the result, nor a citizen.
    with pytest.raises(HallError):
        services.enter_review_result(
            case_uuid=case_uuid,
            actor=staff(handler_b, agency_b),
            opinion="explain",
            text=OPINION,
            decided_on=date(2026, 4, 15),
        )
    with pytest.raises(Forbidden):
        services.enter_review_result(
            case_uuid=case_uuid,
            actor=Actor.citizen(citizen),
            opinion="explain",
            text=OPINION,
            decided_on=date(2026, 4, 15),
        )
    frozen(at(2026, 4, 20))
    with pytest.raises(HallError) as wrong:  # an opinion dated before the request
        services.enter_review_result(
            case_uuid=case_uuid,
            actor=bureau_staff,
            opinion="explain",
            text=OPINION,
            decided_on=date(2026, 3, 1),
        )
    assert wrong.value.code == "invalid_date"
    services.enter_review_result(
        case_uuid=case_uuid,
        actor=bureau_staff,
        opinion="explain",
        text=OPINION,
        decided_on=date(2026, 4, 15),
        delivered_on=date(2026, 4, 17),
        number="豫信复〔2026〕12号",
    )
    case = load_case(case_uuid)
    # art. 36: 30 days from the day the opinion reached the petitioner (04-17 + 30 = 05-17, a Sunday).
    assert case.state == CaseState.REVIEWED and case.rereview_request_due == date(2026, 5, 18)
    frozen(at(2026, 4, 25))
    services.request_rereview(case_uuid=case_uuid, actor=Actor.citizen(citizen), reason="仍然不服复查意见")
    assert load_case(case_uuid).rereview_body == "hn-gov" and _index(case_uuid).holder == bureau
    with pytest.raises(Forbidden):
        services.answer_rereview(
            case_uuid=case_uuid, actor=staff(bureau_leader, bureau), opinion="explain", text=OPINION
        )
    frozen(at(2026, 5, 20))
    services.enter_rereview_result(
        case_uuid=case_uuid, actor=bureau_staff, opinion="explain", text=OPINION, decided_on=date(2026, 5, 19)
    )
    assert _index(case_uuid).state == CaseState.TERMINATED
    # The petitioner sees the hand-offs and the results, with the bodies that decided.
    portal_client.force_login(citizen)
    page = portal_client.get(f"/mine/{case_uuid}/").content.decode()
    assert "河南省信访局" in page and "河南省人民政府" in page
    assert page.count("已将申请及材料移送该机关") == 2 and "出具复查意见（解释说明），已登记" in page
    assert f"/mine/{case_uuid}/documents/{notice.pk}/" in page
    portal_client.force_login(other_citizen)
    assert portal_client.get(f"/mine/{case_uuid}/").status_code == 404


def test_a_department_reply_is_reviewed_by_the_city_government_and_rereviewed_by_the_province(
    frozen, replied_on_march_10, citizen, clerk, bureau_leader, bureau
):
    case_uuid = replied_on_march_10
    me = Actor.citizen(citizen)
    frozen(at(2026, 3, 12))
    services.request_review(case_uuid=case_uuid, actor=me, reason=REASON)
    assert _index(case_uuid).holder == bureau  # the bureau decides for 三门峡市人民政府
    services.answer_review(case_uuid=case_uuid, actor=staff(clerk, bureau), opinion="explain", text=OPINION)
    frozen(at(2026, 3, 20))
    services.request_rereview(case_uuid=case_uuid, actor=me, reason="仍然不服复查意见")
    # The level above the city government is outside the hall: the bureau, which reviewed, may not
    # re-review (art. 36).
    with pytest.raises(Forbidden):
        services.answer_rereview(
            case_uuid=case_uuid, actor=staff(bureau_leader, bureau), opinion="explain", text=OPINION
        )
    kinds = [e.kind for e in _events(case_uuid)]
    assert kinds.count(EventKind.REFERRED) == 1
    services.enter_rereview_result(
        case_uuid=case_uuid,
        actor=staff(clerk, bureau),
        opinion="explain",
        text=OPINION,
        decided_on=date(2026, 3, 20),
    )
    assert _index(case_uuid).state == CaseState.TERMINATED


def test_a_self_review_chain_is_refused_in_the_settings_and_never_used(
    frozen, host_client, file_petition, citizen, clerk, bureau, agency_a, admin_a
):
    bureau_admin = make_staff("admin@xfj.example.cn", bureau, Role.ADMIN)
    with pytest.raises(HallError) as refused:
        services_ws().set_review_body(
            acting_user=bureau_admin, bureau=bureau, agency=bureau, body_code="smx-gov"
        )
    assert refused.value.code == "self_review"
    # An agency never sets its own reviewer, even its admin.
    with pytest.raises(Forbidden):
        services_ws().set_review_body(
            acting_user=admin_a, bureau=agency_a, agency=agency_a, body_code="hn-gov"
        )
    response = host_client(agency_a, admin_a).post(
        "/settings/review-body/", {"agency": agency_a.code, "body": "hn-xfj"}
    )
    assert response.status_code == 403
    assert Agency.objects.get(pk=agency_a.pk).review_body.code == "smx-gov"
    # The bureau's admin may change it; the page lists every agency's chain.
    page = host_client(bureau, bureau_admin).get("/settings/")
    assert (
        'data-testid="review-hierarchy"' in page.content.decode()
        and agency_a.name_zh in page.content.decode()
    )
    ok = host_client(bureau, bureau_admin).post(
        "/settings/review-body/", {"agency": agency_a.code, "body": "hn-xfj"}
    )
    assert ok.status_code == 302 and Agency.objects.get(pk=agency_a.pk).review_body.code == "hn-xfj"
    # An agency's own page shows its chain read-only.
    own = host_client(agency_a, admin_a).get("/settings/").content.decode()
    assert "河南省人民政府" in own and "/settings/review-body/" not in own
    # Even a chain forced past the settings never lets the bureau review its own reply.
    Agency.objects.filter(pk=bureau.pk).update(review_body=ReviewBody.objects.get(code="smx-gov"))
    frozen(at(2026, 3, 10))
    result = file_petition()
    services.reply_directly(
        case_uuid=result.case_uuid, actor=staff(clerk, bureau), opinion="explain", text=REPLY
    )
    services.request_review(case_uuid=result.case_uuid, actor=Actor.citizen(citizen), reason=REASON)
    case = load_case(result.case_uuid)
    assert services._review_body(case).agency is None  # handed to 三门峡市人民政府 itself, outside
    with pytest.raises(Forbidden):
        services.answer_review(
            case_uuid=result.case_uuid, actor=staff(clerk, bureau), opinion="explain", text=OPINION
        )


def services_ws():
    from cases.workspace import services as ws

    return ws


# --- Finding 10: re-review hearings ---------------------------------------------------------------


@pytest.fixture
def rereview_at_agency_b(frozen, replied_on_march_10, citizen, clerk, bureau, agency_b):
    """A city whose level above the city government decides in the hall (agency_b acts for it), with
    a re-review requested on 2026-04-10."""
    above = ReviewBody.objects.create(code="test-above", name_zh="测试复核机关", agency=agency_b)
    ReviewBody.objects.filter(code="smx-gov").update(above=above)
    case_uuid = replied_on_march_10
    me = Actor.citizen(citizen)
    frozen(at(2026, 3, 12))
    services.request_review(case_uuid=case_uuid, actor=me, reason=REASON)
    frozen(at(2026, 3, 25))
    services.answer_review(case_uuid=case_uuid, actor=staff(clerk, bureau), opinion="explain", text=OPINION)
    frozen(at(2026, 4, 10))
    services.request_rereview(case_uuid=case_uuid, actor=me, reason="仍然不服复查意见")
    assert _index(case_uuid).holder == agency_b
    return case_uuid


def test_a_hearing_moves_the_rereview_deadline_by_its_days(
    frozen,
    rereview_at_agency_b,
    host_client,
    agency_b,
    handler_b,
    leader_b,
    agency_a,
    handler_a,
    bureau,
    clerk,
    citizen,
    portal_client,
    county,
):
    case_uuid = rereview_at_agency_b
    # 04-10 + 30 days = 05-10, a Sunday: the period ends on Monday 05-11 (民法典 art. 203).
    assert load_case(case_uuid).rereview_due == date(2026, 5, 11)
    base = f"/api/v1/cases/{case_uuid}/actions"
    frozen(at(2026, 4, 15))
    body = {"starts_on": "2026-04-20", "place": "市信访局听证室"}
    # Nobody but the re-review body schedules it: not the reviewer nor the handler (they keep a stub of
    # the case: refused), not an agency that never had it (not found), not the citizen.
    for agency, user, status in (
        (bureau, clerk, 403),
        (agency_a, handler_a, 403),
        (county, make_staff("handler@lbs.example.cn", county, Role.HANDLER), 404),
    ):
        answer = host_client(agency, user).post(
            f"{base}/schedule_hearing/", body, content_type="application/json"
        )
        assert answer.status_code == status, agency.code
    with pytest.raises(Forbidden):
        services.schedule_hearing(
            case_uuid=case_uuid, actor=Actor.citizen(citizen), starts_on=date(2026, 4, 20), place="x"
        )
    scheduled = host_client(agency_b, handler_b).post(
        f"{base}/schedule_hearing/", body, content_type="application/json"
    )
    assert scheduled.status_code == 200, scheduled.content
    again = host_client(agency_b, handler_b).post(
        f"{base}/schedule_hearing/", body, content_type="application/json"
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "hearing_open"
    frozen(at(2026, 4, 22, 17))
    # Recorded and closed on the workspace: three days, 04-20 to 04-22.
    closed = host_client(agency_b, handler_b).post(
        f"/case/{case_uuid}/act/close_hearing/",
        {
            "close_hearing-ends_on": "2026-04-22",
            "close_hearing-minutes": "听取了信访人和原办理机关的陈述，双方进行了质证。",
        },
    )
    assert closed.status_code == 302, closed.content.decode()[:2000]
    case = load_case(case_uuid)
    # 04-10 + 33 days = 05-13 (Wednesday).
    assert (case.hearing_days, case.rereview_due, case.hearing_open) == (3, date(2026, 5, 13), False)
    assert _index(case_uuid).rereview_due == date(2026, 5, 13)
    with schema_context(agency_b.schema_name):
        hearing = Hearing.objects.get(case_id=case_uuid)
    assert (hearing.starts_on, hearing.ends_on, hearing.days) == (date(2026, 4, 20), date(2026, 4, 22), 3)
    # A recount after a calendar change keeps the hearing out of the period.
    services.recompute_deadlines(case_uuid=case_uuid)
    assert load_case(case_uuid).rereview_due == date(2026, 5, 13)
    portal_client.force_login(citizen)
    page = portal_client.get(f"/mine/{case_uuid}/").content.decode()
    assert "市信访局听证室" in page and "听证已结束（3日，不计入复核期限）" in page
    frozen(at(2026, 5, 12))
    services.answer_rereview(
        case_uuid=case_uuid, actor=staff(leader_b, agency_b), opinion="explain", text=OPINION
    )
    assert _index(case_uuid).state == CaseState.TERMINATED


def test_a_hearing_cannot_end_before_it_began_nor_in_the_future(
    frozen, rereview_at_agency_b, agency_b, handler_b
):
    case_uuid = rereview_at_agency_b
    actor = staff(handler_b, agency_b)
    frozen(at(2026, 4, 15))
    with pytest.raises(HallError) as early:
        services.schedule_hearing(
            case_uuid=case_uuid, actor=actor, starts_on=date(2026, 4, 1), place="听证室"
        )
    assert early.value.code == "invalid_date"
    with pytest.raises(InvalidTransition):
        services.close_hearing(case_uuid=case_uuid, actor=actor, ends_on=date(2026, 4, 15), minutes=REPLY)
    services.schedule_hearing(case_uuid=case_uuid, actor=actor, starts_on=date(2026, 4, 16), place="听证室")
    for ends_on in (date(2026, 4, 14), date(2026, 4, 30)):
        with pytest.raises(HallError) as wrong:
            services.close_hearing(case_uuid=case_uuid, actor=actor, ends_on=ends_on, minutes=REPLY)
        assert wrong.value.code == "invalid_date"
    assert load_case(case_uuid).rereview_due == date(2026, 5, 11)


def test_the_petitioner_declines_through_the_api_on_their_own_petition_only(
    frozen, replied_on_march_10, citizen, other_citizen, portal_client
):
    path = f"/api/v1/petitions/{replied_on_march_10}/actions/decline_review/"
    frozen(at(2026, 3, 15))
    portal_client.force_login(other_citizen)
    assert portal_client.post(path, data={}, content_type="application/json").status_code == 404
    portal_client.force_login(citizen)
    detail = portal_client.get(f"/api/v1/petitions/{replied_on_march_10}/").json()
    assert detail["allowed_actions"]["decline_review"]["allowed"]
    assert detail["allowed_actions"]["request_review"]["allowed"]
    declined = portal_client.post(path, data={}, content_type="application/json")
    assert declined.status_code == 200, declined.content
    assert _index(replied_on_march_10).state == CaseState.CLOSED


def test_without_a_configured_body_above_nobody_rereviews_and_pages_still_render(
    frozen, replied_on_march_10, citizen, clerk, bureau, host_client
):
    ReviewBody.objects.filter(code="smx-gov").update(above=None)
    me = Actor.citizen(citizen)
    frozen(at(2026, 3, 12))
    services.request_review(case_uuid=replied_on_march_10, actor=me, reason=REASON)
    services.answer_review(
        case_uuid=replied_on_march_10, actor=staff(clerk, bureau), opinion="explain", text=OPINION
    )
    assert host_client(bureau, clerk).get(f"/case/{replied_on_march_10}/").status_code == 200
    with pytest.raises(HallError) as refused:
        services.request_rereview(case_uuid=replied_on_march_10, actor=me, reason="仍然不服复查意见")
    assert refused.value.code == "no_rereview_body"
    assert _index(replied_on_march_10).state == CaseState.REVIEWED
