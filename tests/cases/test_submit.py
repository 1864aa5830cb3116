import re

import pytest
from django_tenants.utils import schema_context

from cases import services
from cases.index.models import CaseIndex
from cases.models import Attachment, Case, CaseEvent, CaseState
from cases.services import Actor, AttachmentInput, PetitionerInput
from config.crypto import decrypt_text
from config.errors import Forbidden, HallError
from tests.cases.conftest import VALID_ID, in_schema, load_case


def test_filing_with_the_bureau_creates_the_case_in_the_bureau_schema_and_its_index(
    file_petition, bureau, agency_a, citizen
):
    result = file_petition()
    assert re.fullmatch(r"SMX-\d{4}-\d{6}", result.tracking_number)
    assert re.fullmatch(r"[A-Z2-9]{8}", result.query_code)
    assert result.state == CaseState.SUBMITTED
    index = CaseIndex.objects.get(case_uuid=result.case_uuid)
    assert index.holder == bureau and index.citizen == citizen and index.is_open
    assert decrypt_text(index.query_code_encrypted) == result.query_code
    assert index.routing_due is not None and index.next_due == index.routing_due
    case = load_case(result.case_uuid)
    assert case.state == CaseState.SUBMITTED
    assert decrypt_text(case.petitioner_id_number) == VALID_ID
    assert VALID_ID not in case.petitioner_id_number  # stored encrypted
    assert in_schema(agency_a, Case, pk=result.case_uuid) == []  # nowhere else


def test_tracking_numbers_increase(file_petition):
    first = file_petition(title="第一件：路灯不亮", body="我家门口的路灯已经坏了一个月，晚上出行很不安全。")
    second = file_petition(
        title="第二件：噪声扰民", body="附近工地夜间施工噪声很大，严重影响休息，请予处理。"
    )
    assert int(second.tracking_number[-6:]) == int(first.tracking_number[-6:]) + 1


def test_direct_filing_goes_to_the_chosen_agency_awaiting_receipt(file_petition, agency_a, bureau):
    result = file_petition(agency=agency_a)
    assert result.holder_code == agency_a.code and result.state == CaseState.RECEIVED
    case = load_case(result.case_uuid)
    assert case.acceptance_due is not None and case.routing_due is None
    assert in_schema(bureau, Case, pk=result.case_uuid) == []


def test_double_submit_with_the_same_submission_id_files_once(citizen, bureau, petition_input):
    import uuid

    submission = uuid.uuid4()
    kwargs = dict(
        actor=Actor.citizen(citizen),
        filed_with=bureau,
        petition=petition_input(),
        petitioner=PetitionerInput(name="张爱丽"),
        submission_id=submission,
    )
    first = services.submit_petition(**kwargs)
    again = services.submit_petition(**kwargs)
    assert again.case_uuid == first.case_uuid == submission
    assert again.tracking_number == first.tracking_number and again.query_code == first.query_code
    assert not again.created
    assert CaseIndex.objects.filter(citizen=citizen).count() == 1


def test_another_citizen_cannot_reuse_a_submission_id(citizen, other_citizen, bureau, petition_input):
    import uuid

    submission = uuid.uuid4()
    services.submit_petition(
        actor=Actor.citizen(citizen),
        filed_with=bureau,
        petition=petition_input(),
        petitioner=PetitionerInput(name="张爱丽"),
        submission_id=submission,
    )
    with pytest.raises(HallError) as caught:
        services.submit_petition(
            actor=Actor.citizen(other_citizen),
            filed_with=bureau,
            petition=petition_input(),
            petitioner=PetitionerInput(name="李博"),
            submission_id=submission,
        )
    assert caught.value.code == "submission_id_taken"


def test_invalid_petition_names_every_field_to_fix(file_petition):
    with pytest.raises(HallError) as caught:
        file_petition(title=" ", body="太短", petition_type="nonsense", people_count=0)
    assert caught.value.code == "invalid_petition"
    assert set(caught.value.details["fields"]) == {"title", "body", "petition_type", "people_count"}
    assert CaseIndex.objects.count() == 0


def test_attachments_are_recorded_with_their_storage_keys(file_petition, bureau):
    attachment = AttachmentInput(
        "public/attachments/2026/x/receipt.pdf", "receipt.pdf", "application/pdf", 1234
    )
    result = file_petition(attachments=[attachment])
    rows = in_schema(bureau, Attachment, case_id=result.case_uuid)
    assert [(a.storage_key, a.file_name, a.size, a.protected) for a in rows] == [
        ("public/attachments/2026/x/receipt.pdf", "receipt.pdf", 1234, False)
    ]


def test_first_event_is_the_submission(file_petition, bureau):
    result = file_petition()
    events = in_schema(bureau, CaseEvent, case_id=result.case_uuid)
    assert [e.kind for e in events] == ["submitted"]
    assert events[0].agency_code == bureau.code and events[0].actor_role == "citizen"


def test_clerk_registers_a_letter_on_a_citizens_behalf(clerk, bureau, petition_input):
    result = services.submit_petition(
        actor=Actor.staff(clerk, bureau),
        filed_with=bureau,
        petition=petition_input(),
        petitioner=PetitionerInput(name="王五", phone="13900000000"),
        channel="letter",
    )
    index = CaseIndex.objects.get(case_uuid=result.case_uuid)
    assert index.channel == "letter" and index.citizen is None


def test_staff_registering_must_name_an_offline_channel(clerk, bureau, petition_input):
    with pytest.raises(HallError) as caught:
        services.submit_petition(
            actor=Actor.staff(clerk, bureau),
            filed_with=bureau,
            petition=petition_input(),
            petitioner=PetitionerInput(name="王五"),
        )
    assert caught.value.code == "channel_required"


def test_staff_of_another_agency_cannot_register_for_the_bureau(handler_a, bureau, petition_input):
    with pytest.raises(Forbidden):
        services.submit_petition(
            actor=Actor.staff(handler_a, bureau),
            filed_with=bureau,
            petition=petition_input(),
            petitioner=PetitionerInput(name="王五"),
            channel="visit",
        )


def test_cannot_file_with_the_oversight_body(file_petition, oversight):
    with pytest.raises(HallError) as caught:
        file_petition(agency=oversight)
    assert caught.value.code == "invalid_agency"


def test_case_rows_use_uuid_keys_in_every_schema(file_petition, bureau):
    result = file_petition()
    with schema_context(bureau.schema_name):
        assert Case.objects.get(pk=result.case_uuid).pk == result.case_uuid
