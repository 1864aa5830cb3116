"""Keep every process's copy of the calendar honest: any saved or deleted day changes the version token.

This is cache invalidation, not a business rule, so a signal is the right tool: it also catches edits made
in the Django admin or a shell. Bulk writes (``QuerySet.update``, ``bulk_create``) send no signals; code
that uses them calls ``bump_calendar_version()`` itself, as workdays.services does.
"""

import uuid

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal, receiver

from workdays.models import CalendarDay, CalendarVersion
from workdays.rules import forget_calendar

# Sent once the edit has committed. Deadlines already computed from the old calendar listen to it
# (cases.apps): the calendar does not know what depends on it.
calendar_changed = Signal()


def bump_calendar_version() -> None:
    # Same transaction as the edit: other processes see the new token exactly when they see the edit.
    CalendarVersion.objects.update_or_create(pk=1, defaults={"token": uuid.uuid4().hex})
    forget_calendar()  # this transaction's own next read sees the edit
    transaction.on_commit(lambda: calendar_changed.send(sender=CalendarVersion), robust=True)


@receiver(post_save, sender=CalendarDay, dispatch_uid="workdays_day_saved")
@receiver(post_delete, sender=CalendarDay, dispatch_uid="workdays_day_deleted")
def calendar_day_changed(sender, **kwargs) -> None:
    bump_calendar_version()
