"""The same matter filed again (信访工作条例 art. 19), after 三级终结 (art. 36) or after its review window
lapsed (arts. 35-36): matched across petition types, reworded, and by the ID number of letters entered
without an account; each decision comes with a written notice; the bureau confirms or undoes a link.
Old main let every one of these through as a new case, with no notice."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from cases import queries, services
from cases.access import case_for_citizen
from cases.index.models import CaseIndex
from cases.models import CaseEvent, CaseState, Document
from cases.services import Actor, PetitionerInput, PetitionInput
from cases.services.repeats import find_prior_matter, same_matter
from config import clock
from config.errors import HallError, InvalidTransition
from tests.cases.conftest import VALID_ID, in_schema, load_case, staff

CST = ZoneInfo("Asia/Shanghai")
REWORDED = {
    "petition_type": "request",
    "title": "物业违规多收停车费，请求退还",
    "body": "湖滨区某小区的物业公司今年以来每个月多收我停车费两百元，毫无依据，请求责令退还。",
}


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


def _citizen_documents(result, user) -> list[Document]:
    return queries.documents(case_for_citizen(user, result.case_uuid), for_citizen=True)


def test_the_same_matter_reworded_as_a_request_is_linked_with_a_written_notice(
    frozen, file_petition, citizen, bureau
):
    frozen(at(2026, 3, 2))
    first = file_petition()  # a complaint (投诉)
    frozen(at(2026, 3, 9))
    again = file_petition(**REWORDED)  # the same matter as a request (求决), reworded
    assert again.state == CaseState.LINKED and again.linked_to == first.case_uuid
    notices = [d for d in _citizen_documents(again, citizen) if d.kind == "repeat_notice"]
    assert len(notices) == 1 and notices[0].number and notices[0].service_due == date(2026, 3, 16)
    events = in_schema(bureau, CaseEvent, case_id=again.case_uuid)
    assert any(e.kind == "linked" and "第十九条" in e.message and e.visible_to_citizen for e in events)


def test_a_different_matter_in_the_same_estate_is_a_new_case(file_petition):
    file_petition()
    other = file_petition(
        title="小区电梯长期故障",
        body="我住在湖滨区某小区，小区电梯从今年起经常故障停运，物业公司不维修，请有关部门查处。",
    )
    assert other.state == CaseState.SUBMITTED and other.linked_to is None


def test_a_letter_entered_without_an_account_is_matched_by_the_id_number(
    file_petition, clerk, bureau, other_citizen
):
    first = file_petition()  # online, ID number VALID_ID
    letter = services.submit_petition(
        actor=staff(clerk, bureau),
        filed_with=bureau,
        channel="letter",
        petition=PetitionInput(**REWORDED),
        petitioner=PetitionerInput(name="张爱丽", id_number=VALID_ID.lower()),
    )
    assert letter.state == CaseState.LINKED and letter.linked_to == first.case_uuid
    assert any(d.kind == "repeat_notice" for d in in_schema(bureau, Document, case_id=letter.case_uuid))
    # Another ID number is another person: a new case.
    stranger = services.submit_petition(
        actor=staff(clerk, bureau),
        filed_with=bureau,
        channel="visit",
        petition=PetitionInput(**REWORDED),
        petitioner=PetitionerInput(name="赵六", id_number="110105194912310021"),
    )
    assert stranger.state == CaseState.SUBMITTED


def test_a_matter_whose_review_window_lapsed_is_not_accepted_again(
    frozen, settings, file_petition, citizen, clerk, bureau, handler_a, agency_a
):
    settings.HALL_ONLINE_SERVICE_DAYS = 7
    frozen(at(2026, 3, 2))
    first = file_petition()
    services.forward_case(case_uuid=first.case_uuid, actor=staff(clerk, bureau), target=agency_a)
    services.accept_case(case_uuid=first.case_uuid, actor=staff(handler_a, agency_a))
    frozen(at(2026, 3, 10))
    services.reply_case(
        case_uuid=first.case_uuid,
        actor=staff(handler_a, agency_a),
        opinion="not_support",
        text="经查，物业收费符合合同约定，不予支持。",
    )
    # Received 17 March at the latest; no review asked by 16 April: the reply stands.
    frozen(at(2026, 4, 17))
    services.close_case(case_uuid=first.case_uuid, actor=Actor.system())
    frozen(at(2026, 5, 6))
    again = file_petition(**REWORDED)
    assert again.state == CaseState.NOT_ACCEPTED
    case = load_case(again.case_uuid)
    assert case.not_accepted_channel == "lapsed" and first.tracking_number in case.not_accepted_reason
    assert "第三十五、三十六条" in case.not_accepted_reason
    notices = [d for d in _citizen_documents(again, citizen) if d.kind == "final_notice"]
    assert len(notices) == 1


def test_after_three_levels_the_written_notice_says_no_longer_accepted(
    file_petition, citizen, clerk, bureau_leader, bureau
):
    first = file_petition()
    services.reply_directly(
        case_uuid=first.case_uuid,
        actor=staff(clerk, bureau),
        opinion="not_support",
        text="经查，收费符合约定，不予支持。",
    )
    services.request_review(case_uuid=first.case_uuid, actor=Actor.citizen(citizen), reason="对处理意见不服")
    # The bureau replied itself, so the bodies above it decide, outside the hall (arts. 35-36): the
    # bureau enters their opinions as they come back.
    services.enter_review_result(
        case_uuid=first.case_uuid,
        actor=staff(clerk, bureau),
        opinion="not_support",
        text="经复查，维持原处理意见。",
        decided_on=clock.today(),
    )
    services.request_rereview(
        case_uuid=first.case_uuid, actor=Actor.citizen(citizen), reason="对复查意见不服"
    )
    services.enter_rereview_result(
        case_uuid=first.case_uuid,
        actor=staff(bureau_leader, bureau),
        opinion="not_support",
        text="经复核，本事项终结。",
        decided_on=clock.today(),
    )
    again = file_petition(**REWORDED)
    assert again.state == CaseState.NOT_ACCEPTED
    assert load_case(again.case_uuid).not_accepted_channel == "final"
    notices = [d for d in _citizen_documents(again, citizen) if d.kind == "final_notice"]
    assert len(notices) == 1 and notices[0].visible_to_citizen


def test_the_bureau_confirms_or_undoes_a_link(
    frozen, file_petition, citizen, clerk, bureau, handler_a, agency_a
):
    frozen(at(2026, 3, 2))
    file_petition()
    linked = file_petition(**REWORDED)
    for outsider in (staff(handler_a, agency_a), Actor.citizen(citizen)):
        with pytest.raises(HallError):
            services.confirm_link(case_uuid=linked.case_uuid, actor=outsider)
        with pytest.raises(HallError):
            services.undo_link(case_uuid=linked.case_uuid, actor=outsider, reason="不是同一事项")
    services.confirm_link(case_uuid=linked.case_uuid, actor=staff(clerk, bureau))
    assert load_case(linked.case_uuid).link_confirmed_at is not None
    with pytest.raises(InvalidTransition) as caught:
        services.confirm_link(case_uuid=linked.case_uuid, actor=staff(clerk, bureau))
    assert caught.value.code == "link_confirmed"
    frozen(at(2026, 3, 4))
    with pytest.raises(HallError) as caught:
        services.undo_link(case_uuid=linked.case_uuid, actor=staff(clerk, bureau), reason="")
    assert caught.value.code == "reason_required"
    services.undo_link(
        case_uuid=linked.case_uuid, actor=staff(clerk, bureau), reason="诉求不同：本件要求退款"
    )
    index = CaseIndex.objects.get(case_uuid=linked.case_uuid)
    assert index.state == CaseState.SUBMITTED and index.is_open and index.linked_to is None
    assert index.routing_due == date(2026, 3, 19)  # 15 days from the ruling on Wed 4 March
    kinds = [e.kind for e in in_schema(bureau, CaseEvent, case_id=linked.case_uuid) if e.visible_to_citizen]
    assert "link_confirmed" in kinds and kinds[-1] == "link_undone"


def test_matching_reads_few_rows(file_petition, citizen, django_assert_max_num_queries):
    for number in range(30):
        file_petition(
            title=f"第{number}件不同的事", body=f"这是第{number}件完全不同的事情，编号{number * 7919}。"
        )
    with django_assert_max_num_queries(4):
        prior = find_prior_matter(citizen, REWORDED["title"], REWORDED["body"], "request", id_hash="")
    assert prior is None


def test_same_matter_by_similarity():
    title, body = (
        "小区物业违规收取停车费",
        "我住在湖滨区某小区，物业公司从今年起每月多收停车费两百元，没有任何依据，请有关部门查处。",
    )
    assert same_matter(title, body, REWORDED["title"], REWORDED["body"])
    assert not same_matter(
        title, body, "学校违规补课", "某中学周末组织学生有偿补课，每人收费五百元，请教育部门查处。"
    )
    assert not same_matter(
        "投诉", "路灯坏了很久没人修，晚上出行很不安全。", "投诉", "食堂饭菜不卫生，吃了拉肚子。"
    )


def test_bigrams_of_boilerplate_alone_say_nothing_of_the_matter():
    from cases.services.repeats import _shingles

    # 我们 / 们的 / 的小 / 小区: every character is petition boilerplate; 区噪 and 噪音 name the matter.
    assert _shingles("我们的小区，噪音！") == {"区噪", "噪音"}
    assert _shingles("Ab") == {"ab"} and _shingles("a") == frozenset() and _shingles("") == frozenset()
