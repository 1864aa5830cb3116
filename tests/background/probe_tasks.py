"""A task the worker tests load into their worker (``--include``): it reports the schema it ran in."""

from pathlib import Path

from celery import shared_task
from django.db import connection


@shared_task(name="tests.background.probe_schema", acks_late=True)
def probe_schema(report_to: str) -> str:
    from cases.models import Case

    report = Path(report_to)
    report.write_text(connection.schema_name)
    # The agency's own table answers only in the agency's schema (the public one has no cases table).
    report.write_text(f"{connection.schema_name} {Case.objects.count()}")
    return connection.schema_name
