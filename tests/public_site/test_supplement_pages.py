"""补充材料 on the petition page: the owner adds, the holder sees it, nobody else may."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from cases import services
from cases.models import Attachment, CaseEvent, EventKind
from tests.cases.conftest import staff
from tests.filestore.samples import pdf_bytes


def _post(client, case_uuid, text="补充：物业又多收了一个月的停车费。", files=()):
    return client.post(f"/mine/{case_uuid}/supplement/", {"text": text, "attachments": list(files)})


def test_owner_adds_text_and_files_and_the_timeline_and_the_holder_show_them(
    alice, registered, file_petition, host_client, bureau, clerk
):
    result = file_petition(user=registered)
    page = alice.get(f"/mine/{result.case_uuid}/").content.decode()
    assert 'id="supplement-form"' in page and 'data-count-for="id_text"' in page
    response = _post(alice, result.case_uuid, files=[SimpleUploadedFile("收据.pdf", pdf_bytes())])
    assert response.status_code == 302
    page = alice.get(f"/mine/{result.case_uuid}/").content.decode()
    assert "信访人补充材料" in page and "又多收了一个月" in page and "收据.pdf" in page
    staff_page = host_client(bureau, clerk).get(f"/case/{result.case_uuid}/").content.decode()
    assert "又多收了一个月" in staff_page and "收据.pdf" in staff_page


def test_another_citizen_and_anonymous_are_refused(bob, portal_client, registered, file_petition, bureau):
    result = file_petition(user=registered)
    assert _post(bob, result.case_uuid).status_code == 404
    response = _post(portal_client, result.case_uuid)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    with schema_context(bureau.schema_name):
        assert not CaseEvent.objects.filter(kind=EventKind.SUPPLEMENTED).exists()


def test_a_refusal_keeps_what_was_typed(alice, registered, file_petition):
    result = file_petition(user=registered)
    response = _post(alice, result.case_uuid, text="")
    assert response.status_code == 400 and "请填写补充说明或选择要补充的附件" in response.content.decode()
    long_text = "补" * 5001
    response = _post(alice, result.case_uuid, text=long_text)
    assert response.status_code == 400
    assert long_text in response.content.decode() and "最多5000个字" in response.content.decode()


def test_a_closed_case_offers_no_form_and_refuses_clearly(alice, registered, file_petition, clerk, bureau):
    result = file_petition(user=registered)
    services.register_case(case_uuid=result.case_uuid, actor=staff(clerk, bureau))
    services.not_accept_by_bureau(
        case_uuid=result.case_uuid,
        actor=staff(clerk, bureau),
        channel="litigation",
        reason="属于人民法院受理的民事纠纷，请依法向人民法院提起诉讼。",
    )
    assert 'id="supplement-form"' not in alice.get(f"/mine/{result.case_uuid}/").content.decode()
    response = _post(alice, result.case_uuid, files=[SimpleUploadedFile("迟到.pdf", pdf_bytes())])
    assert response.status_code == 409 and "不能再补充材料" in response.content.decode()
    with schema_context(bureau.schema_name):
        assert not Attachment.objects.filter(case_id=result.case_uuid).exists()
