"""The agency's electronic seal: only its administrator uploads it, only a transparent PNG is taken,
and the notices the agency issues carry it over their date (and say so); other agencies' do not."""

import io

import pypdf
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from accounts.models import Role
from cases import services
from cases.models import Document
from config.errors import Forbidden, HallError
from documents import seals
from documents.models import AgencySeal
from tests.cases.conftest import in_schema, staff
from tests.conftest import make_staff
from tests.filestore.samples import image_bytes, pdf_bytes

SEALED = "电子印章仅用于表明本文书由落款机关出具"
UNSEALED = "未加盖印章"


def seal_png(size: int = 300, *, transparent: bool = True) -> bytes:
    """A red ring with the agency's star on a transparent background, like a scanned seal."""
    image = Image.new("RGBA", (size, size), (255, 255, 255, 0 if transparent else 255))
    draw = ImageDraw.Draw(image)
    draw.ellipse((8, 8, size - 8, size - 8), outline=(210, 20, 20, 255), width=size // 20)
    draw.regular_polygon((size / 2, size / 2, size / 6), 5, fill=(210, 20, 20, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def upload(client, data: bytes, name: str = "seal.png"):
    return client.post("/settings/seal/", {"seal": SimpleUploadedFile(name, data)})


@pytest.fixture
def admin_b(agency_b):
    return make_staff("admin@zjj.test", agency_b, Role.ADMIN)


def pdf_of(document: Document) -> pypdf.PdfReader:
    with default_storage.open(document.storage_key, "rb") as handle:
        return pypdf.PdfReader(io.BytesIO(handle.read()))


def images_in(reader: pypdf.PdfReader) -> list:
    return [image for page in reader.pages for image in page.images]


def text_of(reader: pypdf.PdfReader) -> str:
    return "".join(page.extract_text() for page in reader.pages)


def test_the_admin_uploads_the_seal_and_sees_it(host_client, agency_a, admin_a):
    client = host_client(agency_a, admin_a)
    assert "/settings/seal/" in client.get("/settings/").content.decode()  # linked from the settings
    assert client.get("/settings/seal/").status_code == 200
    response = upload(client, seal_png())
    assert response.status_code == 302
    row = AgencySeal.objects.get(agency_code=agency_a.code)
    assert row.schema_name == agency_a.schema_name and (row.width_px, row.height_px) == (300, 300)
    assert row.uploaded_by_uuid == admin_a.uuid
    preview = client.get("/settings/seal/image/")
    assert preview.status_code == 200 and preview["Content-Type"] == "image/png"
    assert preview.content == seal_png()
    assert client.post("/settings/seal/remove/").status_code == 302
    assert not AgencySeal.objects.filter(agency_code=agency_a.code).exists()
    assert client.get("/settings/seal/image/").status_code == 404


def test_only_the_agencys_admin_may_upload_the_seal(
    host_client, agency_a, agency_b, admin_a, handler_a, admin_b
):
    for client in (host_client(agency_a, handler_a), host_client(agency_a, admin_b)):
        assert upload(client, seal_png()).status_code == 403
        assert client.get("/settings/seal/image/").status_code == 403
        assert client.post("/settings/seal/remove/").status_code == 403
    anonymous = upload(host_client(agency_a), seal_png())
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert not AgencySeal.objects.exists()
    # the service checks the role itself: an admin of one agency is nobody in another
    with pytest.raises(Forbidden):
        seals.set_agency_seal(
            acting_user=admin_b, agency=agency_a, upload=SimpleUploadedFile("s.png", seal_png())
        )
    with pytest.raises(Forbidden):
        seals.set_agency_seal(
            acting_user=handler_a, agency=agency_a, upload=SimpleUploadedFile("s.png", seal_png())
        )
    # agency B's admin sets B's seal on B's host, which leaves A without one
    assert upload(host_client(agency_b, admin_b), seal_png()).status_code == 302
    assert list(AgencySeal.objects.values_list("agency_code", flat=True)) == [agency_b.code]


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("seal.png", b"<html><body><script>alert(1)</script></body></html>", "不是 PNG 图片"),
        ("seal.png", image_bytes("JPEG"), "PNG"),
        ("seal.pdf", pdf_bytes(), "PNG"),
        ("seal.png", seal_png(transparent=False), "透明背景"),
        ("seal.png", seal_png(size=40), "像素"),
        ("seal.png", seal_png()[:200], "损坏"),
    ],
)
def test_a_seal_that_is_not_a_transparent_png_is_refused(host_client, agency_a, admin_a, name, data, words):
    response = upload(host_client(agency_a, admin_a), data, name)
    assert response.status_code == 400
    assert words in response.content.decode()
    assert not AgencySeal.objects.exists()


def test_the_seal_is_checked_by_content_not_by_name():
    with pytest.raises(HallError) as info:
        seals.check_seal_image(SimpleUploadedFile("印章.png", b"<svg onload=alert(1)></svg>"))
    assert info.value.code == "seal_rejected" and "不是 PNG 图片" in str(info.value)
    checked = seals.check_seal_image(SimpleUploadedFile("印章.jpg", seal_png()))  # a PNG under any name
    assert (checked.width_px, checked.height_px) == (300, 300)


def test_the_agencys_notices_carry_its_seal_and_others_do_not(
    host_client, agency_a, agency_b, admin_a, bureau, clerk, handler_a, forwarded
):
    assert upload(host_client(agency_a, admin_a), seal_png()).status_code == 302
    services.accept_case(case_uuid=forwarded.case_uuid, actor=staff(handler_a, agency_a))
    docs = {d.kind: d for d in in_schema(agency_a, Document, case_id=forwarded.case_uuid)}

    notice = pdf_of(docs["acceptance_notice"])
    (seal,) = images_in(notice)
    assert seal.image.size == (300, 300) and seal.image.mode in {"RGBA", "LA", "P"}  # alpha kept
    assert SEALED in text_of(notice) and UNSEALED not in text_of(notice)
    # placed over the date (as official seals are): the date's baseline runs through the seal's box
    page = notice.pages[0]
    placements, texts = [], {}
    page.extract_text(
        visitor_operand_before=lambda op, args, cm, tm: op == b"Do" and placements.append(cm),
        visitor_text=lambda text, cm, tm, font, size: texts.update({text.strip(): tm}),  # the last
    )
    ((width, _b, _c, height, left, bottom),) = placements
    issued = timezone.localdate()
    date_x, date_y = texts[f"{issued.year}年{issued.month}月{issued.day}日"][4:6]
    assert width == pytest.approx(height) and left > float(page.mediabox.width) / 2
    assert left < date_x < left + width and bottom < date_y < bottom + height
    name_y = texts[agency_a.name_zh][5]
    assert bottom < name_y < bottom + height  # and over the agency's name above it

    # the forward notice, issued by the bureau (no seal uploaded), bears none and says so
    forward = pdf_of(docs["forward_notice"])
    assert images_in(forward) == [] and UNSEALED in text_of(forward) and SEALED not in text_of(forward)


def test_another_agencys_notice_bears_no_seal(
    host_client, agency_a, agency_b, admin_a, clerk, bureau, queued, handler_b
):
    assert upload(host_client(agency_a, admin_a), seal_png()).status_code == 302
    services.forward_case(case_uuid=queued.case_uuid, actor=staff(clerk, bureau), target=agency_b)
    services.accept_case(case_uuid=queued.case_uuid, actor=staff(handler_b, agency_b))
    notice = next(
        d for d in in_schema(agency_b, Document, case_id=queued.case_uuid) if d.kind == "acceptance_notice"
    )
    reader = pdf_of(notice)
    assert images_in(reader) == [] and UNSEALED in text_of(reader)


def test_the_seal_page_and_its_refusal_are_in_english_for_english_staff(host_client, agency_a, admin_a):
    from django.conf import settings

    client = host_client(agency_a, admin_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Electronic seal" in client.get("/settings/seal/").content.decode()
    response = upload(client, seal_png(transparent=False))
    assert response.status_code == 400 and "transparent background" in response.content.decode()
