"""Background work on cases (Celery; inline when no broker is configured)."""

import logging

from celery import shared_task

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
