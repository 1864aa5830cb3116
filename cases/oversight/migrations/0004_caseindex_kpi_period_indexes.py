"""An index on every date column the KPI table's prefilter reads (cases/oversight/kpis.py,
``_touches_period``): the table counts only rows with one of those dates in the period, and with each
column indexed PostgreSQL finds them with a BitmapOr of range scans instead of testing all 200k rows
(measured at 1,000 agencies: the month's aggregate ~61 -> ~35 ms). acceptance_due and handling_due
have theirs already (ovs_ci_accept_due, ovs_ci_handling_due, migration 0002).

Partial (IS NOT NULL) where the column is often empty: a range condition implies it, and rows without
the date take no room.

A long period (a year) touches most rows, and then it is decoding the heap's 60-column rows and
testing the ~30 FILTER conditions that cost, not finding the rows: ovs_ci_kpi_cover holds every column
the KPI aggregate reads (23 MB against the heap's 70 MB at 200k cases), so it is an index-only scan
(year at 1,000 agencies: ~162 -> ~124 ms of CPU). None of these columns is one the sweep moves daily
(sweep_next stays unindexed: a HOT update).

tests/oversight/test_kpis_prefilter.py checks that every column the prefilter reads leads an index and
that the covering index holds every column the KPIs read.
"""

from django.db import migrations

INDEXES = [
    ("ovs_ci_kpi_submitted_on", "submitted_on", ""),  # NOT NULL
    ("ovs_ci_kpi_first_accept_due", "first_acceptance_due", "first_acceptance_due IS NOT NULL"),
    ("ovs_ci_kpi_first_handling_due", "first_handling_due", "first_handling_due IS NOT NULL"),
    ("ovs_ci_kpi_first_replied_on", "first_replied_on", "first_replied_on IS NOT NULL"),
    ("ovs_ci_kpi_first_decided_on", "first_decided_on", "first_decided_on IS NOT NULL"),
    ("ovs_ci_kpi_report_due", "report_due", "report_due IS NOT NULL"),
    ("ovs_ci_kpi_routing_due", "routing_due", "routing_due IS NOT NULL"),
    ("ovs_ci_kpi_review_due", "review_due", "review_due IS NOT NULL"),
    ("ovs_ci_kpi_rereview_due", "rereview_due", "rereview_due IS NOT NULL"),
]

COVER = "ovs_ci_kpi_cover"
COVERED = (
    "accepting_agency_id, submitted_on, linked_to, acceptance_due, first_acceptance_due, first_decided_at, "
    "first_decided_on, first_received_at, first_accepted_at, handling_due, first_handling_due, "
    "first_replied_at, first_replied_on, first_satisfaction, report_due, report_submitted_at, "
    "report_submitted_on, routing_due, routed_on, review_due, reviewed_on, rereview_due, rereviewed_on"
)


def create(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for name, column, condition in INDEXES:
            where = f" WHERE {condition}" if condition else ""
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON caseindex_caseindex ({column}){where}")
        cursor.execute(f"CREATE INDEX IF NOT EXISTS {COVER} ON caseindex_caseindex (holder_id) INCLUDE ({COVERED})")


def drop(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for name in [*(name for name, _column, _condition in INDEXES), COVER]:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("oversight", "0003_caseindex_covering_indexes"),
        # report_due (0007), routing/review/rereview due (0009): the columns must exist.
        ("caseindex", "0010_sweep_agenda"),
    ]
    operations = [migrations.RunPython(create, drop)]
