"""Rules the software enforces: repeat petitions (art. 19), finality (art. 36), reporter protection
(arts. 30, 46)."""

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from cases import services
from cases.index.models import CaseIndex, IdentityReadLog, ProtectedIdentity
from cases.models import Attachment, Case, CaseEvent, CaseState
from cases.services import Actor, AttachmentInput
from config.errors import Forbidden
from config.masking import mask_id_number
from tests.cases.conftest import VALID_ID, in_schema, load_case, staff


def test_same_matter_while_open_is_linked_not_accepted_as_new(file_petition, bureau):
    first = file_petition()
    again = file_petition(
        title="小区物业违规收停车费",
        body="我住在湖滨区某小区，物业公司从今年起每月多收停车费两百元，没有任何依据，请有关部门尽快查处。",
    )
    assert again.state == CaseState.LINKED and again.linked_to == first.case_uuid
    index = CaseIndex.objects.get(case_uuid=again.case_uuid)
    assert not index.is_open and index.linked_to == first.case_uuid
    # nothing the citizen sent is lost: the repeat is recorded, and the original hears of it
    assert load_case(again.case_uuid).body.startswith("我住在湖滨区")
    kinds = [e.kind for e in in_schema(bureau, CaseEvent, case_id=first.case_uuid)]
    assert kinds[-1] == "repeat_received"


def test_a_different_matter_is_a_new_case(file_petition):
    file_petition()
    other = file_petition(
        title="学校违规补课", body="某中学周末组织学生有偿补课，每人收费五百元，请教育部门查处。"
    )
    assert other.state == CaseState.SUBMITTED and other.linked_to is None


def test_another_citizens_same_matter_is_not_linked(file_petition, other_citizen):
    file_petition()
    theirs = file_petition(user=other_citizen)
    assert theirs.state == CaseState.SUBMITTED


def test_after_rereview_the_same_facts_are_not_accepted(file_petition, citizen, clerk, bureau_leader, bureau):
    first = file_petition()
    services.reply_directly(
        case_uuid=first.case_uuid,
        actor=staff(clerk, bureau),
        opinion="not_support",
        text="经查，物业收费符合合同约定，不予支持。",
    )
    services.request_review(case_uuid=first.case_uuid, actor=Actor.citizen(citizen), reason="对处理意见不服")
    # The bureau replied itself: the level above it (outside the hall) reviews and re-reviews, and the
    # bureau enters their opinions (arts. 35-36).
    services.enter_review_result(
        case_uuid=first.case_uuid,
        actor=staff(clerk, bureau),
        opinion="not_support",
        text="经复查，维持原处理意见，不予支持。",
        decided_on=timezone.localdate(),
    )
    services.request_rereview(
        case_uuid=first.case_uuid, actor=Actor.citizen(citizen), reason="对复查意见不服"
    )
    services.enter_rereview_result(
        case_uuid=first.case_uuid,
        actor=staff(bureau_leader, bureau),
        opinion="not_support",
        text="经复核，维持复查意见，本事项终结。",
        decided_on=timezone.localdate(),
    )
    again = file_petition()
    assert again.state == CaseState.NOT_ACCEPTED
    case = load_case(again.case_uuid)
    assert case.not_accepted_channel == "final" and first.tracking_number in case.not_accepted_reason
    # a new matter from the same citizen is still accepted
    fresh = file_petition(title="路灯损坏", body="小区门口的路灯坏了两个月了，晚上出行不安全，请尽快维修。")
    assert fresh.state == CaseState.SUBMITTED


@pytest.fixture
def report(file_petition, bureau, agency_b):
    """A 检举控告 against 住建局 (agency_b), filed with the bureau, with the reporter's evidence."""
    evidence = AttachmentInput(
        "ag_xfj/attachments/2026/e/evidence.pdf", "evidence.pdf", "application/pdf", 99
    )
    return file_petition(
        petition_type="report",
        title="检举住建局工作人员索要好处费",
        body="住建局某科室工作人员在办理房产证时向我索要好处费两千元，我有转账记录为证。",
        reported_agency=agency_b.code,
        attachments=[evidence],
    )


