"""Background work on cases (Celery; inline when no broker is configured)."""

import logging

from celery import shared_task
from django.db import OperationalError

from cases.index.models import CaseIndex

log = logging.getLogger(__name__)


@shared_task
def recompute_open_deadlines() -> int:
    """After a calendar edit: recount the running clocks of every open case. Returns how many moved.

    One case at a time, each locked and recorded like any other change; the index lists them in one
    query whatever the number of agencies."""
    from cases.services import recompute_deadlines

    moved = 0
    for case_uuid in CaseIndex.objects.filter(is_open=True).values_list("case_uuid", flat=True).iterator():
        try:
            moved += bool(recompute_deadlines(case_uuid=case_uuid))
        except Exception:  # one broken case must not stop the others
            log.exception("could not recompute the deadlines of %s", case_uuid)
    return moved


def on_calendar_changed(**_kwargs) -> None:
    recompute_open_deadlines.delay()


# How far ahead the staff's daily digest looks: what falls due today, overdue, or within this many days.
DIGEST_DAYS_AHEAD = 3


@shared_task(name="cases.tasks.enqueue_due_digests")
def enqueue_due_digests(today: str | None = None) -> int:
    """Beat, daily: one query over the public CaseIndex for the open cases due soon or overdue,
    grouped by the agency holding them, then one digest per agency (its staff's inbox and e-mail).
    Returns how many agencies were sent one."""
    from datetime import date, timedelta

    from config import clock
    from notifications.services import enqueue_agency_notice

    day = date.fromisoformat(today) if today else clock.today()
    rows = (
        CaseIndex.objects.filter(
            is_open=True, next_due__isnull=False, next_due__lte=day + timedelta(days=DIGEST_DAYS_AHEAD)
        )
        .order_by("holder_id", "next_due")
        .values_list("holder_id", "tracking_number", "next_due")
    )
    per_agency: dict[int, list[tuple[str, date]]] = {}
    for holder_id, tracking_number, due in rows:
        if due is not None:  # the filter excludes them; the type does not know
            per_agency.setdefault(holder_id, []).append((tracking_number, due))
    for holder_id, items in per_agency.items():
        overdue = sum(1 for _n, due in items if due < day)
        listing = "；".join(f"{n}（{due.isoformat()}）" for n, due in items[:50])
        # The key names the agency and the day: a digest redone (or beat run twice) is sent once.
        enqueue_agency_notice(
            agency_id=holder_id,
            kind="digest",
            key=f"digest:{holder_id}:{day.isoformat()}",
            d=day.isoformat(),
            c=str(len(items)),
            o=str(overdue),
            n=listing,
        )
    return len(per_agency)


@shared_task(
    name="cases.tasks.sweep_agency",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def sweep_agency(agency_id: int, day: str, index_ids: list[int]) -> dict[str, list]:
    """One agency's batch of the daily sweep (enqueued by cases.oversight.tasks.sweep_deadlines): one
    transaction, so a worker lost midway leaves nothing and the redelivered task does it all once."""
    from datetime import date

    from django.db import connection

    from cases.services.sweep import sweep_batch

    connection.set_schema_to_public()  # type: ignore[attr-defined]  # django-tenants' DatabaseWrapper
    return sweep_batch(agency_id=agency_id, today=date.fromisoformat(day), index_ids=index_ids)
