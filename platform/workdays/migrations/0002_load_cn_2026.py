"""Load the official 2026 calendar (国务院办公厅关于2026年部分节假日安排的通知) shipped in data/."""

import uuid
from pathlib import Path

from django.db import migrations

CALENDAR_FILE = Path(__file__).resolve().parents[1] / "data" / "cn-2026.json"


def load_2026(apps, schema_editor):
    from workdays.calendar_file import read_calendar_file

    CalendarDay = apps.get_model("workdays", "CalendarDay")
    CalendarVersion = apps.get_model("workdays", "CalendarVersion")
    calendar = read_calendar_file(CALENDAR_FILE)
    for entry in calendar.entries:
        CalendarDay.objects.update_or_create(date=entry.date, defaults={"kind": entry.kind, "name": entry.name})
    CalendarVersion.objects.update_or_create(pk=1, defaults={"token": uuid.uuid4().hex})


def unload_2026(apps, schema_editor):
    CalendarDay = apps.get_model("workdays", "CalendarDay")
    CalendarVersion = apps.get_model("workdays", "CalendarVersion")
    CalendarDay.objects.filter(date__year=2026).delete()
    CalendarVersion.objects.update_or_create(pk=1, defaults={"token": uuid.uuid4().hex})


class Migration(migrations.Migration):
    dependencies = [("workdays", "0001_initial")]

    operations = [migrations.RunPython(load_2026, unload_2026)]
