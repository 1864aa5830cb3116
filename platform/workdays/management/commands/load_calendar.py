"""`manage.py load_calendar cn-2027.json`: load a year's holidays and make-up days from the official notice.

The file has the shape of workdays/data/cn-2026.json. Loading is all or nothing and idempotent: the year's
calendar becomes exactly what the file says, and loading the same file again changes nothing.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from workdays.calendar_file import CalendarFileError, read_calendar_file
from workdays.services import load_calendar


class Command(BaseCommand):
    help = "Load one year's public holidays and make-up working days from a JSON file (cn-2026.json format)."

    def add_arguments(self, parser):
        parser.add_argument("path", help="the calendar file, e.g. cn-2027.json")

    def handle(self, *args, path: str, **options):
        try:
            calendar_file = read_calendar_file(path)
        except CalendarFileError as exc:
            raise CommandError(str(exc)) from None
        # The calendar is a shared table: always write it in the public schema.
        connection.set_schema_to_public()  # type: ignore[attr-defined]  # django-tenants' DatabaseWrapper
        result = load_calendar(calendar_file)
        self.stdout.write(
            self.style.SUCCESS(
                f"Calendar {calendar_file.year}: {len(calendar_file.entries)} days in the file; "
                f"{result.created} added, {result.updated} updated, {result.removed} removed, "
                f"{result.unchanged} unchanged."
            )
        )
