"""The citizen's API on the portal (api/citizen.py, api/views.py): profile, upload-then-attach and
multipart filing, 补充材料, notifications, and the paginated, filtered list of my petitions. Every
endpoint refuses another citizen (not found) and anonymous callers."""

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from accounts.services import save_profile
from cases.index.models import CaseIndex
from cases.models import Attachment
from filestore.models import StagedUpload
from notifications.models import Notification
from tests.cases.conftest import VALID_ID
from tests.filestore.samples import image_bytes, pdf_bytes

pytest_plugins = ["tests.cases.conftest"]

PETITION = {
    "petition_type": "complaint",
    "title": "小区噪声扰民",
    "body": "楼下商铺每天深夜播放音乐，严重影响休息，请查处。",
}


@pytest.fixture(autouse=True)
def _files(local_storage):
    return local_storage


@pytest.fixture
def registered(citizen):
    save_profile(
        user=citizen, full_name="张爱丽", id_number=VALID_ID, phone="13800138000", address="湖滨区黄河路1号"
    )
    return citizen


@pytest.fixture
def alice(portal_client, registered):
    portal_client.force_login(registered)
    return portal_client


def _client(user=None):
    from django.conf import settings

    from tests.conftest import HostClient

    client = HostClient(settings.HALL_DOMAIN)
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def bob(other_citizen):
    return _client(other_citizen)


@pytest.fixture
def anonymous(db):
    return _client()


def _pdf(name="材料.pdf"):
    return SimpleUploadedFile(name, pdf_bytes(), content_type="application/pdf")


# --- Profile ----------------------------------------------------------------------------------------


def test_a_citizen_registers_and_updates_the_profile(portal_client, citizen):
    portal_client.force_login(citizen)
    empty = portal_client.get("/api/v1/profile/").json()
    assert empty["registered"] is False and "id_number" not in empty
    missing = portal_client.put(
        "/api/v1/profile/", {"full_name": "张爱丽", "phone": "13800138000"}, content_type="application/json"
    )
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "invalid_profile"
    saved = portal_client.put(
        "/api/v1/profile/",
        {"full_name": "张爱丽", "id_number": VALID_ID, "phone": "13800138000", "address": "湖滨区1号"},
        content_type="application/json",
    )
    assert saved.status_code == 200, saved.content
    data = saved.json()
    assert data["registered"] is True and data["masked_id_number"] == "1101**********002X"
    assert VALID_ID not in saved.content.decode()  # never the whole number back
    changed = portal_client.patch(
        "/api/v1/profile/", {"phone": "13900139000"}, content_type="application/json"
    )
    assert changed.status_code == 200 and changed.json()["phone"] == "13900139000"
    assert (
        changed.json()["masked_id_number"] == "1101**********002X" and changed.json()["full_name"] == "张爱丽"
    )
    bad = portal_client.patch("/api/v1/profile/", {"phone": "12"}, content_type="application/json")
    assert bad.status_code == 400 and "phone" in bad.json()["error"]["details"]["fields"]


def test_profile_is_the_callers_own_and_needs_sign_in(portal_client, bob, registered, host_client, agency_a):
    assert bob.get("/api/v1/profile/").json()["registered"] is False
    assert "张爱丽" not in bob.get("/api/v1/profile/").content.decode()
    assert portal_client.get("/api/v1/profile/").status_code == 401  # not signed in
    assert host_client(agency_a).get("/api/v1/profile/").status_code == 404  # portal only


# --- Attachments ------------------------------------------------------------------------------------


