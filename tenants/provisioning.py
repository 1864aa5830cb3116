"""Provisioning agency schemas fast and exactly: record once, replay in one transaction.

django-tenants' default creates a schema by running every tenant migration against it (hundreds of
statements plus Django's migration planning and model-state rendering, per schema). Its bundled
clone (TENANT_BASE_SCHEMA) copies a template with a PL/pgSQL function and then fakes the migrations,
which was measured slower still on a small app.

What we do instead: migrate one scratch schema the ordinary django-tenants way while recording every
statement that changes the database (DDL and the django_migrations inserts), store that journal in
the public schema keyed by a fingerprint of the migration files, and provision each new agency by
replaying the journal inside one transaction with ``search_path`` pointing at the new schema. The
replay runs the very statements a migration would have run, so the new schema is identical to a
migrated one (tests/tenants/test_provisioning.py compares the catalogs). When the migrations change,
the fingerprint changes and the next provisioning records a fresh journal.
"""

import hashlib
import inspect
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from django_tenants.migration_executors.base import run_migrations
from django_tenants.utils import get_public_schema_name, get_tenant_base_migrate_command_class, schema_exists

from tenants.city import AgencySpec
from tenants.hosts import agency_host
from tenants.models import Agency, Domain, SchemaJournal

SCRATCH_SCHEMA = "_journal_scratch"
# Statements that read or manage the session rather than change the schema: never replayed.
_NOT_REPLAYED = re.compile(r"^\s*(SELECT|SET|SHOW|SAVEPOINT|RELEASE|ROLLBACK|BEGIN|COMMIT)\b", re.IGNORECASE)
_SCHEMA_NAME = re.compile(r"^[a-z][a-z0-9_]{0,61}$")


def _to_public() -> None:
    connection.set_schema_to_public()  # type: ignore[attr-defined]  # django-tenants' backend


class ProvisioningError(Exception):
    pass


def schema_name_for(code: str) -> str:
    return f"ag_{code}"


def migration_fingerprint() -> str:
    """A hash of every migration's identity and source: any change yields a new journal."""
    loader = MigrationLoader(None, ignore_no_migrations=True, load=True)
    digest = hashlib.sha256()
    for key in sorted(loader.disk_migrations):
        digest.update(f"{key[0]}.{key[1]}\n".encode())
        module = inspect.getmodule(loader.disk_migrations[key])
        if module is not None and key[0] in _tenant_app_labels():
            digest.update(inspect.getsource(module).encode())
    return digest.hexdigest()


def _tenant_app_labels() -> set[str]:
    from django.apps import apps

    labels = set()
    for app in settings.TENANT_APPS:
        for config in apps.get_app_configs():
            if config.name == app:
                labels.add(config.label)
    return labels


