"""Per-agency statistics for the public statistics page: simple, documented formulas.

These are the portal's plain figures for citizens, not the oversight body's official KPIs (those are
defined separately by the oversight engineer). Every number comes from ``CaseIndex`` in ONE aggregate
query grouped by agency, whatever the number of agencies or schemas.

The agency a case counts for (the "responsible agency") is the agency that accepted it
(``accepting_agency``) when one did, otherwise its current holder. A case forwarded by the bureau
therefore counts for the department that handled it, and a case taken back for review (the bureau
holds it then) still counts for the agency that replied first.

For a period ``[start, end]`` (both local calendar days, inclusive):

- **received**: cases whose ``received_at`` (receipt by the current holder) falls in the period.
- **timely acceptance rate**: among cases whose acceptance deadline (``acceptance_due``) falls in the
  period or whose acceptance decision (``acceptance_decided_at``) was taken in it, the share decided
  on or before ``acceptance_due``. A case still undecided after its deadline counts as late.
- **on-time completion rate**: among cases whose handling deadline (``handling_due``) falls in the
  period or that were replied (``replied_at``) in it, the share replied on or before ``handling_due``.
- **satisfaction rate**: among cases replied in the period and rated by the citizen, the share rated
  满意 or 基本满意: (satisfied + basically satisfied) / evaluated.

A rate with an empty denominator is ``None`` (shown as "—"), never 0 %.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from cases.index.models import CaseIndex
from cases.models import Satisfaction
from tenants.models import Agency


@dataclass(frozen=True)
class AgencyFigures:
    agency: Agency
    received: int
    acceptance_due_count: int
    accepted_in_time: int
    handling_due_count: int
    completed_in_time: int
    evaluated: int
    satisfied: int

    @staticmethod
    def _rate(part: int, whole: int) -> float | None:
        return None if whole == 0 else round(100.0 * part / whole, 1)

    @property
    def acceptance_rate(self) -> float | None:
        return self._rate(self.accepted_in_time, self.acceptance_due_count)

    @property
    def completion_rate(self) -> float | None:
        return self._rate(self.completed_in_time, self.handling_due_count)

    @property
    def satisfaction_rate(self) -> float | None:
        return self._rate(self.satisfied, self.evaluated)


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The period as aware datetimes: [start 00:00, end+1 00:00) local time."""
    zone = timezone.get_default_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=zone),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone),
    )


def agency_figures(start: date, end: date) -> list[AgencyFigures]:
    """The figures of every case-holding agency for the period, in the agencies' display order."""
    lo, hi = _bounds(start, end)
    # ``__date`` takes the local calendar day of a moment (the current time zone, Asia/Shanghai).
    acceptance_in_scope = Q(acceptance_due__range=(start, end)) | Q(
        acceptance_decided_at__gte=lo, acceptance_decided_at__lt=hi
    )
    handling_in_scope = Q(handling_due__range=(start, end)) | Q(replied_at__gte=lo, replied_at__lt=hi)
    replied_in_period = Q(replied_at__gte=lo, replied_at__lt=hi)
    rated = ~Q(satisfaction="")
    rows = (
        CaseIndex.objects.exclude(state__in=["merged", "linked"])
        .annotate(responsible=Coalesce("accepting_agency_id", "holder_id"))
        .values("responsible")
        .annotate(
            received=Count("pk", filter=Q(received_at__gte=lo, received_at__lt=hi)),
            acceptance_due_count=Count("pk", filter=acceptance_in_scope & Q(acceptance_due__isnull=False)),
            accepted_in_time=Count(
                "pk",
                filter=acceptance_in_scope
                & Q(acceptance_due__isnull=False, acceptance_decided_at__date__lte=F("acceptance_due")),
            ),
            handling_due_count=Count("pk", filter=handling_in_scope & Q(handling_due__isnull=False)),
            completed_in_time=Count(
                "pk",
                filter=handling_in_scope
                & Q(handling_due__isnull=False, replied_at__date__lte=F("handling_due")),
            ),
            evaluated=Count("pk", filter=replied_in_period & rated),
            satisfied=Count(
                "pk",
                filter=replied_in_period
                & Q(satisfaction__in=[Satisfaction.SATISFIED, Satisfaction.BASICALLY]),
            ),
        )
        .order_by()
    )
    by_agency = {row.pop("responsible"): row for row in rows}
    agencies = Agency.objects.filter(kind__in=["bureau", "department", "county"], is_active=True).order_by(
        "sort_order", "code"
    )
    empty = dict.fromkeys(
        (
            "received",
            "acceptance_due_count",
            "accepted_in_time",
            "handling_due_count",
            "completed_in_time",
            "evaluated",
            "satisfied",
        ),
        0,
    )
    return [AgencyFigures(agency=agency, **by_agency.get(agency.pk, empty)) for agency in agencies]


def totals(figures: list[AgencyFigures]) -> dict[str, float | int | None]:
    """The city's totals, by the same formulas over the summed counts."""
    summed = {
        name: sum(getattr(f, name) for f in figures)
        for name in (
            "received",
            "acceptance_due_count",
            "accepted_in_time",
            "handling_due_count",
            "completed_in_time",
            "evaluated",
            "satisfied",
        )
    }
    rate = AgencyFigures._rate
    summed["acceptance_rate"] = rate(summed["accepted_in_time"], summed["acceptance_due_count"])
    summed["completion_rate"] = rate(summed["completed_in_time"], summed["handling_due_count"])
    summed["satisfaction_rate"] = rate(summed["satisfied"], summed["evaluated"])
    return summed
