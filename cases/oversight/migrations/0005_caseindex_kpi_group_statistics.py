"""Extended statistics on the KPI aggregate's group key (cases/oversight/kpis.py, ``_grouped``): the
responsible agency, COALESCE(accepting_agency_id, holder_id), and the holder are nearly the same
column, but the planner multiplies their distinct counts. At 1,000 agencies it expected ~19,000 groups
for ~1,000: it sized the hash table for them (the month's aggregate ~10 ms slower than at 30 agencies,
on the same rows) and ran serially where at 30 agencies the same statement ran in parallel. With the
pair's own distinct count the estimate is exact.

PostgreSQL fills the statistics on the next ANALYZE of the table (autovacuum's, or this migration's).
"""

from django.db import migrations

NAME = "ovs_ci_kpi_groups"


def create(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"CREATE STATISTICS IF NOT EXISTS {NAME} (ndistinct) "
            "ON holder_id, (COALESCE(accepting_agency_id, holder_id)) FROM caseindex_caseindex"
        )
        cursor.execute("ANALYZE caseindex_caseindex")


def drop(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"DROP STATISTICS IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [("oversight", "0004_caseindex_kpi_period_indexes")]
    operations = [migrations.RunPython(create, drop)]