def _drop_schema(name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


def _migrate_options() -> dict:
    """The options Django's migrate command would parse from an empty command line, made quiet."""
    command_class = get_tenant_base_migrate_command_class()
    parser = command_class().create_parser("manage.py", "migrate")
    options = vars(parser.parse_args([]))
    options.update(verbosity=0, interactive=False, database="default")
    return options


def record_journal() -> list[str]:
    """Migrate a scratch schema the django-tenants way and return the statements it executed."""
    _to_public()
    _drop_schema(SCRATCH_SCHEMA)
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE SCHEMA "{SCRATCH_SCHEMA}"')
    statements: list[str] = []

    def recorder(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if not _NOT_REPLAYED.match(sql):
            raw = context["cursor"]
            for one in params if many else [params]:
                text = raw.mogrify(sql, one).decode() if one else sql
                statements.append(text)
        return result

    try:
        with connection.execute_wrapper(recorder):
            run_migrations(
                args=[],
                options=_migrate_options(),
                executor_codename="journal",
                schema_name=SCRATCH_SCHEMA,
            )
    finally:
        _to_public()
        _drop_schema(SCRATCH_SCHEMA)
    leaked = [s for s in statements if SCRATCH_SCHEMA in s]
    if leaked:
        # A statement that names its schema cannot be replayed elsewhere; refuse rather than guess.
        raise ProvisioningError(f"migration SQL names the schema explicitly: {leaked[0][:200]}")
    return statements


def current_journal() -> list[str]:
    fingerprint = migration_fingerprint()
    _to_public()
    journal = SchemaJournal.objects.filter(fingerprint=fingerprint).first()
    if journal is None:
        statements = record_journal()
        journal, _ = SchemaJournal.objects.get_or_create(
            fingerprint=fingerprint, defaults={"statements": statements}
        )
    return list(journal.statements)


def _replay(schema_name: str, statements: Iterable[str]) -> None:
    if not _SCHEMA_NAME.match(schema_name) or schema_name == get_public_schema_name():
        raise ProvisioningError(f"invalid schema name {schema_name!r}")
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE SCHEMA "{schema_name}"')
        # SET LOCAL: the search_path returns to the tenant's own at commit or rollback, so a pooled
        # connection never leaks it.
        cursor.execute(f'SET LOCAL search_path TO "{schema_name}", public')
        cursor.execute(";\n".join(statements))
    # django-tenants caches the search_path it last set; make it set its own on the next cursor.
    connection.search_path_set_schemas = None  # type: ignore[attr-defined]


@dataclass
class Provisioned:
    agency: Agency
    milliseconds: float


def provision_agency(
    spec: AgencySpec, *, journal: list[str] | None = None, sort_order: int = 0
) -> Provisioned:
    """Create the agency row, its domain and its schema in one transaction."""
    started = time.perf_counter()
    statements = journal if journal is not None else current_journal()
    schema_name = schema_name_for(spec.code)
    if schema_exists(schema_name):
        raise ProvisioningError(f"schema {schema_name} already exists")
    _to_public()
    with transaction.atomic():
        agency = Agency.objects.create(
            schema_name=schema_name,
            code=spec.code,
            kind=spec.kind,
            name_zh=spec.name_zh,
            name_en=spec.name_en,
            short_name=spec.short_name,
            responsibilities=spec.responsibilities,
            keywords=spec.keywords,
            sort_order=sort_order,
        )
        Domain.objects.create(domain=agency_host(spec.code), tenant=agency, is_primary=True)
        _replay(schema_name, statements)
    _to_public()
    return Provisioned(agency, (time.perf_counter() - started) * 1000)


def provision_by_migrations(spec: AgencySpec, *, sort_order: int = 0) -> Provisioned:
    """django-tenants' default path (CREATE SCHEMA, then every migration); kept for comparison."""
    started = time.perf_counter()
    _to_public()
    agency = Agency.objects.create(
        schema_name=schema_name_for(spec.code),
        code=spec.code,
        kind=spec.kind,
        name_zh=spec.name_zh,
        name_en=spec.name_en,
        sort_order=sort_order,
    )
    Domain.objects.create(domain=agency_host(spec.code), tenant=agency, is_primary=True)
    agency.create_schema(check_if_exists=True, verbosity=0)
    _to_public()
    return Provisioned(agency, (time.perf_counter() - started) * 1000)


def ensure_portal_tenant() -> Agency:
    """The row that owns the public schema and the portal host."""
    _to_public()
    portal, _ = Agency.objects.get_or_create(
        schema_name=get_public_schema_name(),
        defaults={"code": "portal", "kind": "portal", "name_zh": "网上信访大厅", "name_en": "Petition Hall"},
    )
    Domain.objects.get_or_create(domain=settings.HALL_DOMAIN, defaults={"tenant": portal, "is_primary": True})
    return portal


def provision_many(
    specs: Iterable[AgencySpec], *, progress: Callable[[Provisioned], None] | None = None
) -> list[Provisioned]:
    journal = current_journal()
    done = []
    for index, spec in enumerate(specs):
        result = provision_agency(spec, journal=journal, sort_order=index)
        done.append(result)
        if progress is not None:
            progress(result)
    return done
