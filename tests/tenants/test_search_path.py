"""The search_path is set once per change of schema, and is always the one the connection was told.

TENANT_LIMIT_SET_CALLS with config.postgresql: a wrong path here would read another agency's tables,
so each case is checked against what PostgreSQL itself reports (current_schemas), not the cache.
"""

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from cases.models import Case


def schemas_in_effect() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schemas(false)")
        return list(cursor.fetchone()[0])


def test_the_limited_backend_is_the_one_in_use():
    assert settings.TENANT_LIMIT_SET_CALLS is True
    assert type(connections["default"]).__module__ == "config.postgresql.base"


def test_switching_agencies_switches_the_path_every_time(agency_a, agency_b):
    for agency in (agency_a, agency_b, agency_a, agency_b):
        connection.set_tenant(agency)
        assert schemas_in_effect() == [agency.schema_name, "public"]
    connection.set_schema_to_public()
    assert schemas_in_effect() == ["public"]


def test_setting_the_same_agency_again_issues_no_second_set(agency_a):
    connection.set_tenant(agency_a)
    schemas_in_effect()
    with CaptureQueriesContext(connection) as captured:
        connection.set_tenant(agency_a)
        Case.objects.exists()
        Case.objects.exists()
    sets = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("SET search_path")]
    assert sets == []
    assert schemas_in_effect() == [agency_a.schema_name, "public"]


def test_a_rolled_back_savepoint_that_had_switched_the_path_is_followed(agency_a, agency_b):
    connection.set_tenant(agency_a)
    assert schemas_in_effect() == [agency_a.schema_name, "public"]
    with pytest.raises(DatabaseError), transaction.atomic():
        connection.set_tenant(agency_b)
        assert schemas_in_effect() == [agency_b.schema_name, "public"]
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM no_such_table")
    # PostgreSQL undid the SET with the savepoint; the connection still says agency_b and must
    # set it again rather than trust its cache.
    assert connection.schema_name == agency_b.schema_name
    assert schemas_in_effect() == [agency_b.schema_name, "public"]


def test_a_rolled_back_savepoint_without_a_switch_keeps_the_right_path(agency_a):
    connection.set_tenant(agency_a)
    schemas_in_effect()
    with pytest.raises(ValueError), transaction.atomic():
        Case.objects.exists()
        raise ValueError
    assert schemas_in_effect() == [agency_a.schema_name, "public"]


def test_a_filing_sets_each_path_only_when_it_changes(portal_client, profiled_citizen, bureau):
    portal_client.force_login(profiled_citizen)
    with CaptureQueriesContext(connection) as captured:
        response = portal_client.post(
            "/api/v1/petitions/",
            {
                "petition_type": "complaint",
                "title": "小区噪声扰民",
                "body": "楼下商铺每天深夜播放音乐，请查处。",
            },
            content_type="application/json",
        )
    assert response.status_code == 201, response.content
    statements = [q["sql"] for q in captured.captured_queries]
    sets = [s for s in statements if s.startswith("SET search_path")]
    # Never the same path twice in a row: a SET only where the schema really changes.
    assert all(a != b for a, b in zip(sets, sets[1:], strict=False)), sets
    assert len(sets) <= len(statements) // 3, (len(sets), len(statements))


def _sets(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if q["sql"].startswith("SET search_path")]


def test_a_public_statement_runs_under_the_path_the_session_has(agency_a):
    from tenants.models import Agency

    connection.set_tenant(agency_a)
    Case.objects.exists()  # the session now has "ag_a", public
    with CaptureQueriesContext(connection) as captured:
        connection.set_schema_to_public()
        assert Agency.objects.filter(pk=agency_a.pk).exists()  # public only: resolves the same
        connection.set_tenant(agency_a)
        Case.objects.exists()  # back in the schema the session still has
    assert _sets(captured) == []
    assert schemas_in_effect() == [agency_a.schema_name, "public"]


def test_an_agency_statement_gets_its_own_path_first(agency_a, agency_b):
    connection.set_tenant(agency_a)
    Case.objects.exists()
    with CaptureQueriesContext(connection) as captured:
        connection.set_tenant(agency_b)
        Case.objects.exists()
    assert _sets(captured) == [f'SET search_path = "{agency_b.schema_name}","public"']


def test_an_agency_table_read_in_the_public_context_still_fails(agency_a):
    """The isolation boundary: after an agency's path, public code naming a case table must not read
    that agency's rows; it gets the public path first and fails as it always did."""
    connection.set_tenant(agency_a)
    assert Case.objects.exists() in (True, False)
    connection.set_schema_to_public()
    with pytest.raises(DatabaseError, match="cases_case"), transaction.atomic():
        list(Case.objects.all()[:1])


def test_a_cursor_that_sets_the_path_itself_keeps_it_and_the_next_cursor_does_not(agency_a, agency_b):
    with transaction.atomic():
        connection.set_tenant(agency_a)
        with connection.cursor() as cursor:
            cursor.execute(f'SET LOCAL search_path TO "{agency_b.schema_name}", public')
            cursor.execute("SELECT count(*) FROM cases_case")  # this cursor's own path: agency_b
            cursor.execute("SELECT current_schemas(false)")
            assert list(cursor.fetchone()[0]) == [agency_b.schema_name, "public"]
        assert schemas_in_effect() == [agency_a.schema_name, "public"]


def test_what_counts_as_naming_an_agency_table():
    from config.postgresql.base import DatabaseWrapper

    def public_only(sql: str) -> bool:
        return DatabaseWrapper._classify(sql)[0]

    assert public_only('SELECT "tenants_agency"."id" FROM "tenants_agency"')
    assert public_only('SELECT id FROM "ag_a"."cases_case" UNION ALL SELECT id FROM "ag_b"."cases_case"')
    assert not public_only('SELECT "cases_case"."id" FROM "cases_case"')
    assert not public_only("select id from cases_caseevent")
    assert not public_only("SELECT nextval('cases_caseevent_id_seq')")  # a tenant sequence
    assert not public_only("SELECT app, name FROM django_migrations")  # every schema has its own
    assert not public_only("SELECT c.relname FROM pg_catalog.pg_class c")  # the catalogue follows the path
    assert not public_only("SELECT current_schema()")
