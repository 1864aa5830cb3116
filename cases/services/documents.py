"""The documents a case issues (文书): numbered and recorded inside the action, rendered after it.

Staged in two steps, so that no PDF renders under the case's row lock and a rolled-back action leaves
no file in storage (STYLE.md: rendering and storage after commit):

1. ``_issue_document`` runs inside the action's transaction: it takes the document number, fixes the
   document's words from the case as it is now (``Document.render_spec``), writes the Document row as
   pending and a StagedDocument row (public schema) that says it waits, and asks for the render once
   the transaction commits. A rollback removes all three, number included.
2. ``render_staged_document`` runs after commit (a Celery task, inline when tasks run eagerly): it
   renders from the spec, never re-reading the case, stores the PDF, then, briefly under the case lock,
   marks every copy of the row ready (a forwarded case carries its documents to the next schema). A
   failure leaves the StagedDocument row with the error and the copies marked failed; the worker
   retries with backoff and the beat sweep (cases.tasks.render_staged_documents) picks up the rest.

Readers show a document that is not ready as 正在生成 (``Document.is_ready``), never a broken link.
"""

from __future__ import annotations

import functools
import logging
import uuid
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_tenants.utils import schema_context

from cases.index.models import ReporterDocument, StagedDocument
from cases.models import (
    Case,
    CaseEvent,
    Document,
    DocumentStatus,
)
from cases.services.core import REPORTER_PLACEHOLDER, REPORTER_STORAGE_PREFIX, Actor, _locked, _now
from cases.services.delivery import ADDRESSED_KINDS, service_due_for
from cases.services.identity import protected_identity
from config.errors import NotFound
from tenants.models import Agency

log = logging.getLogger(__name__)

# --- Documents --------------------------------------------------------------------------------------


def _issue_document(
    case: Case, *, kind: str, agency: Agency, actor: Actor, fields: dict[str, str]
) -> Document:
    """Number an official document and record it on the case; its PDF is rendered after commit.

    Called inside the action's transaction, in ``agency``'s schema (the holder issues it)."""
    from documents.models import DocumentKind
    from documents.services import next_document_number

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
    spec = {
        "kind": kind,
        "number": number,
        "agency_name": agency.name_zh,
        "agency_code": agency.code,  # its electronic seal, if its admin uploaded one
        "issued_on": issued_on.isoformat(),
        "fields": {
            "petitioner_name": petitioner,
            "tracking_number": case.tracking_number,
            "title": case.title,
            **{key: str(value) for key, value in fields.items()},
        },
    }
    document = Document.objects.create(
        case=case,
        kind=kind,
        number=number,
        title=str(DocumentKind(kind).label),
        agency_code=agency.code,
        storage_key="",
        file_name=f"{number}.pdf",
        size=0,
        generated=True,
        created_at=now,
        created_by_uuid=actor.user.uuid if actor.user else None,
        # 送达 (arts. 35-36): published to the petitioner's portal now, received by the end of the period.
        service_due=service_due_for(case, now) if kind in ADDRESSED_KINDS else None,
        status=DocumentStatus.PENDING,
        render_spec=spec,
    )
    StagedDocument.objects.create(
        document_id=document.pk,
        case_uuid=case.pk,
        schema_name=agency.schema_name,
        reporter_copy=case.identity_protected and kind in REPORTER_ADDRESSED_KINDS,
        created_at=now,
    )
    render_later = functools.partial(_enqueue_render, str(document.pk))
    # Marked so the test suite, whose tests run inside one transaction that never commits, can run it
    # when the action's own transaction ends (tests/conftest.py).
    render_later.staged_document = True  # type: ignore[attr-defined]
    transaction.on_commit(render_later)
    return document


def _enqueue_render(document_id: str) -> None:
    from cases.tasks import render_staged_document

    try:
        render_staged_document.delay(document_id)
    except Exception:  # a broker that is away: the row waits for the beat sweep
        log.exception("could not enqueue the render of document %s", document_id)


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
        "repeat_notice",
        "final_notice",
        "referral_notice",
    }
)


def _render(spec: dict[str, Any], *, petitioner_name: str | None = None) -> bytes:
    from documents.services import render_document

    fields = dict(spec["fields"])
    if petitioner_name is not None:
        fields["petitioner_name"] = petitioner_name
    return render_document(
        kind=spec["kind"],
        number=spec["number"],
        agency_name=spec["agency_name"],
        agency_code=spec["agency_code"],
        issued_on=date.fromisoformat(spec["issued_on"]),
        fields=fields,
    )


