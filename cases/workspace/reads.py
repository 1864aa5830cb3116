"""Reads behind the workspace pages: the bureau queue, inboxes, routing suggestions, settings lists."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django_tenants.utils import schema_context

from accounts.models import Membership, Role, User
from cases.index.models import CaseIndex
from cases.models import Case, CaseState, ExtensionStatus, InternalNote, ReportStatus
from tenants.models import Agency, AgencyKind, reported_unit_codes

QUEUE_STATES = (CaseState.SUBMITTED, CaseState.REGISTERED)
HOLDER_KINDS = (AgencyKind.BUREAU, AgencyKind.DEPARTMENT, AgencyKind.COUNTY, AgencyKind.DISCIPLINE)
INBOX_SORTS = {
    "due": ("next_due", "submitted_at"),
    "new": ("-submitted_at",),
    "old": ("submitted_at",),
    "state": ("state", "next_due"),
}


def bureau_queue(
    bureau: Agency, *, state: str = "", petition_type: str = "", channel: str = "", text: str = ""
) -> QuerySet[CaseIndex]:
    """New petitions the bureau holds (from the portal, from clerks, sent back by agencies): one query."""
    rows = CaseIndex.objects.filter(holder=bureau, state__in=QUEUE_STATES)
    if state in QUEUE_STATES:
        rows = rows.filter(state=state)
    if petition_type:
        rows = rows.filter(petition_type=petition_type)
    if channel:
        rows = rows.filter(channel=channel)
    text = text.strip()
    if text:
        rows = rows.filter(Q(title__icontains=text) | Q(tracking_number__icontains=text))
    return rows.order_by("next_due", "submitted_at")


def inbox(agency: Agency, *, sort: str = "due", handler: User | None = None) -> QuerySet[CaseIndex]:
    """Open cases the agency holds; ``handler`` narrows it to the cases put on that person."""
    rows = CaseIndex.objects.filter(holder=agency, is_open=True)
    if handler is not None:
        with schema_context(agency.schema_name):
            mine = list(Case.objects.filter(handler_uuid=handler.uuid).values_list("pk", flat=True))
        rows = rows.filter(case_uuid__in=mine)
    return rows.order_by(*INBOX_SORTS.get(sort, INBOX_SORTS["due"]))


def closed_cases(agency: Agency) -> QuerySet[CaseIndex]:
    return CaseIndex.objects.filter(holder=agency, is_open=False).order_by("-closed_at", "-submitted_at")


def sent_cases(agency: Agency, *, limit: int = 50) -> list[CaseIndex]:
    """Cases the agency passed on (its stubs), with where they are now: read-only."""
    with schema_context(agency.schema_name):
        stub_ids = list(
            Case.objects.filter(state=CaseState.TRANSFERRED)
            .order_by("-received_at")
            .values_list("pk", flat=True)[:limit]
        )
    return list(
        CaseIndex.objects.filter(case_uuid__in=stub_ids)
        .exclude(holder=agency)
        .select_related("holder")
        .order_by("-updated_at")
    )


def handler_names(agency: Agency, case_uuids) -> dict:
    """case uuid -> handler name, for an inbox page (one query in the agency's schema)."""
    with schema_context(agency.schema_name):
        return dict(Case.objects.filter(pk__in=list(case_uuids)).values_list("pk", "handler_name"))


def pending_objections(bureau: Agency) -> QuerySet[CaseIndex]:
    """Routing objections (art. 23) waiting for the bureau's ruling."""
    if bureau.kind != AgencyKind.BUREAU:
        return CaseIndex.objects.none()
    return CaseIndex.objects.filter(state=CaseState.OBJECTED).select_related("holder").order_by("next_due")


def pending_reports(bureau: Agency) -> list[CaseIndex]:
    """交办 completion reports waiting for the bureau: one query over the index."""
    if bureau.kind != AgencyKind.BUREAU:
        return []
    return list(
        CaseIndex.objects.filter(report_status=ReportStatus.PENDING)
        .select_related("holder")
        .order_by("submitted_at")
    )


def notes(view) -> list[InternalNote]:
    """The viewing agency's own internal notes (never copied to another agency)."""
    with schema_context(view.schema_agency.schema_name):
        return list(InternalNote.objects.filter(case_id=view.case.pk).order_by("created_at"))


def case_handlers(agency: Agency) -> list[User]:
    """Members a case may be put on: handlers and leaders of the agency."""
    return list(
        User.objects.filter(
            memberships__agency=agency, memberships__role__in=[Role.HANDLER, Role.LEADER], is_active=True
        )
        .distinct()
        .order_by("full_name", "email")
    )


def members(agency: Agency) -> QuerySet[Membership]:
    return Membership.objects.filter(agency=agency).select_related("user").order_by("user__email", "role")


def routing_targets(bureau: Agency, case: Case | None = None) -> list[Agency]:
    """Where the bureau may route a case: never, for a report, the unit reported against (art. 46)."""
    unit = reported_unit_codes(case.reported_agency) if case is not None and case.identity_protected else ()
    rows = Agency.objects.filter(kind__in=HOLDER_KINDS, is_active=True).exclude(pk=bureau.pk)
    return [agency for agency in rows if agency.code not in unit]


# --- Routing suggestions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    agency: Agency
    score: int
    words: tuple[str, ...]


def suggest_agencies(case: Case, *, limit: int = 3) -> list[Suggestion]:
    """The agencies whose routing keywords appear in the petition (title counts double), plus the county
    named in the location (属地管理): the best ``limit``, each with the words that matched."""
    title, body, location = case.title or "", case.body or "", case.location or ""
    suggestions = []
    unit = reported_unit_codes(case.reported_agency) if case.identity_protected else frozenset()
    if case.identity_protected:
        # 信访工作条例 art. 22 ¶2, art. 30: reports of misconduct belong to the discipline body.
        discipline = Agency.objects.filter(kind=AgencyKind.DISCIPLINE, is_active=True).order_by("sort_order")
        suggestions += [Suggestion(agency, 0, ()) for agency in discipline if agency.code not in unit]
    for agency in Agency.objects.filter(kind__in=(AgencyKind.DEPARTMENT, AgencyKind.COUNTY), is_active=True):
        words, score = [], 0
        for word in (w.strip() for w in agency.keywords.split(",")):
            if not word:
                continue
            hits = 2 * title.count(word) + body.count(word)
            if agency.kind == AgencyKind.COUNTY:
                # A county's keywords are its place names: where it happened decides jurisdiction.
                hits += 4 * location.count(word)
            if hits:
                words.append(word)
                score += hits
        if agency.code in unit:
            continue  # art. 46: never suggest sending a report to the unit reported against
        if score:
            suggestions.append(Suggestion(agency, score, tuple(words)))
    # The discipline body (score 0) leads for a report; the keyword matches follow, best first.
    suggestions.sort(key=lambda s: (s.score != 0, -s.score, s.agency.sort_order))
    return suggestions[:limit]


def extension_requests(agency: Agency) -> list[CaseIndex]:
    """Cases whose handler asked for more time (art. 34), waiting for a leader."""
    with schema_context(agency.schema_name):
        ids = list(
            Case.objects.filter(
                state=CaseState.ACCEPTED, extension_status=ExtensionStatus.REQUESTED
            ).values_list("pk", flat=True)
        )
    return list(CaseIndex.objects.filter(case_uuid__in=ids, holder=agency).order_by("next_due"))


@dataclass(frozen=True)
class ExtensionRequest:
    """A pending extension (art. 34) as the leader's list shows it: the case, the days and the reason."""

    index: CaseIndex
    days: int | None
    reason: str


def extension_requests_with_reasons(agency: Agency) -> list[ExtensionRequest]:
    """extension_requests with what was asked: one query in the agency's schema, one over the index."""
    rows = extension_requests(agency)
    with schema_context(agency.schema_name):
        asked = {
            pk: (days, reason)
            for pk, days, reason in Case.objects.filter(pk__in=[r.case_uuid for r in rows]).values_list(
                "pk", "extension_days", "extension_reason"
            )
        }
    return [ExtensionRequest(row, *asked.get(row.case_uuid, (None, ""))) for row in rows]
