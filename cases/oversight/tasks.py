"""Celery tasks of the oversight app. Beat runs ``sweep_deadlines`` daily (settings.CELERY_BEAT_SCHEDULE)."""

from celery import shared_task
from django.db import connection

from cases.oversight import services


@shared_task(name="cases.oversight.tasks.sweep_deadlines")
def sweep_deadlines(today: str | None = None) -> dict[str, list[str]]:
    """Beat, daily: the sweep over every declared clock (cases.services.sweep): reminders before each
    deadline, flags after it, 催办 then 督办单, closes once a petitioner's window ran out.

    An adapter: it plans with one query over the public CaseIndex and enqueues one task per agency
    batch (cases.tasks.sweep_agency). Inline (tests, no worker) it returns the tracking numbers given
    a 催办, a 督办单, closed, or that could not be closed.
    """
    from datetime import date

    connection.set_schema_to_public()  # type: ignore[attr-defined]  # django-tenants' DatabaseWrapper
    result = services.sweep_deadlines(today=date.fromisoformat(today) if today else None)
    return {
        "reminders": result.reminders,
        "orders": result.orders,
        "closed": result.closed,
        "skipped": result.skipped,
    }
