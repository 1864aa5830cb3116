"""Indexes on the public CaseIndex that the oversight dashboard, search, KPI table and sweep use.

The table belongs to cases.index; these indexes serve only the oversight queries, so they live here.
Trigram (pg_trgm) GIN indexes make substring search on title and petitioner name use an index; the
extension is created only where the server offers it (the embedded pgserver build does not ship it),
and search works without it (a sequential scan of the index table).
"""

from django.db import migrations

BTREE = [
    ("ovs_ci_accept_due", "acceptance_due"),
    ("ovs_ci_handling_due", "handling_due"),
    ("ovs_ci_replied", "replied_at"),
    ("ovs_ci_decided", "acceptance_decided_at"),
    ("ovs_ci_holder_submitted", "holder_id, submitted_at"),
    ("ovs_ci_state_submitted", "state, submitted_at"),
    ("ovs_ci_petname", "petitioner_name"),
]
TRGM = [
    ("ovs_ci_title_trgm", "upper(title::text) gin_trgm_ops"),
    ("ovs_ci_petname_trgm", "upper(petitioner_name::text) gin_trgm_ops"),
]


def _has_trgm(cursor) -> bool:
    cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
    return cursor.fetchone() is not None


def create(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for name, columns in BTREE:
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON caseindex_caseindex ({columns})")
        if _has_trgm(cursor):
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            for name, expression in TRGM:
                cursor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON caseindex_caseindex USING gin ({expression})")


def drop(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for name, _columns in BTREE + TRGM:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("oversight", "0001_initial"),
        ("caseindex", "0001_initial"),
    ]
    operations = [migrations.RunPython(create, drop)]
