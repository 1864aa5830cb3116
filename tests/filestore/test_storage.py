"""filestore.services: storing under per-schema keys and short-lived download links (local and S3)."""

import re
import urllib.request
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.conf import settings
from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from config.errors import HallError
from filestore.services import download_url, is_s3_storage, store_bytes, store_file, validate_upload
from tests.conftest import HostClient
from tests.filestore.samples import image_bytes, pdf_bytes, upload

KEY = re.compile(
    r"^(?P<schema>[a-z0-9_]+)/(?P<category>[a-z_]+)/(?P<year>\d{4})/[0-9a-f]{32}/(?P<name>[^/]+)$"
)


def stored_upload(schema="gaj", category="attachments", name="起诉 材料.pdf", data=None):
    data = data if data is not None else pdf_bytes()
    incoming = upload(name, data, "application/octet-stream")
    checked = validate_upload(incoming)
    return store_file(schema_name=schema, category=category, upload=incoming, checked=checked), data


def body(response) -> bytes:
    return b"".join(response.streaming_content)


# --- Local storage -----------------------------------------------------------------------------------


def test_store_file_saves_under_the_schema_prefix(local_storage):
    key, data = stored_upload()
    match = KEY.match(key)
    assert match, key
    assert match["schema"] == "gaj"
    assert match["category"] == "attachments"
    assert int(match["year"]) == timezone.localdate().year
    assert match["name"] == "起诉_材料.pdf"
    assert (local_storage / key).read_bytes() == data


def test_two_uploads_of_the_same_name_get_different_keys(local_storage):
    first, _ = stored_upload()
    second, _ = stored_upload()
    assert first != second


def test_store_bytes_saves_a_generated_document(local_storage):
    key = store_bytes(
        schema_name="xfj",
        category="documents",
        filename="受理告知书.pdf",
        data=b"%PDF-1.7 x",
        content_type="application/pdf",
    )
    assert KEY.match(key)["name"] == "受理告知书.pdf"
    assert key.startswith("xfj/documents/")
    with default_storage.open(key, "rb") as handle:
        assert handle.read() == b"%PDF-1.7 x"


@pytest.mark.parametrize(
    ("schema", "category"), [("../gaj", "attachments"), ("gaj", "a/b"), ("", "x"), ("GAJ", "x")]
)
def test_key_parts_must_be_plain_names(local_storage, schema, category):
    with pytest.raises(HallError) as info:
        store_bytes(
            schema_name=schema,
            category=category,
            filename="a.pdf",
            data=b"%PDF-",
            content_type="application/pdf",
        )
    assert info.value.code == "storage_key_invalid"


def test_local_download_link_round_trip_on_the_host_it_was_minted_for(local_storage, db):
    key, data = stored_upload()
    url = download_url(key, filename="起诉材料.pdf")  # minted on the portal (the public schema)
    assert url.startswith("/files/")
    assert not is_s3_storage()
    response = HostClient(settings.HALL_DOMAIN).get(url)
    assert response.status_code == 200
    assert body(response) == data
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''%E8%B5%B7%E8%AF%89%E6%9D%90%E6%96%99.pdf" in disposition
    assert "no-store" in response["Cache-Control"]
    # 内外网物理隔离: the link names its host's schema and surface; other hosts refuse it.
    for host in ("gaj.hall.localhost", "dcs.hall.localhost"):
        assert HostClient(host).get(url).status_code == 404, host


def test_an_image_is_still_served_as_an_attachment(local_storage, db):
    key, data = stored_upload(name="照片.png", data=image_bytes("PNG"))
    response = HostClient(settings.HALL_DOMAIN).get(download_url(key, filename="照片.png"))
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_tampered_token_is_refused(local_storage, db):
    key, _ = stored_upload(schema="gaj")
    url = download_url(key, filename="起诉材料.pdf")
    token = url.removeprefix("/files/")
    # Point the signed payload at another tenant's file, keeping the old signature.
    other_key, _ = stored_upload(schema="zjj")
    forged = signing.TimestampSigner(salt="wrong-salt").sign_object({"k": other_key, "f": "x.pdf", "e": 300})
    payload, _sep, signature = token.rpartition(":")
    for bad in (
        forged,
        f"{forged.rpartition(':')[0]}:{signature}",
        token[:-2] + ("AA" if token[-2:] != "AA" else "BB"),
    ):
        response = HostClient(settings.HALL_DOMAIN).get(f"/files/{bad}")
        assert response.status_code == 404
        assert "下载链接无效" in response.content.decode()


def test_an_expired_token_is_gone(local_storage, db, monkeypatch):
    key, _ = stored_upload()
    real_time = signing.time.time
    monkeypatch.setattr(signing.time, "time", lambda: real_time() - 301)  # minted 301 s ago
    url = download_url(key, filename="起诉材料.pdf", expires=300)
    monkeypatch.setattr(signing.time, "time", real_time)
    response = HostClient(settings.HALL_DOMAIN).get(url)
    assert response.status_code == 410
    assert "下载链接已过期" in response.content.decode()
    # A longer-lived link minted at the same moment still works.
    monkeypatch.setattr(signing.time, "time", lambda: real_time() - 301)
    longer = download_url(key, filename="起诉材料.pdf", expires=600)
    monkeypatch.setattr(signing.time, "time", real_time)
    assert HostClient(settings.HALL_DOMAIN).get(longer).status_code == 200


