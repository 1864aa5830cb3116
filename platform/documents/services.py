"""Document numbers (文号) and the PDF of a notice: the two calls the case core makes.

``next_document_number`` takes the next number for one agency, kind and year; ``render_document``
(re-exported from documents.pdf) lays the notice out as a PDF with an embedded CJK font.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext_lazy as _

from config.errors import HallError
from documents.models import DocumentKind, DocumentSequence
from documents.pdf import render_document

__all__ = ["KIND_CHARACTERS", "next_document_number", "render_document"]

# The character(s) after the agency's short name in a number: 三信转〔2026〕15号. Chosen so no two kinds
# share a prefix within one agency (a bureau both forwards and may refuse to accept, 不受 vs 告).
KIND_CHARACTERS: dict[str, str] = {
    DocumentKind.FORWARD_NOTICE: "转",
    DocumentKind.ASSIGNMENT_ORDER: "交",
    DocumentKind.ACCEPTANCE_NOTICE: "受",
    DocumentKind.NON_ACCEPTANCE_NOTICE: "不受",
    DocumentKind.EXTENSION_NOTICE: "延",
    DocumentKind.HANDLING_OPINION: "处",
    DocumentKind.REVIEW_OPINION: "复查",
    DocumentKind.REREVIEW_OPINION: "复核",
    DocumentKind.NOT_ACCEPTED_BY_BUREAU: "告",
    DocumentKind.COMPLETION_REPORT: "结",
    DocumentKind.REPEAT_NOTICE: "重",
    DocumentKind.FINAL_NOTICE: "不再",
    DocumentKind.REFERRAL_NOTICE: "移",
}


def upsert_sql() -> str:
    """Take the next number for (agency_code, kind, year): one statement, atomic under concurrency."""
    quote = connection.ops.quote_name
    table = f"{quote(settings.PUBLIC_SCHEMA_NAME)}.{quote(DocumentSequence._meta.db_table)}"
    return (
        f"INSERT INTO {table} (agency_code, kind, year, last_number) VALUES (%s, %s, %s, 1) "  # noqa: S608
        "ON CONFLICT (agency_code, kind, year) "
        f"DO UPDATE SET last_number = {table}.last_number + 1 RETURNING last_number"
    )


def next_document_number(*, agency_code: str, agency_short: str, kind: str, year: int) -> str:
    """Take the next number for ``kind`` issued by ``agency_code`` in ``year``, e.g. ``三信转〔2026〕15号``.

    One ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``: the row lock it takes is held until the
    caller's transaction ends, so two concurrent callers never get the same number, and a caller that
    rolls back gives its number back. The table is named with its schema because the caller is usually
    inside an agency schema (search_path ``<agency>, public``).
    """
    if kind not in KIND_CHARACTERS:
        raise HallError(_("未知的文书类别：%(kind)s") % {"kind": kind}, code="document_kind_unknown")
    agency_short = (agency_short or "").strip()
    if not agency_short:
        raise HallError(_("缺少机关简称，无法编制文号。"), code="document_number_invalid")
    if not agency_code:
        raise HallError(_("缺少机关代码，无法编制文号。"), code="document_number_invalid")
    if not 2000 <= year <= 2999:
        raise HallError(_("文号年度无效：%(year)s") % {"year": year}, code="document_number_invalid")

    with connection.cursor() as cursor:
        cursor.execute(upsert_sql(), [agency_code, kind, year])
        (number,) = cursor.fetchone()
    return f"{agency_short}{KIND_CHARACTERS[kind]}〔{year}〕{number}号"