def test_upload_then_attach_files_the_petition_with_its_attachments(alice, registered):
    first = alice.post("/api/v1/uploads/", {"file": _pdf()})
    assert first.status_code == 201, first.content
    draft = first.json()["submission_id"]
    second = alice.post(
        "/api/v1/uploads/",
        {"file": SimpleUploadedFile("现场.png", image_bytes("PNG"), "image/png"), "submission_id": draft},
    )
    assert second.status_code == 201 and second.json()["submission_id"] == draft
    listed = alice.get(f"/api/v1/uploads/{draft}/").json()
    assert listed["count"] == 2 and [r["name"] for r in listed["results"]] == ["材料.pdf", "现场.png"]
    removed = alice.delete(f"/api/v1/uploads/{draft}/{second.json()['token']}/")
    assert removed.status_code == 204
    filed = alice.post(
        "/api/v1/petitions/", {**PETITION, "submission_id": draft}, content_type="application/json"
    )
    assert filed.status_code == 201, filed.content
    index = CaseIndex.objects.select_related("holder").get(case_uuid=filed.json()["id"])
    assert str(index.case_uuid) == draft
    with schema_context(index.holder.schema_name):
        assert [a.file_name for a in Attachment.objects.filter(case_id=index.case_uuid)] == ["材料.pdf"]
    assert not StagedUpload.objects.filter(draft=draft).exists()  # released: never purged now
    again = alice.post(
        "/api/v1/petitions/", {**PETITION, "submission_id": draft}, content_type="application/json"
    )
    assert again.status_code == 200 and again.json()["id"] == draft  # a retry returns the first petition


def test_multipart_filing_with_files(alice):
    response = alice.post("/api/v1/petitions/", {**PETITION, "attachments": [_pdf("一.pdf"), _pdf("二.pdf")]})
    assert response.status_code == 201, response.content
    index = CaseIndex.objects.select_related("holder").get(case_uuid=response.json()["id"])
    with schema_context(index.holder.schema_name):
        names = sorted(a.file_name for a in Attachment.objects.filter(case_id=index.case_uuid))
    assert names == ["一.pdf", "二.pdf"]
    retried = alice.post(
        "/api/v1/petitions/",
        {**PETITION, "submission_id": str(index.case_uuid), "attachments": [_pdf("一.pdf")]},
    )
    assert retried.status_code == 200 and retried.json()["id"] == str(index.case_uuid)
    assert not StagedUpload.objects.filter(draft=index.case_uuid).exists()  # nothing stored again
    detail = alice.get(f"/api/v1/petitions/{index.case_uuid}/").json()
    assert sorted(a["file_name"] for a in detail["attachments"]) == ["一.pdf", "二.pdf"]
    link = next(a["download_url"] for a in detail["attachments"] if a["file_name"] == "一.pdf")
    assert alice.get(link).status_code == 200


def test_upload_refusals(alice, bob, anonymous):
    refused = alice.post(
        "/api/v1/uploads/", {"file": SimpleUploadedFile("x.exe", b"MZ\x90\x00", "application/x")}
    )
    assert refused.status_code == 400 and refused.json()["error"]["code"]
    draft = alice.post("/api/v1/uploads/", {"file": _pdf()}).json()
    # another citizen sees nothing of the draft and cannot remove from it, nor file with its id
    assert bob.get(f"/api/v1/uploads/{draft['submission_id']}/").json()["results"] == []
    assert bob.delete(f"/api/v1/uploads/{draft['submission_id']}/{draft['token']}/").status_code == 404
    assert StagedUpload.objects.filter(token=draft["token"]).exists()
    assert anonymous.post("/api/v1/uploads/", {"file": _pdf()}).status_code == 401
    assert anonymous.get(f"/api/v1/uploads/{draft['submission_id']}/").status_code == 401


