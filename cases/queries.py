"""Reads of cases that are more than one line: timelines, documents, lists."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet
from django_tenants.utils import schema_context

from cases import clocks, wording
from cases.index.models import CaseIndex
from cases.models import Attachment, CaseEvent, Document
from config import clock
from config.masking import mask_name
from notifications.services import CaseSummary
from tenants.models import Agency, reported_unit_codes
from workdays.rules import current_calendar


@dataclass(frozen=True)
class TimelineStep:
    seq: int
    kind: str
    label: str
    at: object
    agency_name: str
    actor_name: str  # empty for the citizen's view: citizens deal with agencies, not persons
    message: str


def _staff_actor_name(view, event: CaseEvent, *, contact: bool) -> str:
    """Staff see who acted. A step the petitioner took names them as the petitioner section does
    (config.masking): in full on the holder's page only (``contact``), never for a protected
    reporter (arts. 30, 46)."""
    if event.actor_role != "citizen":
        return event.actor_name
    if view.case.identity_protected:
        from cases.services import PROTECTED_NAME

        return PROTECTED_NAME
    return event.actor_name if contact else mask_name(event.actor_name)


def timeline(view, *, for_citizen: bool, contact: bool = False) -> list[TimelineStep]:
    """The case's steps, oldest first. The citizen sees the agency that acted, never the person."""
    with schema_context(view.schema_agency.schema_name):
        events = list(CaseEvent.objects.filter(case_id=view.case.pk).order_by("seq"))
    # The agency that acted, by name in the reader's language.
    names = {
        agency.code: agency.display_name()
        for agency in Agency.objects.filter(code__in={e.agency_code for e in events}).only(
            "code", "name_zh", "name_en"
        )
    }
    steps = []
    for event in events:
        if for_citizen and not event.visible_to_citizen:
            continue
        steps.append(
            TimelineStep(
                seq=event.seq,
                kind=event.kind,
                label=str(event.get_kind_display()),
                at=event.at,
                agency_name=names.get(event.agency_code, event.agency_code),
                actor_name="" if for_citizen else _staff_actor_name(view, event, contact=contact),
                # The hall's own sentence in the reader's language; what a person typed as typed.
                message=wording.event_message(event),
            )
        )
    return steps


def documents(view, *, for_citizen: bool) -> list[Document]:
    with schema_context(view.schema_agency.schema_name):
        rows = Document.objects.filter(case_id=view.case.pk)
        if for_citizen:
            rows = rows.filter(visible_to_citizen=True, superseded=False)
        return list(rows.order_by("created_at"))


def citizen_document_key(view, document: Document) -> str:
    """The file a petitioner downloads for ``document``. A reporter (检举控告) gets the copy that names
    them, kept in the public schema beside the vault; the agency's copy addresses a placeholder.
    Callers have checked that the viewer owns the case (cases.access.case_for_citizen)."""
    if view.case.identity_protected:
        from cases.index.models import ReporterDocument

        copy = ReporterDocument.objects.filter(case_uuid=view.case.pk, document_id=document.pk).first()
        if copy is not None:
            return copy.storage_key
    return document.storage_key


def attachments(view, *, viewer_agency: Agency | None) -> list[Attachment]:
    """A reporter's materials are never listed for the unit reported against (arts. 30, 46)."""
    with schema_context(view.schema_agency.schema_name):
        rows = list(Attachment.objects.filter(case_id=view.case.pk).order_by("created_at"))
    if viewer_agency is not None and viewer_agency.code in reported_unit_codes(view.case.reported_agency):
        return [a for a in rows if not a.protected]
    return rows


def deadlines(view, *, today: date | None = None) -> list[clocks.Deadline]:
    objected_on = None
    if view.case.state == "objected" or view.case.objection_reason:
        with schema_context(view.schema_agency.schema_name):
            moment = (
                CaseEvent.objects.filter(case_id=view.case.pk, kind="objected")
                .values_list("at", flat=True)
                .first()
            )
        objected_on = clocks.local_day(moment) if moment else None
    return clocks.case_deadlines(view.case, today=today or clock.today(), objected_on=objected_on)


def citizen_petitions(user) -> QuerySet[CaseIndex]:
    return CaseIndex.objects.filter(citizen=user).select_related("holder").order_by("-submitted_at")


def agency_inbox(agency: Agency, *, open_only: bool = True) -> QuerySet[CaseIndex]:
    """Cases the agency holds, the next deadline first (the index serves it in one query)."""
    rows = CaseIndex.objects.filter(holder=agency)
    if open_only:
        rows = rows.filter(is_open=True)
    return rows.order_by("next_due", "submitted_at")


def deadline_colour(index: CaseIndex, *, today: date | None = None) -> str:
    """running / due_soon / overdue for the index's next deadline ("" when none runs)."""
    if index.next_due is None:
        return ""
    from workdays.rules import deadline_status

    return str(deadline_status(index.next_due, today=today or clock.today()))


def notification_summary(case_uuid) -> CaseSummary | None:
    """What a citizen's notification says about a case (installed into notifications by cases.apps)."""
    index = CaseIndex.objects.filter(case_uuid=case_uuid).select_related("holder").first()
    if index is None:
        return None
    from django.conf import settings
    from django.urls import reverse
    from django.utils.http import urlencode

    from config.crypto import decrypt_text
    from tenants.hosts import portal_url

    lookup = reverse("portal:lookup", urlconf=settings.PUBLIC_SCHEMA_URLCONF)
    return CaseSummary(
        tracking_number=index.tracking_number,
        title=index.title,
        holder_name=index.holder.name_zh,
        holder_name_en=index.holder.name_en,
        query_code=decrypt_text(index.query_code_encrypted),
        lookup_url=f"{portal_url().rstrip('/')}{lookup}?{urlencode({'n': index.tracking_number})}",
        owner_id=index.citizen_id,
    )


# --- Provisional deadlines (a calendar year not entered) -----------------------------------------------


@dataclass(frozen=True)
class ProvisionalDeadlines:
    """The years whose holiday arrangement staff must still enter, and the open cases with a deadline
    counted over one of them (their statutory holidays only, workdays.statutory)."""

    years: list[int]
    open_cases: int


def provisional_deadlines(*, agency: Agency | None = None, today: date | None = None) -> ProvisionalDeadlines:
    """What the bureau is alerted to until staff enter the year (one count over the index).

    Deadlines run at most a few months ahead: last year, this year and the next are the ones to ask.
    ``agency`` limits the count to the cases it holds.
    """
    today = today or clock.today()
    years = current_calendar().provisional_years(range(today.year - 1, today.year + 2))
    if not years:
        return ProvisionalDeadlines([], 0)
    in_years = Q()
    for name in _DEADLINE_COLUMNS:
        for year in years:
            in_years |= Q(**{f"{name}__gte": date(year, 1, 1), f"{name}__lte": date(year, 12, 31)})
    rows = CaseIndex.objects.filter(in_years, is_open=True)
    if agency is not None:
        rows = rows.filter(holder=agency)
    return ProvisionalDeadlines(years, rows.count())


_DEADLINE_COLUMNS = (
    "routing_due",
    "acceptance_due",
    "objection_due",
    "handling_due",
    "review_request_due",
    "review_due",
    "rereview_request_due",
    "rereview_due",
)
