"""补充材料 (cases.supplements): the owner adds text and files to an open petition; it is on the
timeline and with the holding agency; nobody else may, nor on a closed case; a report keeps no
identity in the agency's schema."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django_tenants.utils import schema_context

from cases import queries, services
from cases.access import case_for_agency
from cases.audit import verify_case_chain
from cases.models import Attachment, CaseEvent, EventKind
from cases.services import Actor, AttachmentInput, PetitionerInput
from cases.supplements import add_supplement
from config.errors import Forbidden, HallError, InvalidTransition, NotFound
from tests.cases.conftest import VALID_ID, load_case, staff
from tests.filestore.samples import pdf_bytes

REPORTER_NAME = "欧阳明珠"


@pytest.fixture(autouse=True)
def _local_files(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }


def _stored(name: str) -> AttachmentInput:
    key = default_storage.save(f"public/attachments/2026/abc/{name}", ContentFile(pdf_bytes()))
    return AttachmentInput(key, name, "application/pdf", len(pdf_bytes()))


def test_owner_adds_text_and_files_shown_on_the_timeline_and_to_the_holder(file_petition, citizen, bureau):
    result = file_petition()
    add_supplement(
        case_uuid=result.case_uuid,
        actor=Actor.citizen(citizen),
        text="补充：物业又多收了一个月。",
        attachments=[_stored("收据.pdf")],
    )
    view = case_for_agency(bureau, result.case_uuid)
    steps = queries.timeline(view, for_citizen=False)
    assert steps[-1].kind == EventKind.SUPPLEMENTED and "又多收了一个月" in steps[-1].message
    assert [a.file_name for a in queries.attachments(view, viewer_agency=bureau)] == ["收据.pdf"]
    with schema_context(bureau.schema_name):
        event = CaseEvent.objects.get(case_id=result.case_uuid, kind=EventKind.SUPPLEMENTED)
        assert event.visible_to_citizen and event.changes["attachments"] == ["收据.pdf"]
    with schema_context(bureau.schema_name):  # the hash chain holds with the new event
        events = list(CaseEvent.objects.filter(case_id=result.case_uuid).order_by("seq"))
    assert verify_case_chain(events) == []


def test_another_citizen_or_staff_may_not_add_material(file_petition, other_citizen, clerk, bureau):
    result = file_petition()
    with pytest.raises(NotFound):
        add_supplement(case_uuid=result.case_uuid, actor=Actor.citizen(other_citizen), text="冒名补充的内容")
    with pytest.raises(Forbidden):
        add_supplement(case_uuid=result.case_uuid, actor=staff(clerk, bureau), text="工作人员不能补充")
    with schema_context(bureau.schema_name):
        assert not CaseEvent.objects.filter(kind=EventKind.SUPPLEMENTED).exists()


def test_nothing_to_add_or_too_much_text_is_refused(file_petition, citizen):
    result = file_petition()
    with pytest.raises(HallError) as empty:
        add_supplement(case_uuid=result.case_uuid, actor=Actor.citizen(citizen), text="   ")
    assert empty.value.code == "supplement_empty"
    with pytest.raises(HallError) as long:
        add_supplement(case_uuid=result.case_uuid, actor=Actor.citizen(citizen), text="字" * 5001)
    assert long.value.code == "supplement_too_long"


def test_a_closed_case_takes_no_more_material(file_petition, citizen, clerk, bureau):
    result = file_petition()
    services.register_case(case_uuid=result.case_uuid, actor=staff(clerk, bureau))
    services.not_accept_by_bureau(
        case_uuid=result.case_uuid,
        actor=staff(clerk, bureau),
        channel="litigation",
        reason="属于人民法院受理的民事纠纷，请依法向人民法院提起诉讼。",
    )
    assert not load_case(result.case_uuid).is_open
    with pytest.raises(InvalidTransition) as refused:
        add_supplement(case_uuid=result.case_uuid, actor=Actor.citizen(citizen), text="还想补充一点情况")
    assert refused.value.code == "case_not_open" and "不能再补充材料" in str(refused.value)


def test_a_reporters_supplement_keeps_no_identity_in_the_agency_schema(citizen, bureau, agency_a):
    citizen.full_name = REPORTER_NAME
    citizen.save()
    result = services.submit_petition(
        actor=Actor.citizen(citizen),
        filed_with=bureau,
        petition=services.PetitionInput(
            petition_type="report",
            title="检举公安局民警索要好处费",
            body="公安局某派出所民警在办理户口迁移时向我索要好处费五百元。",
            reported_agency=agency_a.code,
        ),
        petitioner=PetitionerInput(name=REPORTER_NAME, id_number=VALID_ID, phone="13987654321"),
    )
    original = _stored(f"{REPORTER_NAME}的转账记录.pdf")
    add_supplement(
        case_uuid=result.case_uuid,
        actor=Actor.citizen(citizen),
        text="补充转账截图。",
        attachments=[original],
    )
    holder = load_case(result.case_uuid)
    assert holder.identity_protected
    with schema_context(bureau.schema_name):
        event = CaseEvent.objects.get(case_id=result.case_uuid, kind=EventKind.SUPPLEMENTED)
        attachment = Attachment.objects.get(case_id=result.case_uuid)
    assert event.actor_uuid is None and REPORTER_NAME not in event.actor_name and event.ip_address is None
    assert attachment.protected and attachment.file_name == "report-material-1.pdf"
    assert REPORTER_NAME not in attachment.storage_key and REPORTER_NAME not in str(event.changes)
    assert default_storage.exists(attachment.storage_key)
    # Nothing anywhere in the agency's schema names the reporter.
    with schema_context(bureau.schema_name), connection.cursor() as cursor:
        cursor.execute("SELECT row_to_json(e)::text FROM cases_caseevent e")
        assert not any(REPORTER_NAME in row[0] for row in cursor.fetchall())