def test_a_filing_whose_upload_went_missing_is_refused_and_names_it(alice, local_storage):
    from django.core.files.storage import default_storage

    draft = alice.post("/api/v1/uploads/", {"file": _pdf("丢失.pdf")}).json()
    default_storage.delete(StagedUpload.objects.get(token=draft["token"]).key)
    response = alice.post(
        "/api/v1/petitions/",
        {**PETITION, "submission_id": draft["submission_id"]},
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "attachments_missing"
    assert "丢失.pdf" in response.json()["error"]["message"] and CaseIndex.objects.count() == 0


# --- 补充材料 ---------------------------------------------------------------------------------------


def test_a_citizen_adds_material_to_an_open_petition(alice, bob, anonymous):
    filed = alice.post("/api/v1/petitions/", PETITION, content_type="application/json").json()
    url = f"/api/v1/petitions/{filed['id']}/supplements/"
    added = alice.post(url, {"text": "补充：噪声每晚十一点后仍持续。", "attachments": [_pdf("录音说明.pdf")]})
    assert added.status_code == 200, added.content
    assert added.json()["timeline"][-1]["kind"] == "supplemented"
    index = CaseIndex.objects.select_related("holder").get(case_uuid=filed["id"])
    with schema_context(index.holder.schema_name):
        assert Attachment.objects.filter(case_id=index.case_uuid, file_name="录音说明.pdf").exists()
    empty = alice.post(url, {"text": "  "}, content_type="application/json")
    assert empty.status_code == 400 and empty.json()["error"]["code"] == "supplement_empty"
    assert bob.post(url, {"text": "冒充补充"}, content_type="application/json").status_code == 404
    assert anonymous.post(url, {"text": "匿名"}, content_type="application/json").status_code == 401
    assert alice.post(f"/api/v1/petitions/{uuid.uuid4()}/supplements/", {"text": "x"}).status_code == 404


# --- Notifications ----------------------------------------------------------------------------------


def test_notifications_list_filter_and_mark_read(alice, bob, registered, other_citizen, anonymous):
    Notification.objects.filter(user=registered).delete()
    one = Notification.objects.create(
        user=registered, kind="submitted", subject="一", body="b", tracking_number="SMX-1"
    )
    Notification.objects.create(
        user=registered, kind="replied", subject="二", body="b", tracking_number="SMX-2"
    )
    theirs = Notification.objects.create(user=other_citizen, kind="submitted", subject="李博的", body="b")
    listed = alice.get("/api/v1/notifications/", {"page_size": 1}).json()
    assert listed["count"] == 2 and listed["next"] and len(listed["results"]) == 1
    assert alice.get("/api/v1/notifications/", {"tracking_number": "smx-1"}).json()["count"] == 1
    read = alice.post(f"/api/v1/notifications/{one.pk}/read/")
    assert read.status_code == 200 and read.json()["read_at"]
    assert alice.get("/api/v1/notifications/", {"unread": "true"}).json()["count"] == 1
    assert alice.get("/api/v1/notifications/", {"unread": "false"}).json()["count"] == 1
    assert alice.get("/api/v1/notifications/", {"unread": "maybe"}).status_code == 400
    assert alice.post(f"/api/v1/notifications/{theirs.pk}/read/").status_code == 404
    assert "李博的" not in alice.get("/api/v1/notifications/").content.decode()
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert alice.post("/api/v1/notifications/read-all/").json() == {"marked": 1}
    assert bob.get("/api/v1/notifications/").json()["count"] == 1
    assert anonymous.get("/api/v1/notifications/").status_code == 401


# --- My petitions: pagination and filters -----------------------------------------------------------


def test_my_petitions_are_paginated_and_filtered(alice, bob, file_petition):
    file_petition(title="第一件：路灯不亮", body="湖滨区某路段路灯已经坏了三个月，夜间出行很不安全。")
    file_petition(
        petition_type="suggestion",
        title="第二件：增设公交站",
        body="建议在新区医院门口增设公交站点，方便就医群众。",
    )
    page = alice.get("/api/v1/petitions/", {"page_size": 1}).json()
    assert (
        page["count"] == 2
        and len(page["results"]) == 1
        and page["previous"] is None
        and "page=2" in page["next"]
    )
    second = alice.get("/api/v1/petitions/", {"page_size": 1, "page": 2}).json()
    assert second["previous"] and second["results"] != page["results"]
    assert [
        r["title"] for r in alice.get("/api/v1/petitions/", {"petition_type": "suggestion"}).json()["results"]
    ] == ["第二件：增设公交站"]
    assert alice.get("/api/v1/petitions/", {"q": "路灯"}).json()["count"] == 1
    assert alice.get("/api/v1/petitions/", {"is_open": "false"}).json()["count"] == 0
    assert alice.get("/api/v1/petitions/", {"state": "submitted"}).json()["count"] == 2
    assert alice.get("/api/v1/petitions/", {"state": "bogus"}).status_code == 400
    assert alice.get("/api/v1/petitions/", {"submitted_after": "2999-01-01"}).status_code == 400
    assert alice.get("/api/v1/petitions/", {"page": 9}).status_code == 404
    assert bob.get("/api/v1/petitions/").json()["count"] == 0


def test_the_agency_inbox_is_paginated_and_filtered(
    host_client, file_petition, agency_a, handler_a, handler_b, agency_b
):
    file_petition(agency=agency_a, title="噪声扰民请求处理", body="楼下商铺每天深夜播放音乐，严重影响休息。")
    file_petition(
        agency=agency_a,
        petition_type="request",
        title="请求修复道路",
        body="门前道路坑洼多年，雨天积水严重。",
    )
    client = host_client(agency_a, handler_a)
    assert client.get("/api/v1/cases/").json()["count"] == 2
    assert client.get("/api/v1/cases/", {"petition_type": "request"}).json()["count"] == 1
    assert client.get("/api/v1/cases/", {"is_open": "false"}).json()["count"] == 0
    assert client.get("/api/v1/cases/", {"page_size": 1}).json()["next"]
    assert host_client(agency_b, handler_b).get("/api/v1/cases/").json()["count"] == 0


def test_every_new_citizen_endpoint_refuses_anonymous_callers_and_lives_on_the_portal_only(
    alice, anonymous, registered, host_client, agency_a, handler_a
):
    draft = alice.post("/api/v1/uploads/", {"file": _pdf()}).json()
    filed = alice.post("/api/v1/petitions/", PETITION, content_type="application/json").json()
    note = Notification.objects.create(user=registered, kind="submitted", subject="一", body="b")
    calls = [
        ("get", "/api/v1/profile/"),
        ("put", "/api/v1/profile/"),
        ("patch", "/api/v1/profile/"),
        ("post", "/api/v1/uploads/"),
        ("get", f"/api/v1/uploads/{draft['submission_id']}/"),
        ("delete", f"/api/v1/uploads/{draft['submission_id']}/{draft['token']}/"),
        ("post", f"/api/v1/petitions/{filed['id']}/supplements/"),
        ("get", "/api/v1/notifications/"),
        ("post", f"/api/v1/notifications/{note.pk}/read/"),
        ("post", "/api/v1/notifications/read-all/"),
    ]
    staff = host_client(agency_a, handler_a)
    for method, path in calls:
        response = getattr(anonymous, method)(path, content_type="application/json")
        assert response.status_code == 401, (method, path)  # anonymous: no credentials
        assert (
            "张爱丽" not in response.content.decode()
            and filed["tracking_number"] not in response.content.decode()
        )
        assert getattr(staff, method)(path, content_type="application/json").status_code == 404, (
            method,
            path,
        )
    assert StagedUpload.objects.filter(token=draft["token"]).exists()
    note.refresh_from_db()
    assert note.read_at is None


def test_a_report_filed_through_the_api_keeps_neutral_file_names(alice, registered):
    # 检举控告: a reporter's file names (often their own name) never reach an agency schema (arts. 30, 46).
    draft = alice.post("/api/v1/uploads/", {"file": _pdf("张爱丽的证据.pdf")}).json()
    response = alice.post(
        "/api/v1/petitions/",
        {
            "petition_type": "report",
            "title": "检举某局工作人员索贿",
            "body": "某局工作人员在办理业务时索要好处费，我有聊天记录为证。",
            "reported_agency": "zjj",
            "submission_id": draft["submission_id"],
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    index = CaseIndex.objects.select_related("holder").get(case_uuid=response.json()["id"])
    with schema_context(index.holder.schema_name):
        stored = list(Attachment.objects.filter(case_id=index.case_uuid))
    assert [a.file_name for a in stored] == ["report-material-1.pdf"]
    assert "张爱丽" not in stored[0].storage_key and stored[0].protected