def _mark_copies(document_id: uuid.UUID, case_uuid: uuid.UUID, schema_name: str, **values: Any) -> None:
    """Update every copy of a document row: the issuing schema's and those of each agency the case
    went to since (a transfer copies the documents). Under the case lock, taken only for these few
    updates: a transfer that runs at the same time copies either the old row or the new one."""
    try:
        with _locked(case_uuid) as (index, _case):
            codes = set(
                CaseEvent.objects.filter(case_id=case_uuid).values_list("agency_code", flat=True).distinct()
            )
            schemas = set(Agency.objects.filter(code__in=codes).values_list("schema_name", flat=True))
            for schema in {schema_name, index.holder.schema_name, *schemas}:
                with schema_context(schema):
                    Document.objects.filter(pk=document_id).update(**values)
    except NotFound:  # the case is gone from the index: only the issuing schema's row is left
        with schema_context(schema_name):
            Document.objects.filter(pk=document_id).update(**values)


def render_staged_document(document_id: uuid.UUID) -> str:
    """Render and store a staged document's PDF (and a reporter's named copy), then mark it ready.

    Idempotent: a document already rendered (or no longer staged) is left as it is. Returns
    "ready", "done" (nothing to do) or raises after recording the failure on the staged row."""
    from filestore.services import store_bytes

    staged = StagedDocument.objects.filter(pk=document_id).first()
    if staged is None:
        return "done"
    try:
        with schema_context(staged.schema_name):
            document = Document.objects.filter(pk=document_id).first()
        if document is None or document.status == DocumentStatus.READY or not document.render_spec:
            StagedDocument.objects.filter(pk=document_id).delete()
            return "done"
        # No transaction and no lock is open here: rendering takes as long as it takes.
        data = _render(document.render_spec)
        key = store_bytes(
            schema_name=staged.schema_name,
            category="documents",
            filename=document.file_name,
            data=data,
            content_type="application/pdf",
        )
        reporter_copy: tuple[str, int] | None = None
        if staged.reporter_copy:
            # The reporter's name comes from the vault, which keeps what they filed under; it never
            # enters the agency's spec (arts. 30, 46).
            name = protected_identity(staged.case_uuid).get("name") or REPORTER_PLACEHOLDER
            named = _render(document.render_spec, petitioner_name=name)
            reporter_key = store_bytes(
                schema_name=REPORTER_STORAGE_PREFIX,
                category="documents",
                filename=document.file_name,
                data=named,
                content_type="application/pdf",
            )
            reporter_copy = (reporter_key, len(named))
        with transaction.atomic():
            if not StagedDocument.objects.select_for_update().filter(pk=document_id).exists():
                # A redelivered message rendered it at the same time and finished first: its files
                # are the document's, these are nobody's.
                from django.core.files.storage import default_storage

                default_storage.delete(key)
                if reporter_copy is not None:
                    default_storage.delete(reporter_copy[0])
                return "done"
            if reporter_copy is not None:
                ReporterDocument.objects.update_or_create(
                    document_id=document.pk,
                    defaults={
                        "case_uuid": staged.case_uuid,
                        "kind": document.kind,
                        "number": document.number,
                        "storage_key": reporter_copy[0],
                        "file_name": document.file_name,
                        "size": reporter_copy[1],
                        "created_at": document.created_at,
                    },
                )
            _mark_copies(
                document.pk,
                staged.case_uuid,
                staged.schema_name,
                status=DocumentStatus.READY,
                storage_key=key,
                size=len(data),
                render_spec={},
            )
            StagedDocument.objects.filter(pk=document_id).delete()
        return "ready"
    except Exception as exc:
        _record_failure(staged, exc)
        raise


def _record_failure(staged: StagedDocument, exc: Exception) -> None:
    """Say on the staged row and on the document's copies that the render failed (it is retried)."""
    log.error("rendering document %s failed: %r", staged.document_id, exc)
    try:
        StagedDocument.objects.filter(pk=staged.pk).update(
            attempts=F("attempts") + 1, last_error=repr(exc)[:2000], attempted_at=_now()
        )
        _mark_copies(staged.document_id, staged.case_uuid, staged.schema_name, status=DocumentStatus.FAILED)
    except Exception:  # the database itself is away: the row stays pending and the sweep retries
        log.exception("could not record the failed render of %s", staged.document_id)


def _cn_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"
