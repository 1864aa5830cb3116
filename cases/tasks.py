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


# --- Documents rendered after commit (cases.services.documents) ------------------------------------
# How long a staged document may wait before the sweep enqueues it again: the worker's own retries
# come first; the sweep covers a lost message, a broker that was away, an inline render that failed.
STAGED_DOCUMENT_GRACE_SECONDS = 120
RENDER_MAX_RETRIES = 8


@shared_task(
    bind=True,
    name="cases.tasks.render_staged_document",
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=RENDER_MAX_RETRIES,
)
def render_staged_document(self, document_id: str) -> str:
    """Render, store and mark ready one document an action recorded (idempotent by the document).

    A failure is recorded on the staged row and shown on the document (生成失败，正在重试); the worker
    retries with backoff. Inline (eager) runs do not wait and retry: the sweep below does."""
    import uuid

    from cases.services.documents import render_staged_document as render

    try:
        return render(uuid.UUID(document_id))
    except Exception as exc:
        if self.request.is_eager:
            return "failed"
        raise self.retry(exc=exc, countdown=min(600, 5 * 2**self.request.retries)) from exc


@shared_task(name="cases.tasks.render_staged_documents")
def render_staged_documents() -> int:
    """Beat: enqueue again every staged document older than the grace period (one public query).
    Returns how many were enqueued."""
    from datetime import timedelta

    from cases.index.models import StagedDocument
    from config import clock

    cutoff = clock.now() - timedelta(seconds=STAGED_DOCUMENT_GRACE_SECONDS)
    waiting = list(
        StagedDocument.objects.filter(created_at__lt=cutoff)
        .order_by("created_at")
        .values_list("document_id", flat=True)[:1000]
    )
    for document_id in waiting:
        render_staged_document.delay(str(document_id))
    return len(waiting)


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
