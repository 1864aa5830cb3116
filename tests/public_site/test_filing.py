"""Filing: the form, uploads, the review page, the receipt; bad input keeps what was typed."""

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from cases.index.models import CaseIndex
from cases.models import Attachment, CaseState
from tests.filestore.samples import pdf_bytes

GOOD = {
    "petition_type": "request",
    "title": "村道塌方无人修复",
    "body": "陕州区某村村道去年雨季塌方，至今无人修复，群众出行困难，请求尽快修复。",
    "location": "陕州区某村",
    "people_count": "40",
    "is_public": "1",
    "reported_agency": "",
}


def start(client, query="") -> str:
    page = client.get(f"/file/{query}").content.decode()
    return re.search(r'name="submission_id" value="([0-9a-f-]{36})"', page).group(1)


def fill(client, submission_id, **overrides):
    data = {**GOOD, "submission_id": submission_id, **overrides}
    return client.post("/file/", data)


def test_anonymous_visitor_is_sent_to_sign_in(portal_client, city):
    response = portal_client.get("/file/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_citizen_without_profile_is_sent_to_the_profile_page(portal_client, citizen):
    portal_client.force_login(citizen)
    response = portal_client.get("/file/?agency=gaj")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/profile/?next=")


def test_form_shows_the_chosen_agency_and_bureau_by_default(alice, city):
    assert city["xfj"].name_zh in alice.get("/file/").content.decode()
    assert city["gaj"].name_zh in alice.get("/file/?agency=gaj").content.decode()
    assert alice.get("/file/?agency=dcs").status_code == 404  # oversight takes no petitions
    assert alice.get("/file/?agency=nope").status_code == 404


def test_bad_input_keeps_everything_typed_and_says_what_to_fix(alice, city):
    sid = start(alice)
    response = fill(alice, sid, title="", body="太短", petition_type="")
    assert response.status_code == 400
    page = response.content.decode()
    assert "请修改以下内容后再继续" in page
    assert "陕州区某村" in page and 'value="40"' in page  # kept
    assert "太短" in page
    assert 'aria-invalid="true"' in page
    assert CaseIndex.objects.count() == 0


def test_full_flow_form_review_submit_receipt(alice, registered, city):
    sid = start(alice, "?agency=zjj")
    response = fill(alice, sid)
    assert response.status_code == 302 and response["Location"] == f"/file/review/?s={sid}"
    review = alice.get(response["Location"]).content.decode()
    assert "村道塌方无人修复" in review and city["zjj"].name_zh in review
    assert "张爱丽" in review and "138****8000" in review and "13800138000" not in review
    assert "11010519491231002X" not in review  # the ID number is shown masked only

    response = alice.post("/file/review/", {"submission_id": sid})
    index = CaseIndex.objects.get(citizen=registered)
    assert str(index.case_uuid) == sid
    assert response.status_code == 302 and response["Location"] == f"/file/receipt/{sid}/"
    receipt = alice.get(response["Location"]).content.decode()
    assert index.tracking_number in receipt
    from config.crypto import decrypt_text

    assert decrypt_text(index.query_code_encrypted) in receipt
    assert index.holder.code == "zjj" and index.state == CaseState.RECEIVED


def test_double_submit_makes_one_petition(alice, registered, city):
    sid = start(alice)
    fill(alice, sid)
    first = alice.post("/file/review/", {"submission_id": sid})
    second = alice.post("/file/review/", {"submission_id": sid})
    assert first["Location"] == second["Location"] == f"/file/receipt/{sid}/"
    assert CaseIndex.objects.filter(citizen=registered).count() == 1


def test_no_js_upload_with_the_form_lands_on_the_case(alice, registered, city):
    sid = start(alice)
    upload = SimpleUploadedFile("现场照片说明.pdf", pdf_bytes(), content_type="application/pdf")
    response = fill(alice, sid, attachments=[upload])
    assert response.status_code == 302
    assert "现场照片说明.pdf" in alice.get(response["Location"]).content.decode()
    alice.post("/file/review/", {"submission_id": sid})
    index = CaseIndex.objects.get(citizen=registered)
    with schema_context(index.holder.schema_name):
        files = list(Attachment.objects.filter(case_id=index.case_uuid))
    assert [f.file_name for f in files] == ["现场照片说明.pdf"]
    assert files[0].storage_key.startswith("public/attachments/")


def test_xhr_upload_returns_json_and_refuses_a_bad_file(alice, city):
    sid = start(alice)
    ok = alice.post(
        "/file/upload/",
        {
            "submission_id": sid,
            "file": SimpleUploadedFile("a.pdf", pdf_bytes(), content_type="application/pdf"),
        },
    )
    assert ok.status_code == 201 and json.loads(ok.content)["name"] == "a.pdf"
    bad = alice.post(
        "/file/upload/",
        {
            "submission_id": sid,
            "file": SimpleUploadedFile("x.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf"),
        },
    )
    assert bad.status_code == 400 and json.loads(bad.content)["code"] == "upload_rejected"
    unknown = alice.post(
        "/file/upload/", {"submission_id": "0" * 36, "file": SimpleUploadedFile("a.pdf", pdf_bytes())}
    )
    assert unknown.status_code == 400


def test_bad_upload_in_the_form_keeps_the_typed_data(alice, city):
    sid = start(alice)
    bad = SimpleUploadedFile(
        "evil.pdf", b"<html><script>alert(1)</script></html>", content_type="application/pdf"
    )
    response = fill(alice, sid, attachments=[bad])
    assert response.status_code == 400
    page = response.content.decode()
    assert "evil.pdf" in page and "村道塌方无人修复" in page


def test_removing_an_uploaded_file(alice, registered, city):
    sid = start(alice)
    token = json.loads(
        alice.post(
            "/file/upload/", {"submission_id": sid, "file": SimpleUploadedFile("a.pdf", pdf_bytes())}
        ).content
    )["token"]
    page = alice.post("/file/", {**GOOD, "submission_id": sid, "remove_file": token}).content.decode()
    assert "a.pdf" not in page and "村道塌方无人修复" in page


def test_review_warns_about_a_similar_open_petition(alice, registered, file_petition, city):
    earlier = file_petition(title="村道塌方一直无人修复")
    sid = start(alice)
    fill(alice, sid)
    page = alice.get(f"/file/review/?s={sid}").content.decode()
    assert 'data-testid="similar-warning"' in page and earlier.tracking_number in page


def test_true_repeat_is_linked_and_the_receipt_explains_it(alice, registered, file_petition, city):
    earlier = file_petition(title=GOOD["title"], body=GOOD["body"], petition_type="request")
    sid = start(alice)
    fill(alice, sid)
    alice.post("/file/review/", {"submission_id": sid})
    index = CaseIndex.objects.get(case_uuid=sid)
    assert index.state == CaseState.LINKED
    page = alice.get(f"/file/receipt/{sid}/").content.decode()
    assert 'data-testid="linked-notice"' in page and "第十九条" in page and earlier.tracking_number in page


def test_report_names_the_reported_agency_and_explains_protection(alice, registered, city):
    sid = start(alice, "?agency=gaj")
    fill(alice, sid, petition_type="report", reported_agency="gaj", is_public="1")
    page = alice.get(f"/file/review/?s={sid}").content.decode()
    assert "不会透露给被检举单位" in page
    alice.post("/file/review/", {"submission_id": sid})
    index = CaseIndex.objects.get(case_uuid=sid)
    assert index.holder.code == "xfj"  # never the reported unit (art. 46)
    assert index.is_public is False


def test_another_citizens_receipt_is_not_found(alice, bob, registered, city):
    sid = start(alice)
    fill(alice, sid)
    alice.post("/file/review/", {"submission_id": sid})
    response = bob.get(f"/file/receipt/{sid}/")
    assert response.status_code == 404
    assert "村道塌方无人修复" not in response.content.decode()


def test_bob_cannot_submit_alices_draft_id(alice, bob, registered, other_registered, city):
    sid = start(alice)
    fill(alice, sid)
    alice.post("/file/review/", {"submission_id": sid})
    response = bob.post("/file/review/", {"submission_id": sid})
    assert response.status_code == 302 and response["Location"] == "/file/"
    assert CaseIndex.objects.filter(citizen=other_registered).count() == 0


@pytest.mark.parametrize("path", ["/file/review/?s=not-a-uuid", "/file/review/"])
def test_review_without_a_draft_goes_back_to_the_form(alice, path, city):
    response = alice.get(path)
    assert response.status_code == 302 and response["Location"] == "/file/"
