"""Documents issued by the services: numbered per agency and year, stored, readable, superseded by scans."""

import io
import re

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from pypdf import PdfReader

from cases import services
from cases.models import Document
from cases.services import AttachmentInput
from tests.cases.conftest import in_schema, staff


def pdf_text(key: str) -> str:
    """The text a reader extracts, with line breaks and spaces removed (wrapping may split any word)."""
    with default_storage.open(key, "rb") as handle:
        pages = PdfReader(io.BytesIO(handle.read())).pages
        return re.sub(r"\s+", "", "".join(page.extract_text() for page in pages))


@pytest.fixture
def accepted_at_a(file_petition, clerk, bureau, handler_a, agency_a):
    result = file_petition()
    services.forward_case(case_uuid=result.case_uuid, actor=staff(clerk, bureau), target=agency_a)
    services.accept_case(case_uuid=result.case_uuid, actor=staff(handler_a, agency_a))
    return result


def test_acceptance_notice_pdf_names_the_petitioner_the_case_and_the_deadline(
    accepted_at_a, agency_a, citizen
):
    docs = {d.kind: d for d in in_schema(agency_a, Document, case_id=accepted_at_a.case_uuid)}
    notice = docs["acceptance_notice"]
    year = timezone.localdate().year
    assert notice.number == f"三公信受〔{year}〕1号"
    assert notice.storage_key.startswith(f"ag_gaj/documents/{year}/")
    text = pdf_text(notice.storage_key)
    for expected in (
        "三门峡市公安局",
        "信访事项受理告知书",
        notice.number,
        citizen.full_name,
        accepted_at_a.tracking_number,
        "第二十三条",
    ):
        assert expected in text, expected
    # the forward notice was numbered by the bureau and kept its key when the case moved
    assert docs["forward_notice"].number == f"三信转〔{year}〕1号"
    assert docs["forward_notice"].storage_key.startswith("ag_xfj/documents/")


def test_numbers_count_per_agency_and_kind(file_petition, clerk, bureau, handler_a, agency_a):
    for title in ("第一件事项：路灯不亮", "第二件事项：井盖缺失"):
        result = file_petition(title=title, body=f"{title}，已经很久了，存在安全隐患，请尽快处理。")
        services.forward_case(case_uuid=result.case_uuid, actor=staff(clerk, bureau), target=agency_a)
        services.accept_case(case_uuid=result.case_uuid, actor=staff(handler_a, agency_a))
    numbers = sorted(d.number for d in in_schema(agency_a, Document, kind="acceptance_notice"))
    year = timezone.localdate().year
    assert numbers == [f"三公信受〔{year}〕1号", f"三公信受〔{year}〕2号"]


def test_handling_opinion_carries_the_reply_and_the_review_window(accepted_at_a, handler_a, agency_a):
    services.reply_case(
        case_uuid=accepted_at_a.case_uuid,
        actor=staff(handler_a, agency_a),
        opinion="support",
        text="经调查核实，物业公司收费无依据，已责令其退还多收的停车费。",
    )
    opinion = next(
        d
        for d in in_schema(agency_a, Document, case_id=accepted_at_a.case_uuid)
        if d.kind == "handling_opinion"
    )
    text = pdf_text(opinion.storage_key)
    assert "信访处理意见书" in text and "已责令其退还多收的停车费" in text
    assert "予以支持" in text and "三门峡市信访局" in text and "复查" in text


def test_a_signed_scan_supersedes_the_generated_document(
    accepted_at_a, handler_a, agency_a, handler_b, agency_b
):
    notice = next(
        d
        for d in in_schema(agency_a, Document, case_id=accepted_at_a.case_uuid)
        if d.kind == "acceptance_notice"
    )
    scan_input = AttachmentInput(
        "ag_gaj/documents/2026/s/scan.pdf", "受理告知书（盖章）.pdf", "application/pdf", 2048
    )
    from config.errors import Forbidden, NotFound

    with pytest.raises(Forbidden):
        services.upload_signed_document(
            case_uuid=accepted_at_a.case_uuid,
            actor=staff(handler_b, agency_b),
            document_id=notice.pk,
            upload=scan_input,
        )
    import uuid

    with pytest.raises(NotFound):
        services.upload_signed_document(
            case_uuid=accepted_at_a.case_uuid,
            actor=staff(handler_a, agency_a),
            document_id=uuid.uuid4(),
            upload=scan_input,
        )
    scan = services.upload_signed_document(
        case_uuid=accepted_at_a.case_uuid,
        actor=staff(handler_a, agency_a),
        document_id=notice.pk,
        upload=scan_input,
    )
    rows = {d.pk: d for d in in_schema(agency_a, Document, case_id=accepted_at_a.case_uuid)}
    assert rows[notice.pk].superseded and not rows[scan.pk].generated
    assert rows[scan.pk].supersedes == notice.pk and rows[scan.pk].number == notice.number
    from cases.access import case_for_citizen
    from cases.queries import documents

    visible = documents(
        case_for_citizen(accepted_at_a_owner(accepted_at_a), accepted_at_a.case_uuid), for_citizen=True
    )
    assert scan.pk in [d.pk for d in visible] and notice.pk not in [d.pk for d in visible]


def accepted_at_a_owner(result):
    from cases.index.models import CaseIndex

    return CaseIndex.objects.get(case_uuid=result.case_uuid).citizen
