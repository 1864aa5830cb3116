"""The documents a case issues (文书): numbered, rendered, stored, and a reporter's own named copy."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from cases.index.models import ReporterDocument
from cases.models import (
    Case,
    Document,
)
from cases.services.core import REPORTER_PLACEHOLDER, REPORTER_STORAGE_PREFIX, Actor, _now
from cases.services.identity import protected_identity
from tenants.models import Agency

# --- Documents --------------------------------------------------------------------------------------


def _issue_document(
    case: Case, *, kind: str, agency: Agency, actor: Actor, fields: dict[str, str]
) -> Document:
    """Number, render and store an official document; record it on the case."""
    from documents.services import next_document_number, render_document
    from filestore.services import store_bytes

    now = _now()
    issued_on = timezone.localdate(now)
    number = next_document_number(
        agency_code=agency.code,
        agency_short=agency.short_name or agency.name_zh[:2],
        kind=kind,
        year=issued_on.year,
    )
    # A reporter is never named in a document kept in an agency schema (arts. 30, 46): that copy
    # addresses a placeholder, and the reporter's own named copy is kept with the vault (below).
    petitioner = REPORTER_PLACEHOLDER if case.identity_protected else case.petitioner_name

    def render(name: str) -> bytes:
        return render_document(
            kind=kind,
            number=number,
            agency_name=agency.name_zh,
            agency_code=agency.code,  # its electronic seal, if its admin uploaded one
            issued_on=issued_on,
            fields={
                "petitioner_name": name,
                "tracking_number": case.tracking_number,
                "title": case.title,
                **fields,
            },
        )

    data = render(petitioner)
    file_name = f"{number}.pdf"
    key = store_bytes(
        schema_name=agency.schema_name,
        category="documents",
        filename=file_name,
        data=data,
        content_type="application/pdf",
    )
    from documents.models import DocumentKind

    document = Document.objects.create(
        case=case,
        kind=kind,
        number=number,
        title=str(DocumentKind(kind).label),
        agency_code=agency.code,
        storage_key=key,
        file_name=file_name,
        size=len(data),
        generated=True,
        created_at=now,
        created_by_uuid=actor.user.uuid if actor.user else None,
    )
    if case.identity_protected and kind in REPORTER_ADDRESSED_KINDS:
        _store_reporter_copy(case, document, render)
    return document


# The documents addressed to the petitioner: a reporter gets a copy that names them (arts. 30, 46).
REPORTER_ADDRESSED_KINDS = frozenset(
    {
        "forward_notice",
        "acceptance_notice",
        "non_acceptance_notice",
        "extension_notice",
        "handling_opinion",
        "review_opinion",
        "rereview_opinion",
        "not_accepted_by_bureau",
        "referral_notice",
    }
)


def _store_reporter_copy(case: Case, document: Document, render) -> None:
    """The reporter's named copy, in the public schema beside the vault, under a non-agency prefix."""
    from filestore.services import store_bytes

    name = protected_identity(case.pk).get("name") or REPORTER_PLACEHOLDER
    data = render(name)
    key = store_bytes(
        schema_name=REPORTER_STORAGE_PREFIX,
        category="documents",
        filename=document.file_name,
        data=data,
        content_type="application/pdf",
    )
    ReporterDocument.objects.create(
        case_uuid=case.pk,
        document_id=document.pk,
        kind=document.kind,
        number=document.number,
        storage_key=key,
        file_name=document.file_name,
        size=len(data),
        created_at=document.created_at,
    )


def _cn_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"
