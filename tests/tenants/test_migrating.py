"""New migrations across agency schemas: replayed in parallel, resumable, identical to migrate_schemas.

The schemas here are committed (the replay runs on connections of its own, which cannot see a test's
transaction), so the fixture removes them and everything they recorded afterwards.
"""

import shutil
import sys
import textwrap
import uuid
from pathlib import Path

import pytest
from django.db import connection
from django_tenants.migration_executors.base import run_migrations

from tenants.city import AgencySpec
from tenants.migrating import _loader, _needs_rows, applied_by_schema, migrate_agencies
from tenants.models import Agency, Domain, SchemaJournal
from tenants.provisioning import _migrate_options, migration_fingerprint, provision_agency
from tests.tenants.test_provisioning import catalog

ROOT = Path(__file__).resolve().parents[2]
NEW_MIGRATION = """
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("cases", "{previous}")]
    operations = [
        migrations.AddField("case", "test_note", models.TextField(null=True)),
        migrations.AddIndex(
            "case", models.Index(fields=["test_note"], name="case_test_note_idx")
        ),
    ]
"""


@pytest.fixture
def committed_agencies(django_db_blocker):
    codes = [f"mg{i}" for i in range(5)]
    fingerprints = set()
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        fingerprints.add(migration_fingerprint())
        agencies = [
            provision_agency(AgencySpec(code, "department", f"迁移测试{code}", f"Migration {code}")).agency
            for code in codes
        ]
        yield agencies, fingerprints
        connection.set_schema_to_public()
        with connection.cursor() as cursor:
            for agency in agencies:
                cursor.execute(f'DROP SCHEMA IF EXISTS "{agency.schema_name}" CASCADE')
        Domain.objects.filter(tenant__code__in=codes).delete()
        Agency.objects.filter(code__in=codes).delete()
        SchemaJournal.objects.exclude(fingerprint__in=fingerprints).delete()


@pytest.fixture
def new_migration(settings, tmp_path):
    """The cases app's migrations plus one new one (a nullable column and its index), as a package of
    its own: the source tree is not touched."""
    package = f"hall_test_migrations_{uuid.uuid4().hex[:8]}"
    target = tmp_path / package
    shutil.copytree(ROOT / "cases" / "migrations", target, ignore=shutil.ignore_patterns("__pycache__"))
    previous = sorted(p.stem for p in target.glob("0*.py"))[-1]
    (target / "9999_test_note.py").write_text(textwrap.dedent(NEW_MIGRATION.format(previous=previous)))
    sys.path.insert(0, str(tmp_path))
    settings.MIGRATION_MODULES = {"cases": package}
    yield ("cases", "9999_test_note")
    sys.path.remove(str(tmp_path))
    for name in [m for m in sys.modules if m.startswith(package)]:
        del sys.modules[name]


def test_a_run_stopped_halfway_resumes_and_ends_identical_to_migrate_schemas(
    committed_agencies, new_migration, django_db_blocker
):
    agencies, fingerprints = committed_agencies
    *replayed, reference = [a.schema_name for a in agencies]
    with django_db_blocker.unblock():
        before = applied_by_schema(replayed)
        assert all(new_migration not in applied for applied in before.values())

        first = migrate_agencies(schemas=replayed, workers=2, fail_after=2)
        assert len(first.replayed) == 2 and len(first.failed) == 2 and first.deltas == 1
        assert not first.ok and "stopped" in first.summary()
        halfway = applied_by_schema(replayed)
        # Every schema is wholly before or wholly after the delta, never in between.
        assert sorted(new_migration in halfway[s] for s in replayed) == [False, False, True, True]
        for schema in replayed:
            columns = {c[1] for c in catalog(schema)["columns"] if c[0] == "cases_case"}
            assert ("test_note" in columns) == (new_migration in halfway[schema])

        second = migrate_agencies(schemas=replayed, workers=2)
        assert second.ok and second.already_current == 2 and len(second.replayed) == 2
        fingerprints.add(migration_fingerprint())

        run_migrations(args=[], options=_migrate_options(), executor_codename="t", schema_name=reference)
        connection.set_schema_to_public()
        expected = catalog(reference)
        assert any(c[1] == "test_note" for c in expected["columns"] if c[0] == "cases_case")
        for schema in replayed:
            assert catalog(schema) == expected, schema

        again = migrate_agencies(schemas=[*replayed, reference])
        assert again.ok and again.already_current == 5 and not again.replayed


def test_a_schema_locked_by_a_live_query_fails_alone_and_is_reported(
    committed_agencies, new_migration, django_db_blocker, monkeypatch
):
    from tenants import migrating

    agencies, fingerprints = committed_agencies
    busy, *others = [a.schema_name for a in agencies]
    monkeypatch.setattr(migrating, "LOCK_TIMEOUT", "200ms")
    with django_db_blocker.unblock():
        holder = migrating._connect()
        try:
            with holder.cursor() as cursor:
                cursor.execute(f'LOCK TABLE "{busy}".cases_case IN ACCESS SHARE MODE')
                report = migrate_agencies(schemas=[busy, *others], workers=2)
        finally:
            holder.rollback()
            holder.close()
        assert list(report.failed) == [busy] and len(report.replayed) == 4
        assert "lock timeout" in report.failed[busy]
        assert migrate_agencies(schemas=[busy]).replayed == [busy]
        fingerprints.add(migration_fingerprint())


def test_a_data_migration_is_never_replayed_from_a_recording(db):
    loader = _loader()
    keys = [key for key in loader.disk_migrations if key[0] == "cases"]
    # 0004 encrypts each schema's existing rows: its effect depends on the data, so it is not recorded.
    assert _needs_rows(loader, keys) == [("cases", "0004_encrypt_petitioner_phone_address")]
    # Shared apps' data migrations never run in an agency schema (the router skips them).
    assert _needs_rows(loader, [("workdays", "0002_load_cn_2026")]) == []


def test_the_command_reports_and_migrates_nothing_when_current(committed_agencies, django_db_blocker):
    from io import StringIO

    from django.core.management import call_command

    agencies, _ = committed_agencies
    out = StringIO()
    with django_db_blocker.unblock():
        call_command(
            "migrate_agencies", skip_shared=True, schemas=[a.schema_name for a in agencies], stdout=out
        )
    assert "5 agency schemas: 5 already current, 0 migrated" in out.getvalue()
