"""Provisioning by journal replay: a new schema identical to a migrated one, end to end."""

import pytest
from django.core.management import call_command
from django.db import connection

from tenants.city import AgencySpec
from tenants.models import Agency, Domain, SchemaJournal
from tenants.provisioning import ProvisioningError, current_journal, provision_agency, provision_by_migrations


def catalog(schema: str) -> dict[str, list]:
    """Tables, columns, indexes, constraints and migration records of a schema, schema name removed."""

    def rows(sql: str) -> list:
        with connection.cursor() as cursor:
            cursor.execute(sql, [schema])
            return [tuple(str(v).replace(schema, "<S>") for v in row) for row in cursor.fetchall()]

    with connection.cursor() as cursor:
        cursor.execute(f'SELECT app, name FROM "{schema}".django_migrations ORDER BY app, name')  # noqa: S608
        migrations = cursor.fetchall()
    return {
        "tables": rows(
            "SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = %s ORDER BY 1"
        ),
        "columns": rows(
            "SELECT table_name, column_name, data_type, character_maximum_length, is_nullable, "
            "column_default, ordinal_position FROM information_schema.columns "
            "WHERE table_schema = %s ORDER BY 1, 2"
        ),
        "indexes": rows(
            "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = %s ORDER BY 2"
        ),
        "constraints": rows(
            "SELECT rel.relname, con.conname, con.contype, pg_get_constraintdef(con.oid) "
            "FROM pg_constraint con JOIN pg_class rel ON rel.oid = con.conrelid "
            "JOIN pg_namespace ns ON ns.oid = rel.relnamespace "
            "WHERE ns.nspname = %s ORDER BY 2"
        ),
        "sequences": rows(
            "SELECT sequence_name, data_type FROM information_schema.sequences "
            "WHERE sequence_schema = %s ORDER BY 1"
        ),
        "migrations": [tuple(m) for m in migrations],
    }


def test_replayed_schema_is_identical_to_a_migrated_one(db):
    replayed = provision_agency(AgencySpec("rpl", "department", "回放局", "Replayed Bureau")).agency
    migrated = provision_by_migrations(AgencySpec("mig", "department", "迁移局", "Migrated Bureau")).agency
    connection.set_schema_to_public()
    a, b = catalog(replayed.schema_name), catalog(migrated.schema_name)
    assert a["tables"] and any(t[0] == "cases_case" for t in a["tables"])
    assert len(a["migrations"]) > 10
    for part in a:
        assert a[part] == b[part], part


def test_provisioned_agency_is_served_on_its_host(db, host_client):
    provision_agency(AgencySpec("new1", "county", "新县人民政府", "New County"))
    assert Domain.objects.get(tenant__code="new1").domain == "new1.hall.localhost"
    assert host_client("new1").get("/healthz").json()["schema"] == "ag_new1"


def test_add_agency_command_end_to_end(db, capsys, host_client):
    call_command(
        "add_agency",
        "tyj",
        kind="department",
        name_zh="三门峡市体育局",
        name_en="Sports Bureau",
        keywords="体育,健身",
    )
    out = capsys.readouterr().out
    assert "三门峡市体育局 ready in" in out and "http://tyj.hall.localhost" in out
    agency = Agency.objects.get(code="tyj")
    assert agency.short_name == "三体信"
    from django_tenants.utils import schema_context

    from cases.models import Case

    with schema_context(agency.schema_name):
        assert Case.objects.count() == 0  # the tables exist and are empty
    assert host_client("tyj").get("/healthz").json()["schema"] == "ag_tyj"


def test_add_agency_refuses_a_duplicate_code(db):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="already exists"):
        call_command("add_agency", "gaj", kind="department", name_zh="重复", name_en="Dup")


def test_journal_is_recorded_once_per_migration_state(db):
    from tenants.provisioning import migration_fingerprint

    first = current_journal()
    assert SchemaJournal.objects.filter(fingerprint=migration_fingerprint()).count() == 1
    assert current_journal() == first
    assert SchemaJournal.objects.filter(fingerprint=migration_fingerprint()).count() == 1
    assert any('CREATE TABLE "cases_case"' in statement for statement in first)
    assert not any(statement.lstrip().upper().startswith("SELECT") for statement in first)


def test_provisioning_refuses_an_existing_schema(db):
    with pytest.raises(ProvisioningError):
        provision_agency(AgencySpec("gaj", "department", "公安局", "Police"))


def test_a_failed_replay_leaves_nothing_behind(db, monkeypatch):
    from tenants import provisioning

    monkeypatch.setattr(provisioning, "current_journal", lambda: ["CREATE TABLE broken (id int", "SELECT 1"])
    with pytest.raises(Exception):  # noqa: B017 - any database error
        provision_agency(AgencySpec("bad1", "department", "坏局", "Bad"))
    connection.set_schema_to_public()
    assert not Agency.objects.filter(code="bad1").exists()
    from django_tenants.utils import schema_exists

    assert not schema_exists("ag_bad1")
