"""Changing the calendar: one function per action, with the acting user explicit."""

import logging
from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from config.errors import HallError, NotFound
from workdays.calendar_file import CalendarFile
from workdays.models import CalendarDay, DayKind
from workdays.signals import bump_calendar_version

logger = logging.getLogger(__name__)


class CalendarDayExists(HallError):
    code = "calendar_day_exists"
    status = 409


class MakeUpDayNotWeekend(HallError):
    code = "make_up_day_not_weekend"


def add_calendar_day(*, day: date, kind: str, name: str, acting_user) -> CalendarDay:
    """Declare ``day`` a public holiday or a make-up working day."""
    if kind not in DayKind.values:
        raise HallError(_("请选择节假日或调休上班日。"), code="calendar_kind_invalid")
    if kind == DayKind.WORKDAY and day.weekday() < 5:
        # A weekday is a working day already: a make-up day only makes sense on a weekend.
        raise MakeUpDayNotWeekend(_("调休上班日只能是周六或周日；该日期本来就是工作日。"))
    try:
        with transaction.atomic():
            calendar_day = CalendarDay.objects.create(
                date=day, kind=kind, name=name.strip(), created_by=acting_user
            )
    except IntegrityError:
        raise CalendarDayExists(
            _("%(date)s 已在日历中，如需修改请先删除。") % {"date": day.isoformat()}
        ) from None
    logger.info("calendar day %s added as %s by %s", day, kind, getattr(acting_user, "pk", None))
    return calendar_day


def delete_calendar_day(*, day: date, acting_user) -> None:
    """Return ``day`` to the ordinary week (working Monday to Friday, resting at the weekend)."""
    with transaction.atomic():
        calendar_day = CalendarDay.objects.select_for_update().filter(date=day).first()
        if calendar_day is None:
            raise NotFound(_("%(date)s 不在日历中。") % {"date": day.isoformat()})
        calendar_day.delete()
    logger.info("calendar day %s deleted by %s", day, getattr(acting_user, "pk", None))


@dataclass(frozen=True)
class LoadResult:
    created: int
    updated: int
    removed: int
    unchanged: int


@transaction.atomic
def load_calendar(calendar_file: CalendarFile, *, acting_user=None) -> LoadResult:
    """Make the calendar of ``calendar_file.year`` exactly what the file says (idempotent, all or nothing).

    Days of that year that the file does not name are removed; days the file names in a neighbouring
    year (a New Year block that starts on 31 December) are added or updated but never trigger removals
    of that year's other days.
    """
    wanted = {entry.date: entry for entry in calendar_file.entries}
    in_scope = Q(date__year=calendar_file.year) | Q(date__in=list(wanted))
    existing = {row.date: row for row in CalendarDay.objects.select_for_update().filter(in_scope)}
    removed = [day for day in existing if day.year == calendar_file.year and day not in wanted]
    created = updated = unchanged = 0
    CalendarDay.objects.filter(date__in=removed).delete()
    for day, entry in wanted.items():
        row = existing.get(day)
        if row is None:
            CalendarDay.objects.create(date=day, kind=entry.kind, name=entry.name, created_by=acting_user)
            created += 1
        elif (row.kind, row.name) != (entry.kind, entry.name):
            row.kind, row.name = entry.kind, entry.name
            row.save(update_fields=["kind", "name"])
            updated += 1
        else:
            unchanged += 1
    if created or updated or removed:
        # The row signals have bumped it already; this keeps it right should they ever be bulk writes.
        bump_calendar_version()
    return LoadResult(created=created, updated=updated, removed=len(removed), unchanged=unchanged)
