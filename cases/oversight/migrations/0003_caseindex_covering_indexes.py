"""Covering indexes for the dashboard (index-only scans), a prefix index for petitioner names, and
trigram indexes on the plain columns (the search matches Chinese text case-sensitively: no UPPER())."""

from django.db import migrations

CREATE = [
    # Open cases by holder and type with their next deadline: the dashboard's three open-case counts.
    "CREATE INDEX IF NOT EXISTS ovs_ci_open_cover ON caseindex_caseindex (next_due) "
    "INCLUDE (holder_id, petition_type) WHERE is_open",
    # Received per month (and still open), optionally per agency and type.
    "CREATE INDEX IF NOT EXISTS ovs_ci_submitted_cover ON caseindex_caseindex (submitted_at) "
    "INCLUDE (is_open, holder_id, petition_type)",
    # Name prefix search (LIKE '王%') whatever the database collation.
    "CREATE INDEX IF NOT EXISTS ovs_ci_petname_prefix ON caseindex_caseindex (petitioner_name varchar_pattern_ops)",
]
DROP = ["ovs_ci_open_cover", "ovs_ci_submitted_cover", "ovs_ci_petname_prefix"]
OLD_TRGM = ["ovs_ci_title_trgm", "ovs_ci_petname_trgm"]
TRGM = [
    "CREATE INDEX IF NOT EXISTS ovs_ci_title_trgm2 ON caseindex_caseindex USING gin (title gin_trgm_ops)",
]


def create(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for sql in CREATE:
            cursor.execute(sql)
        for name in OLD_TRGM:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
        if cursor.fetchone() is not None:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            for sql in TRGM:
                cursor.execute(sql)


def drop(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for name in [*DROP, "ovs_ci_title_trgm2"]:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("oversight", "0002_caseindex_search_indexes")]
    operations = [migrations.RunPython(create, drop)]
