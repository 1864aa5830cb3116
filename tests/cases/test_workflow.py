"""Every transition of the lawful procedure, allowed and refused."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from cases import services
from cases.index.models import CaseIndex
from cases.models import Case, CaseEvent, CaseState, Document, ExtensionStatus
from cases.services import Actor
from config.errors import DeadlinePassed, Forbidden, InvalidTransition, NotFound
from tests.cases.conftest import in_schema, load_case, staff


@pytest.fixture
def routed(file_petition, clerk, bureau, agency_a):
    """A petition filed with the bureau, registered and forwarded to 公安局."""
    result = file_petition()
    services.register_case(case_uuid=result.case_uuid, actor=staff(clerk, bureau))
    services.forward_case(case_uuid=result.case_uuid, actor=staff(clerk, bureau), target=agency_a)
    return result


@pytest.fixture
def accepted(routed, handler_a, agency_a):
    services.sign_case(case_uuid=routed.case_uuid, actor=staff(handler_a, agency_a))
    services.accept_case(case_uuid=routed.case_uuid, actor=staff(handler_a, agency_a))
    return routed


@pytest.fixture
def replied(accepted, handler_a, agency_a):
    services.reply_case(
        case_uuid=accepted.case_uuid,
        actor=staff(handler_a, agency_a),
        opinion="support",
        text="经调查核实，物业公司收费无依据，已责令退还多收费用。",
    )
    return accepted


def test_register_moves_submitted_to_registered(file_petition, clerk, bureau):
    result = file_petition()
    services.register_case(case_uuid=result.case_uuid, actor=staff(clerk, bureau))
    assert load_case(result.case_uuid).state == CaseState.REGISTERED


def test_register_refused_to_a_department_and_to_a_citizen(file_petition, handler_a, agency_a, citizen):
    result = file_petition()
    with pytest.raises(Forbidden):
        services.register_case(case_uuid=result.case_uuid, actor=staff(handler_a, agency_a))
    with pytest.raises(Forbidden):
        services.register_case(case_uuid=result.case_uuid, actor=Actor.citizen(citizen))


def test_register_twice_is_an_invalid_transition(file_petition, clerk, bureau):
    result = file_petition()
    services.register_case(case_uuid=result.case_uuid, actor=staff(clerk, bureau))
    with pytest.raises(InvalidTransition) as caught:
        services.register_case(case_uuid=result.case_uuid, actor=staff(clerk, bureau))
    assert caught.value.code == "invalid_transition" and caught.value.status == 409
    assert "已登记" in str(caught.value)


def test_forward_moves_the_case_to_the_agency_schema(routed, bureau, agency_a):
    index = CaseIndex.objects.get(case_uuid=routed.case_uuid)
    assert index.holder == agency_a and index.state == CaseState.RECEIVED
    stub = in_schema(bureau, Case, pk=routed.case_uuid)[0]
    assert stub.state == CaseState.TRANSFERRED
    moved = load_case(routed.case_uuid)
    assert moved.state == CaseState.RECEIVED and moved.routing_mode == "forward"
    kinds = [e.kind for e in in_schema(agency_a, CaseEvent, case_id=routed.case_uuid)]
    assert kinds == ["submitted", "registered", "forwarded", "transferred_in"]
    # the forward notice was issued by the bureau and travelled with the case
    docs = in_schema(agency_a, Document, case_id=routed.case_uuid)
    assert [d.kind for d in docs] == ["forward_notice"] and docs[0].number.startswith("三信")


def test_assign_requires_a_future_deadline_and_carries_the_report_duty(
    file_petition, clerk, bureau, agency_a
):
    result = file_petition()
    from config.errors import HallError

    with pytest.raises(HallError) as caught:
        services.forward_case(
            case_uuid=result.case_uuid, actor=staff(clerk, bureau), target=agency_a, mode="assign"
        )
    assert caught.value.code == "assignment_due_required"
    due = timezone.localdate() + timedelta(days=20)
    services.forward_case(
        case_uuid=result.case_uuid,
        actor=staff(clerk, bureau),
        target=agency_a,
        mode="assign",
        assignment_due=due,
        report_required=True,
    )
    case = load_case(result.case_uuid)
    assert case.routing_mode == "assign" and case.assignment_due == due and case.report_required


def test_sign_accept_and_reply(replied, agency_a):
    case = load_case(replied.case_uuid)
    assert case.state == CaseState.REPLIED and case.opinion == "support"
    assert case.handling_due is not None and case.review_request_due is not None
    kinds = {d.kind for d in in_schema(agency_a, Document, case_id=replied.case_uuid)}
    assert {"forward_notice", "acceptance_notice", "handling_opinion"} <= kinds
    index = CaseIndex.objects.get(case_uuid=replied.case_uuid)
    assert index.accepting_agency == agency_a and index.replied_at is not None


def test_agency_actions_refused_to_staff_of_another_agency(routed, handler_b, agency_b):
    for action in (services.sign_case, services.accept_case):
        with pytest.raises(Forbidden):
            action(case_uuid=routed.case_uuid, actor=staff(handler_b, agency_b))


def test_accept_refused_before_receipt_state_and_reply_refused_before_acceptance(routed, handler_a, agency_a):
    with pytest.raises(InvalidTransition):
        services.reply_case(
            case_uuid=routed.case_uuid,
            actor=staff(handler_a, agency_a),
            opinion="support",
            text="这是一个足够长的答复意见。",
        )


def test_not_accept_names_the_lawful_channel(routed, handler_a, agency_a):
    services.not_accept_case(
        case_uuid=routed.case_uuid,
        actor=staff(handler_a, agency_a),
        channel="litigation",
        reason="属于民事纠纷，应当向人民法院起诉。",
    )
    case = load_case(routed.case_uuid)
    assert case.state == CaseState.NOT_ACCEPTED and not case.is_open
    assert [d.kind for d in in_schema(agency_a, Document, case_id=routed.case_uuid)][
        -1
    ] == "non_acceptance_notice"


def test_objection_within_five_working_days_returns_the_case_to_the_bureau(
    routed, handler_a, agency_a, clerk, bureau
):
    services.object_to_routing(
        case_uuid=routed.case_uuid, actor=staff(handler_a, agency_a), reason="该事项属于住建部门职责。"
    )
    assert load_case(routed.case_uuid).state == CaseState.OBJECTED
    services.decide_objection(case_uuid=routed.case_uuid, actor=staff(clerk, bureau), approve=True)
    index = CaseIndex.objects.get(case_uuid=routed.case_uuid)
    assert index.holder == bureau and index.state == CaseState.REGISTERED
    assert load_case(routed.case_uuid).routing_due is not None


def test_rejected_objection_leaves_the_case_with_the_agency(routed, handler_a, agency_a, clerk, bureau):
    services.object_to_routing(
        case_uuid=routed.case_uuid, actor=staff(handler_a, agency_a), reason="不属于本单位。"
    )
    services.decide_objection(case_uuid=routed.case_uuid, actor=staff(clerk, bureau), approve=False)
    assert load_case(routed.case_uuid).state == CaseState.SIGNED
    assert CaseIndex.objects.get(case_uuid=routed.case_uuid).holder == agency_a


def test_objection_refused_after_five_working_days(routed, handler_a, agency_a):
    with schema_context(agency_a.schema_name):
        Case.objects.filter(pk=routed.case_uuid).update(
            objection_due=timezone.localdate() - timedelta(days=1)
        )
    with pytest.raises(DeadlinePassed):
        services.object_to_routing(
            case_uuid=routed.case_uuid, actor=staff(handler_a, agency_a), reason="不属于本单位。"
        )


def test_objection_decided_only_by_the_bureau(routed, handler_a, agency_a, leader_a):
    services.object_to_routing(
        case_uuid=routed.case_uuid, actor=staff(handler_a, agency_a), reason="不属于本单位。"
    )
    with pytest.raises(Forbidden):
        services.decide_objection(case_uuid=routed.case_uuid, actor=staff(leader_a, agency_a), approve=True)


def test_direct_filing_sent_back_to_the_bureau(file_petition, agency_a, handler_a, bureau):
    result = file_petition(agency=agency_a)
    services.send_to_bureau(
        case_uuid=result.case_uuid, actor=staff(handler_a, agency_a), reason="属于住建部门职责"
    )
    index = CaseIndex.objects.get(case_uuid=result.case_uuid)
    assert index.holder == bureau and index.state == CaseState.SUBMITTED and index.routing_due is not None


def test_extension_once_with_a_leaders_approval(accepted, handler_a, leader_a, agency_a):
    before = load_case(accepted.case_uuid).handling_due
    with pytest.raises(Forbidden):
        services.request_extension(
            case_uuid=accepted.case_uuid,
            actor=staff(leader_a, agency_a.__class__.objects.get(code="zjj")),
            days=10,
            reason="需要现场勘验",
        )
    services.request_extension(
        case_uuid=accepted.case_uuid,
        actor=staff(handler_a, agency_a),
        days=30,
        reason="需要会同住建部门现场勘验",
    )
    with pytest.raises(Forbidden):  # a handler cannot approve their own request
        services.decide_extension(
            case_uuid=accepted.case_uuid, actor=staff(handler_a, agency_a), approve=True
        )
    services.decide_extension(case_uuid=accepted.case_uuid, actor=staff(leader_a, agency_a), approve=True)
    case = load_case(accepted.case_uuid)
    assert case.extension_status == ExtensionStatus.APPROVED
    assert case.handling_due > before
    assert "extension_notice" in [d.kind for d in in_schema(agency_a, Document, case_id=accepted.case_uuid)]
    with pytest.raises(InvalidTransition) as caught:
        services.request_extension(
            case_uuid=accepted.case_uuid, actor=staff(handler_a, agency_a), days=5, reason="再延一次"
        )
    assert caught.value.code == "extension_once"


def test_extension_limited_to_thirty_days(accepted, handler_a, agency_a):
    from config.errors import HallError

    with pytest.raises(HallError) as caught:
        services.request_extension(
            case_uuid=accepted.case_uuid, actor=staff(handler_a, agency_a), days=31, reason="理由"
        )
    assert caught.value.code == "invalid_extension_days"


def test_refused_extension_leaves_the_deadline(accepted, handler_a, leader_a, agency_a):
    before = load_case(accepted.case_uuid).handling_due
    services.request_extension(
        case_uuid=accepted.case_uuid, actor=staff(handler_a, agency_a), days=10, reason="理由充分"
    )
    services.decide_extension(case_uuid=accepted.case_uuid, actor=staff(leader_a, agency_a), approve=False)
    case = load_case(accepted.case_uuid)
    assert case.extension_status == ExtensionStatus.REFUSED and case.handling_due == before


def test_evaluate_once_by_the_owner_only(replied, citizen, other_citizen):
    with pytest.raises(NotFound):
        services.evaluate_case(
            case_uuid=replied.case_uuid, actor=Actor.citizen(other_citizen), satisfaction="satisfied"
        )
    services.evaluate_case(
        case_uuid=replied.case_uuid, actor=Actor.citizen(citizen), satisfaction="basically"
    )
    assert CaseIndex.objects.get(case_uuid=replied.case_uuid).satisfaction == "basically"
    with pytest.raises(InvalidTransition):
        services.evaluate_case(
            case_uuid=replied.case_uuid, actor=Actor.citizen(citizen), satisfaction="satisfied"
        )


def test_evaluate_refused_before_reply(accepted, citizen):
    with pytest.raises(InvalidTransition):
        services.evaluate_case(
            case_uuid=accepted.case_uuid, actor=Actor.citizen(citizen), satisfaction="satisfied"
        )


def test_review_then_rereview_terminates(
    replied, citizen, clerk, bureau_leader, bureau, agency_b, handler_b, leader_b
):
    # Re-review by the level above the reviewer (art. 36): a city whose level above the city government
    # decides in the hall (agency_b acts for it); the bureau, which reviewed, may not re-review.
    from tenants.models import ReviewBody

    above = ReviewBody.objects.create(code="test-above", name_zh="测试复核机关", agency=agency_b)
    ReviewBody.objects.filter(code="smx-gov").update(above=above)
    services.request_review(
        case_uuid=replied.case_uuid, actor=Actor.citizen(citizen), reason="对退费金额不服"
    )
    index = CaseIndex.objects.get(case_uuid=replied.case_uuid)
    assert index.holder == bureau and index.state == CaseState.REVIEW_REQUESTED and index.review_due
    services.answer_review(
        case_uuid=replied.case_uuid,
        actor=staff(clerk, bureau),
        opinion="support",
        text="经复查，原处理意见事实清楚，予以维持。",
    )
    services.request_rereview(
        case_uuid=replied.case_uuid, actor=Actor.citizen(citizen), reason="仍然不服复查意见"
    )
    assert CaseIndex.objects.get(case_uuid=replied.case_uuid).holder == agency_b
    for not_allowed in (staff(bureau_leader, bureau), staff(handler_b, agency_b)):
        with pytest.raises(Forbidden):  # never the reviewer; and the re-review opinion is a leader's
            services.answer_rereview(
                case_uuid=replied.case_uuid,
                actor=not_allowed,
                opinion="support",
                text="经复核，维持复查意见，本事项终结。",
            )
    services.answer_rereview(
        case_uuid=replied.case_uuid,
        actor=staff(leader_b, agency_b),
        opinion="support",
        text="经复核，维持复查意见，本事项终结。",
    )
    case = load_case(replied.case_uuid)
    assert case.state == CaseState.TERMINATED and not case.is_open
    kinds = [d.kind for d in in_schema(agency_b, Document, case_id=replied.case_uuid)]
    assert "review_opinion" in kinds and "rereview_opinion" in kinds and "handling_opinion" in kinds


def test_review_refused_after_thirty_days(replied, citizen, agency_a):
    with schema_context(agency_a.schema_name):
        Case.objects.filter(pk=replied.case_uuid).update(
            review_request_due=timezone.localdate() - timedelta(days=1)
        )
    with pytest.raises(DeadlinePassed):
        services.request_review(
            case_uuid=replied.case_uuid, actor=Actor.citizen(citizen), reason="对退费金额不服"
        )


def test_review_refused_to_another_citizen(replied, other_citizen):
    with pytest.raises(NotFound):
        services.request_review(
            case_uuid=replied.case_uuid, actor=Actor.citizen(other_citizen), reason="对处理意见不服，请求复查"
        )


def test_rereview_refused_without_a_review(replied, citizen):
    with pytest.raises(InvalidTransition):
        services.request_rereview(
            case_uuid=replied.case_uuid, actor=Actor.citizen(citizen), reason="对处理意见不服，请求复查"
        )


def test_close_waits_for_the_review_window_whatever_the_rating(replied, handler_a, agency_a, citizen):
    # 信访工作条例 art. 35: a rating, even 满意, waives nothing; the petitioner's own word closes it.
    with pytest.raises(InvalidTransition) as caught:
        services.close_case(case_uuid=replied.case_uuid, actor=staff(handler_a, agency_a))
    assert caught.value.code == "window_open"
    services.evaluate_case(
        case_uuid=replied.case_uuid, actor=Actor.citizen(citizen), satisfaction="satisfied"
    )
    with pytest.raises(InvalidTransition) as caught:
        services.close_case(case_uuid=replied.case_uuid, actor=staff(handler_a, agency_a))
    assert caught.value.code == "window_open"
    services.decline_review(case_uuid=replied.case_uuid, actor=Actor.citizen(citizen))
    assert CaseIndex.objects.get(case_uuid=replied.case_uuid).state == CaseState.CLOSED


def test_system_closes_after_the_window(replied):
    due = load_case(replied.case_uuid).review_request_due
    services.close_case(case_uuid=replied.case_uuid, actor=Actor.system(), today=due + timedelta(days=1))
    assert CaseIndex.objects.get(case_uuid=replied.case_uuid).state == CaseState.CLOSED


def test_bureau_replies_directly(file_petition, clerk, bureau):
    result = file_petition(
        petition_type="consultation",
        title="咨询：公租房申请条件",
        body="请问本市公租房申请需要满足哪些条件，需要准备哪些材料？",
    )
    services.reply_directly(
        case_uuid=result.case_uuid,
        actor=staff(clerk, bureau),
        opinion="explain",
        text="公租房申请条件为本市户籍、家庭人均收入低于规定标准等，详见住建局公告。",
    )
    index = CaseIndex.objects.get(case_uuid=result.case_uuid)
    assert index.holder == bureau and index.state == CaseState.REPLIED


def test_bureau_not_accept_names_the_lawful_channel(file_petition, clerk, bureau):
    from config.errors import HallError

    result = file_petition()
    with pytest.raises(HallError):
        services.not_accept_by_bureau(
            case_uuid=result.case_uuid, actor=staff(clerk, bureau), channel="", reason="应当申请劳动仲裁"
        )
    services.not_accept_by_bureau(
        case_uuid=result.case_uuid,
        actor=staff(clerk, bureau),
        channel="arbitration",
        reason="属于劳动争议，应当申请劳动仲裁。",
    )
    case = load_case(result.case_uuid)
    assert case.state == CaseState.NOT_ACCEPTED and case.not_accepted_channel == "arbitration"


def test_bureau_merges_a_duplicate(file_petition, clerk, bureau, other_citizen):
    first = file_petition()
    second = file_petition(
        user=other_citizen, title="停车费问题", body="同一小区停车费被多收，请求处理并退还。"
    )
    services.merge_case(
        case_uuid=second.case_uuid, actor=staff(clerk, bureau), into_tracking_number=first.tracking_number
    )
    assert load_case(second.case_uuid).state == CaseState.MERGED
    kinds = [e.kind for e in in_schema(bureau, CaseEvent, case_id=first.case_uuid)]
    assert kinds[-1] == "repeat_received"


def test_completion_report_round_trip(file_petition, clerk, bureau, handler_a, agency_a):
    result = file_petition()
    services.forward_case(
        case_uuid=result.case_uuid,
        actor=staff(clerk, bureau),
        target=agency_a,
        mode="assign",
        assignment_due=timezone.localdate() + timedelta(days=30),
        report_required=True,
    )
    services.accept_case(case_uuid=result.case_uuid, actor=staff(handler_a, agency_a))
    with pytest.raises(InvalidTransition):
        services.submit_completion_report(
            case_uuid=result.case_uuid, actor=staff(handler_a, agency_a), text="已经办结，情况如下。。。"
        )
    services.reply_case(
        case_uuid=result.case_uuid,
        actor=staff(handler_a, agency_a),
        opinion="support",
        text="经调查核实，诉求合理，已予以解决。",
    )
    services.submit_completion_report(
        case_uuid=result.case_uuid,
        actor=staff(handler_a, agency_a),
        text="已责令物业公司退还多收停车费，信访人已收到。",
    )
    services.decide_completion_report(
        case_uuid=result.case_uuid, actor=staff(clerk, bureau), accept=False, comment="请附退款凭证"
    )
    assert load_case(result.case_uuid).report_status == "returned"
    services.submit_completion_report(
        case_uuid=result.case_uuid, actor=staff(handler_a, agency_a), text="补充退款凭证，已全部退还。"
    )
    services.decide_completion_report(case_uuid=result.case_uuid, actor=staff(clerk, bureau), accept=True)
    assert load_case(result.case_uuid).report_status == "accepted"


def test_assign_handler_must_be_a_member(accepted, leader_a, handler_a, handler_b, agency_a):
    from config.errors import HallError

    with pytest.raises(HallError) as caught:
        services.assign_handler(
            case_uuid=accepted.case_uuid, actor=staff(leader_a, agency_a), handler=handler_b
        )
    assert caught.value.code == "handler_not_member"
    services.assign_handler(case_uuid=accepted.case_uuid, actor=staff(leader_a, agency_a), handler=handler_a)
    assert load_case(accepted.case_uuid).handler_uuid == handler_a.uuid


def test_unknown_case_is_not_found(clerk, bureau):
    import uuid

    with pytest.raises(NotFound):
        services.register_case(case_uuid=uuid.uuid4(), actor=staff(clerk, bureau))


def test_the_index_carries_the_completion_report_status(file_petition, clerk, bureau, handler_a, agency_a):
    result = file_petition()
    services.forward_case(
        case_uuid=result.case_uuid,
        actor=staff(clerk, bureau),
        target=agency_a,
        mode="assign",
        assignment_due=timezone.localdate() + timedelta(days=30),
        report_required=True,
    )
    services.accept_case(case_uuid=result.case_uuid, actor=staff(handler_a, agency_a))
    services.reply_case(
        case_uuid=result.case_uuid,
        actor=staff(handler_a, agency_a),
        opinion="support",
        text="经调查核实，诉求合理，已予以解决。",
    )
    services.submit_completion_report(
        case_uuid=result.case_uuid,
        actor=staff(handler_a, agency_a),
        text="已责令物业公司退还多收停车费，信访人已收到。",
    )
    assert CaseIndex.objects.filter(report_status="pending").get().case_uuid == result.case_uuid


def test_records_are_written_in_chinese_whatever_the_staff_reads(routed, handler_a, agency_a):
    from django.utils import translation

    with translation.override("en"):
        services.accept_case(case_uuid=routed.case_uuid, actor=staff(handler_a, agency_a))
        with pytest.raises(InvalidTransition) as caught:
            services.accept_case(case_uuid=routed.case_uuid, actor=staff(handler_a, agency_a))
        # the refusal is shown in the reader's language
        assert "办理中" not in str(caught.value)
    assert "办理中" in str(caught.value)
    documents = in_schema(agency_a, Document, case_id=routed.case_uuid)
    assert documents[-1].title == "受理告知书"
    events = in_schema(agency_a, CaseEvent, case_id=routed.case_uuid)
    assert events[-1].message.startswith("三门峡市公安局已受理")
