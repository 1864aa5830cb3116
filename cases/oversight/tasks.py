"""Celery tasks of the oversight app. Beat runs ``sweep_deadlines`` daily (settings.CELERY_BEAT_SCHEDULE)."""

from celery import shared_task
from django.db import connection

from cases.oversight import services


@shared_task(name="cases.oversight.tasks.sweep_deadlines")
def sweep_deadlines(today: str | None = None) -> dict[str, list[str]]:
    """Automatic reminders / supervision orders on overdue handling; close cases whose window passed.

    An adapter: the rules live in cases.oversight.services.sweep_deadlines. It reads the public
    CaseIndex (one query per rule) and reaches agency schemas only through the case services.
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