def test_a_link_to_a_deleted_file_is_not_found(local_storage, db):
    key, _ = stored_upload()
    url = download_url(key, filename="a.pdf")
    default_storage.delete(key)
    response = HostClient(settings.HALL_DOMAIN).get(url)
    assert response.status_code == 404
    assert "文件不存在" in response.content.decode()


def test_downloads_accept_only_get_and_head(local_storage, db):
    key, _ = stored_upload()
    url = download_url(key, filename="a.pdf")
    assert HostClient(settings.HALL_DOMAIN).post(url).status_code == 405
    assert HostClient(settings.HALL_DOMAIN).head(url).status_code == 200


def test_a_jpeg_named_html_is_stored_and_served_as_a_jpg(local_storage, db):
    key, data = stored_upload(name="img.html", data=image_bytes("JPEG"))
    assert key.endswith("/img.jpg")
    # Even a caller that still holds the name as sent cannot make it go out as a page.
    response = HostClient(settings.HALL_DOMAIN).get(download_url(key, filename="img.html"))
    assert body(response) == data
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == 'attachment; filename="img.jpg"'
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_chinese_name_downloads_with_an_rfc_5987_filename(local_storage, db):
    key, _ = stored_upload(name="现场 照片.html", data=image_bytes("PNG"))
    response = HostClient(settings.HALL_DOMAIN).get(download_url(key, filename="现场 照片.html"))
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == (
        "attachment; filename=\"file.png\"; filename*=utf-8''%E7%8E%B0%E5%9C%BA%20%E7%85%A7%E7%89%87.png"
    )


def test_a_stored_file_outside_the_allow_list_is_never_served_as_what_it_claims(local_storage, db):
    # Written before uploads were named by their content: the key still says .html.
    key = default_storage.save(
        "gaj/attachments/2025/0123/page.html", ContentFile(b"<script>alert(1)</script>")
    )
    response = HostClient(settings.HALL_DOMAIN).get(download_url(key, filename="page.html"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == 'attachment; filename="page.bin"'
    assert response["X-Content-Type-Options"] == "nosniff"


# --- S3 (moto_server on loopback) ---------------------------------------------------------------------


def test_s3_upload_and_presigned_download(s3_bucket):
    client, bucket = s3_bucket
    assert is_s3_storage()
    key, data = stored_upload(schema="gaj", name="起诉 材料.pdf")
    assert key.startswith("gaj/attachments/")
    assert KEY.match(key)
    head = client.head_object(Bucket=bucket, Key=key)
    assert head["ContentType"] == "application/pdf"  # the detected type, not the browser's claim

    url = download_url(key, filename="起诉材料.pdf", expires=120)
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Expires"] == ["120"]
    disposition = unquote(query["response-content-disposition"][0])
    assert disposition.startswith("attachment;")
    assert (
        "filename*=utf-8''%E8%B5%B7%E8%AF%89%E6%9D%90%E6%96%99.pdf"
        in query["response-content-disposition"][0]
    )
    assert urlsplit(url).netloc == urlsplit(client.meta.endpoint_url).netloc

    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback test endpoint
        assert response.read() == data
        assert response.headers["Content-Disposition"].startswith("attachment;")


def test_s3_generated_document_keeps_its_prefix_and_type(s3_bucket):
    client, bucket = s3_bucket
    key = store_bytes(
        schema_name="xfj",
        category="documents",
        filename="受理告知书.pdf",
        data=pdf_bytes(),
        content_type="application/pdf",
    )
    assert key.startswith("xfj/documents/")
    listed = [item["Key"] for item in client.list_objects_v2(Bucket=bucket, Prefix="xfj/")["Contents"]]
    assert listed == [key]
    assert client.head_object(Bucket=bucket, Key=key)["ContentType"] == "application/pdf"


def test_s3_presigned_download_carries_the_derived_type_and_name(s3_bucket):
    client, bucket = s3_bucket
    key, data = stored_upload(schema="gaj", name="现场照片.html", data=image_bytes("JPEG"))
    assert key.endswith("/现场照片.jpg")
    assert client.head_object(Bucket=bucket, Key=key)["ContentType"] == "image/jpeg"

    url = download_url(key, filename="现场照片.html")
    query = parse_qs(urlsplit(url).query)
    assert query["response-content-type"] == ["image/jpeg"]
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback test endpoint
        assert response.read() == data
        assert response.headers["Content-Type"] == "image/jpeg"
        assert response.headers["Content-Disposition"] == (
            "attachment; filename=\"file.jpg\"; filename*=utf-8''%E7%8E%B0%E5%9C%BA%E7%85%A7%E7%89%87.jpg"
        )


def test_s3_serves_the_derived_type_over_the_objects_stored_metadata(s3_bucket):
    client, bucket = s3_bucket
    # An object stored with the browser's claim (as an upload could be before): the key's type wins.
    key = "gaj/attachments/2025/0123/img.jpg"
    client.put_object(Bucket=bucket, Key=key, Body=image_bytes("JPEG"), ContentType="text/html")
    with urllib.request.urlopen(download_url(key, filename="img.html"), timeout=10) as response:  # noqa: S310
        assert response.headers["Content-Type"] == "image/jpeg"
        assert response.headers["Content-Disposition"] == 'attachment; filename="img.jpg"'
