"""Reads for the portal pages that are more than one line."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from difflib import SequenceMatcher

from django.db.models import QuerySet
from django_tenants.utils import schema_context

from cases.index.models import CaseIndex
from cases.models import Case, CaseState, PetitionType
from config.masking import mask_personal_data
from tenants.models import Agency, AgencyKind, the_bureau

# Titles at least this similar (difflib ratio over letters and digits) raise the "already open" warning.
SIMILAR_TITLE_RATIO = 0.6
_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)

PUBLISHED_STATES = (CaseState.REPLIED, CaseState.CLOSED, CaseState.TERMINATED)


def case_holding_agencies() -> QuerySet[Agency]:
    """The agencies a citizen can file with: the bureau, the 20 departments and the 8 counties."""
    return Agency.objects.filter(
        kind__in=[AgencyKind.BUREAU, AgencyKind.DEPARTMENT, AgencyKind.COUNTY], is_active=True
    ).order_by("sort_order", "code")


def service_room_agencies() -> QuerySet[Agency]:
    """The 民生服务室 grid: every department and county (the bureau is the default way in)."""
    return case_holding_agencies().exclude(kind=AgencyKind.BUREAU)


def bureau() -> Agency | None:
    return the_bureau()


def _normalized(text: str) -> str:
    return _NOISE.sub("", text or "").lower()


def similar_open_petitions(user, title: str) -> list[CaseIndex]:
    """The citizen's own open petitions whose title looks like ``title`` (a warning, not a rule).

    The case core decides what a true repeat is (art. 19, on title and body); this only helps the
    citizen notice before filing.
    """
    wanted = _normalized(title)
    if not wanted:
        return []
    rows = CaseIndex.objects.filter(citizen=user, is_open=True).select_related("holder")
    return [
        row
        for row in rows.order_by("-submitted_at")[:100]
        if SequenceMatcher(None, _normalized(row.title), wanted).ratio() >= SIMILAR_TITLE_RATIO
    ]


@dataclass(frozen=True)
class PublishedReply:
    tracking_number: str
    title: str
    petition_type: str
    type_label: str
    agency_name: str
    submitted_at: datetime
    replied_at: datetime | None
    opinion_label: str
    reply_text: str


def published_indexes() -> QuerySet[CaseIndex]:
    """Public petitions that have a reply; reports (检举控告) are never published."""
    return (
        CaseIndex.objects.filter(is_public=True, state__in=PUBLISHED_STATES, replied_at__isnull=False)
        .exclude(petition_type=PetitionType.REPORT)
        .select_related("holder", "accepting_agency")
        .order_by("-replied_at")
    )


def published_replies(indexes: list[CaseIndex]) -> list[PublishedReply]:
    """The replies of ``indexes`` with personal data removed: one query per holding schema."""
    by_schema: dict[str, list[CaseIndex]] = defaultdict(list)
    for index in indexes:
        by_schema[index.holder.schema_name].append(index)
    cases: dict = {}
    for schema_name, rows in by_schema.items():
        with schema_context(schema_name):
            for case in Case.objects.filter(pk__in=[r.case_uuid for r in rows]).only(
                "id",
                "title",
                "opinion",
                "reply_text",
                "petitioner_name",
                "petitioner_address",
                "handler_name",
                "is_public",
            ):
                cases[case.pk] = case
    replies = []
    for index in indexes:
        case = cases.get(index.case_uuid)
        if case is None or not case.is_public:
            continue
        names = (case.petitioner_name, case.handler_name, index.petitioner_name)
        # The petitioner's own stored address, besides the address patterns (config.masking).
        addresses = (case.petitioner_address,)
        agency = index.accepting_agency or index.holder
        replies.append(
            PublishedReply(
                tracking_number=index.tracking_number,
                title=mask_personal_data(index.title, names, addresses),
                petition_type=index.petition_type,
                type_label=str(PetitionType(index.petition_type).label),
                agency_name=agency.display_name(),
                submitted_at=index.submitted_at,
                replied_at=index.replied_at,
                opinion_label=str(case.get_opinion_display()) if case.opinion else "",
                reply_text=mask_personal_data(case.reply_text, names, addresses),
            )
        )
    return replies
