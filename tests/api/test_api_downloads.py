"""Download links handed out by the API: the type and the name follow the stored content, on S3 too."""

import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_tenants.utils import schema_context

from cases import services
from cases.models import Document
from tests.cases.conftest import in_schema, staff
from tests.filestore.conftest import s3_bucket  # noqa: F401 - fixture
from tests.filestore.samples import image_bytes

pytest_plugins = ["tests.cases.conftest"]


@pytest.fixture
def accepted_case(file_petition, clerk, bureau, handler_a, agency_a):
    result = file_petition()
    services.forward_case(case_uuid=result.case_uuid, actor=staff(clerk, bureau), target=agency_a)
    services.accept_case(case_uuid=result.case_uuid, actor=staff(handler_a, agency_a))
    return result


def api_documents(client, case_uuid) -> list[dict]:
    response = client.get(f"/api/v1/cases/{case_uuid}/")
    assert response.status_code == 200
    return response.json()["documents"]


def test_on_s3_api_links_carry_the_derived_type_and_name(
    s3_bucket,  # noqa: F811 - fixture; first, so the case's generated notice goes to S3 too
    host_client,
    agency_a,
    handler_a,
    accepted_case,
):
    client = host_client(agency_a, handler_a)
    notice = in_schema(agency_a, Document, case_id=accepted_case.case_uuid, kind="acceptance_notice")[0]
    data = image_bytes("JPEG")
    response = client.post(
        f"/case/{accepted_case.case_uuid}/act/upload_scan/",
        {
            "upload_scan-document": str(notice.pk),
            "upload_scan-file": SimpleUploadedFile("签章扫描件.html", data, content_type="text/html"),
        },
    )
    assert response.status_code == 302

    by_type = {}
    for row in api_documents(client, accepted_case.case_uuid):
        query = parse_qs(urlsplit(row["download_url"]).query)
        by_type[query["response-content-type"][0]] = row["download_url"]
    assert set(by_type) == {"application/pdf", "image/jpeg"}
    with urllib.request.urlopen(by_type["image/jpeg"], timeout=10) as served:  # noqa: S310 - loopback
        assert served.read() == data
        assert served.headers["Content-Type"] == "image/jpeg"
        assert served.headers["Content-Disposition"] == (
            'attachment; filename="file.jpg"; '
            "filename*=utf-8''%E7%AD%BE%E7%AB%A0%E6%89%AB%E6%8F%8F%E4%BB%B6.jpg"
        )
    with urllib.request.urlopen(by_type["application/pdf"], timeout=10) as served:  # noqa: S310
        assert served.headers["Content-Type"] == "application/pdf"
        assert served.headers["Content-Disposition"].startswith("attachment;")


def test_an_api_link_to_a_file_stored_under_a_page_name_is_not_served_as_a_page(
    host_client,
    agency_a,
    handler_a,
    accepted_case,
    local_storage,
):
    # A row written before uploads were named by their content: its key and name both say .html.
    key = default_storage.save(
        "ag_gaj/documents/2025/0123/回复.html", ContentFile(b"<script>alert(1)</script>")
    )
    with schema_context(agency_a.schema_name):
        Document.objects.create(
            case_id=accepted_case.case_uuid,
            kind="reply_attachment",
            title="回复.html",
            agency_code=agency_a.code,
            storage_key=key,
            file_name="回复.html",
            content_type="text/html",
            generated=False,
            created_at=timezone.now(),
        )
    client = host_client(agency_a, handler_a)
    [row] = [d for d in api_documents(client, accepted_case.case_uuid) if d["kind"] == "reply_attachment"]
    served = client.get(row["download_url"])
    assert served.status_code == 200
    assert served["Content-Type"] == "application/octet-stream"
    assert served["Content-Disposition"].endswith(".bin") and ".html" not in served["Content-Disposition"]
    assert served["X-Content-Type-Options"] == "nosniff"