def test_a_report_keeps_the_reporters_identity_out_of_every_agency_schema(report, bureau):
    case = load_case(report.case_uuid)
    assert case.identity_protected and case.petitioner_name == services.PROTECTED_NAME
    assert case.petitioner_id_number == "" and case.petitioner_phone == ""
    assert CaseIndex.objects.get(case_uuid=report.case_uuid).petitioner_name == services.PROTECTED_NAME
    vault = ProtectedIdentity.objects.get(case_uuid=report.case_uuid)
    assert VALID_ID not in vault.encrypted and "张爱丽" not in vault.encrypted
    assert all(a.protected for a in in_schema(bureau, Attachment, case_id=report.case_uuid))


def test_a_report_cannot_be_routed_to_the_unit_reported(report, clerk, bureau, agency_b):
    with pytest.raises(Forbidden) as caught:
        services.forward_case(case_uuid=report.case_uuid, actor=staff(clerk, bureau), target=agency_b)
    assert caught.value.code == "reported_agency"
    with schema_context(agency_b.schema_name):
        assert not Case.objects.filter(pk=report.case_uuid).exists()


def test_a_report_filed_directly_with_the_reported_unit_goes_to_the_bureau(file_petition, agency_b, bureau):
    result = file_petition(
        agency=agency_b,
        petition_type="report",
        title="检举本单位违规发放补贴",
        body="该单位违规向不符合条件的人员发放住房补贴，涉及金额较大，请查处。",
        reported_agency=agency_b.code,
    )
    assert result.holder_code == bureau.code
    with schema_context(agency_b.schema_name):
        assert not Case.objects.filter(pk=result.case_uuid).exists()


def test_reading_a_protected_identity_is_logged_and_refused_to_the_reported_unit(
    report, clerk, bureau, handler_b, agency_b
):
    with pytest.raises(Forbidden):
        services.read_protected_identity(
            case_uuid=report.case_uuid, actor=staff(handler_b, agency_b), purpose="核实"
        )
    identity = services.read_protected_identity(
        case_uuid=report.case_uuid, actor=staff(clerk, bureau), purpose="联系检举人核实情况"
    )
    # The read gives what is needed to contact the reporter; the ID number stays masked (finding 5).
    assert identity["id_number"] == mask_id_number(VALID_ID) != VALID_ID
    log = IdentityReadLog.objects.get(case_uuid=report.case_uuid)
    assert log.user == clerk and log.agency_code == bureau.code and log.purpose == "联系检举人核实情况"


def test_staff_view_of_a_report_shows_no_identity(report, bureau):
    shown = services.petitioner_for_staff(load_case(report.case_uuid), bureau)
    assert shown["name"] == services.PROTECTED_NAME and shown["id_number"] == "" and shown["protected"]


def test_staff_view_of_an_ordinary_petition_masks_the_id_number(file_petition, bureau):
    result = file_petition()
    shown = services.petitioner_for_staff(load_case(result.case_uuid), bureau)
    assert shown["id_number"] == "1101**********002X"


def test_documents_for_a_report_address_the_reporter_without_storing_them_in_the_schema(
    report, clerk, bureau
):
    services.not_accept_by_bureau(
        case_uuid=report.case_uuid,
        actor=staff(clerk, bureau),
        channel="other_statutory",
        reason="应当向纪检监察机关检举",
    )
    case = load_case(report.case_uuid)
    assert case.petitioner_name == services.PROTECTED_NAME


def test_the_reporters_own_steps_do_not_carry_their_name(report, citizen, bureau):
    events = in_schema(bureau, CaseEvent, case_id=report.case_uuid)
    assert events[0].actor_name == services.PROTECTED_NAME
    assert all(citizen.full_name not in (e.actor_name + e.message + str(e.changes)) for e in events)
