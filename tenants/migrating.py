"""New tenant migrations applied to every agency schema: recorded once, replayed in parallel, resumable.

``migrate_schemas`` plans and runs every migration per schema in Python (Django's loader, the model
state rendered, then a few statements): about 0.2 s per schema, minutes at 1,000 agencies, with the
hall's start blocked on it. The statements a migration runs do not depend on which schema it runs in,
so (as ``tenants.provisioning`` does for new agencies) we run them once, in a scratch schema brought to
the agencies' current state, record them, and replay that *delta* in each agency schema — one
transaction per schema, on several connections at once.

- **Exact**: the replay runs the very statements the migration ran, including its rows in
  ``django_migrations``; tests/tenants/test_migrating.py compares the catalogs with a schema migrated
  the ordinary way.
- **Resumable**: each schema commits on its own. A run that fails or is stopped halfway leaves every
  schema either before or after the delta, and the next run groups the schemas by what they have
  applied and finishes the rest. The report names the schemas that failed, and why.
- **Safe with data migrations**: a delta that contains a ``RunPython`` operation of a tenant app
  depends on each schema's rows, so it cannot be recorded; those schemas are migrated the ordinary way.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations import RunPython, SeparateDatabaseAndState
from django.db.migrations.recorder import MigrationRecorder
from django_tenants.migration_executors.base import run_migrations
from django_tenants.utils import get_public_schema_name

from config.postgresql.side import side_connection
from tenants.models import Agency
from tenants.provisioning import (
    _NOT_REPLAYED,
    _SCHEMA_NAME,
    ProvisioningError,
    _drop_schema,
    _migrate_options,
    _tenant_app_labels,
    _to_public,
    current_journal,
)

SCRATCH_SCHEMA = "_delta_scratch"
# A schema whose tables are busy (a long query of the live hall) is skipped after this long rather
# than queueing every request behind the migration's lock; the next run picks it up.
LOCK_TIMEOUT = "5s"
Key = tuple[str, str]


@dataclass
class Report:
    schemas: int = 0
    already_current: int = 0
    replayed: list[str] = field(default_factory=list)
    migrated_ordinarily: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    deltas: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary(self) -> str:
        done = len(self.replayed) + len(self.migrated_ordinarily)
        text = (
            f"{self.schemas} agency schemas: {self.already_current} already current, {done} migrated "
            f"({len(self.replayed)} by replaying {self.deltas} recorded delta(s), "
            f"{len(self.migrated_ordinarily)} the ordinary way), {len(self.failed)} failed, "
            f"in {self.seconds:.1f} s"
        )
        for schema, error in sorted(self.failed.items()):
            text += f"\n  failed: {schema}: {error}"
        return text


def _loader() -> MigrationLoader:
    return MigrationLoader(None, ignore_no_migrations=True, load=True)


def full_plan(loader: MigrationLoader) -> list[Key]:
    """Every migration of every app, in the order they apply."""
    plan: list[Key] = []
    seen: set[Key] = set()
    for leaf in sorted(loader.graph.leaf_nodes()):
        for key in loader.graph.forwards_plan(leaf):
            if key not in seen:
                seen.add(key)
                plan.append(key)
    return plan


def agency_schemas() -> list[str]:
    _to_public()
    return list(
        Agency.objects.exclude(schema_name=get_public_schema_name())
        .order_by("schema_name")
        .values_list("schema_name", flat=True)
    )


def applied_by_schema(schemas: Iterable[str]) -> dict[str, frozenset[Key]]:
    """What each schema has applied: a few UNION ALL queries, not one per schema."""
    result: dict[str, set[Key]] = defaultdict(set)
    names = [s for s in schemas if _SCHEMA_NAME.match(s)]
    for start in range(0, len(names), 200):
        chunk = names[start : start + 200]
        sql = " UNION ALL ".join(
            f'SELECT %s, app, name FROM "{name}".django_migrations'  # noqa: S608 - names checked above
            for name in chunk
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, chunk)
            for schema, app, name in cursor.fetchall():
                result[schema].add((app, name))
    return {name: frozenset(result.get(name, ())) for name in names}


def _needs_rows(loader: MigrationLoader, keys: Iterable[Key]) -> list[Key]:
    """The migrations among ``keys`` whose effect depends on the schema's data (RunPython of a tenant
    app: shared apps' RunPython never runs in an agency schema, the router skips it)."""
    tenant_labels = _tenant_app_labels()
    found = []
    for key in keys:
        if key[0] not in tenant_labels:
            continue
        operations = list(loader.disk_migrations[key].operations)
        while operations:
            operation = operations.pop()
            if isinstance(operation, SeparateDatabaseAndState):
                operations.extend(operation.database_operations)
            elif isinstance(operation, RunPython):
                found.append(key)
                break
    return found


def _state_targets(loader: MigrationLoader, applied: frozenset[Key]) -> list[tuple[str, str | None]]:
    """Migration targets that bring an empty schema to exactly ``applied``."""
    apps = {key[0] for key in loader.graph.nodes}
    targets: list[tuple[str, str | None]] = []
    for app in sorted(apps):
        mine = [key for key in applied if key[0] == app and key in loader.graph.nodes]
        leaves = [
            key
            for key in mine
            if not any(child in applied and child[0] == app for child in loader.graph.node_map[key].children)
        ]
        targets.extend(leaves or [(app, None)])
    return targets


def record_delta(loader: MigrationLoader, applied: frozenset[Key]) -> list[str]:
    """Bring a scratch schema to ``applied`` (unrecorded), then migrate it to the end, recording."""
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
                statements.append(raw.mogrify(sql, one).decode() if one else sql)
        return result

    try:
        connection.set_schema(SCRATCH_SCHEMA, include_public=False)  # type: ignore[attr-defined]
        MigrationRecorder(connection).ensure_schema()
        connection.set_schema(SCRATCH_SCHEMA)  # type: ignore[attr-defined]
        MigrationExecutor(connection).migrate(_state_targets(loader, applied))
        with connection.execute_wrapper(recorder):
            run_migrations(
                args=[], options=_migrate_options(), executor_codename="delta", schema_name=SCRATCH_SCHEMA
            )
    finally:
        _to_public()
        _drop_schema(SCRATCH_SCHEMA)
    leaked = [s for s in statements if SCRATCH_SCHEMA in s]
    if leaked:
        raise ProvisioningError(f"migration SQL names the schema explicitly: {leaked[0][:200]}")
    return statements


def _connect():
    return side_connection()


def _replay_delta(
    schemas: list[str],
    statements: list[str],
    expected: frozenset[Key],
    *,
    workers: int,
    report: Report,
    step: Callable[[], None],
    fail_after: int | None = None,
) -> None:
    """Replay ``statements`` in each schema, in its own transaction, on ``workers`` connections."""
    body = ";\n".join(statements)
    lock = threading.Lock()
    queue = list(schemas)
    done = started = 0
    local = threading.local()
    opened = []

    def one(schema: str) -> None:
        nonlocal done, started
        if not hasattr(local, "conn"):
            local.conn = _connect()
            with lock:
                opened.append(local.conn)
        conn = local.conn
        try:
            with lock:
                if fail_after is not None and started >= fail_after:
                    raise RuntimeError("stopped (fail_after)")
                started += 1
            with conn, conn.cursor() as cursor:
                # One run per schema at a time: a second run waits, then finds it current.
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"migrate:{schema}"])
                cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
                cursor.execute(f'SELECT app, name FROM "{schema}".django_migrations')  # noqa: S608
                if frozenset(cursor.fetchall()) != expected:
                    return  # changed since it was planned (another run): the next run regroups it
                cursor.execute(f'SET LOCAL search_path TO "{schema}", public')
                cursor.execute(body)
            with lock:
                report.replayed.append(schema)
                done += 1
        except Exception as error:  # noqa: BLE001 - every failure is reported, the other schemas go on
            with lock:
                report.failed[schema] = str(error).strip().splitlines()[0] if str(error) else repr(error)
        finally:
            step()

    try:
        with ThreadPoolExecutor(max_workers=max(1, min(workers, len(queue)))) as pool:
            list(pool.map(one, queue))
    finally:
        for conn in opened:
            conn.close()


def migrate_agencies(
    *,
    schemas: Iterable[str] | None = None,
    workers: int = 4,
    progress: Callable[[int], Callable[[], None]] | None = None,
    fail_after: int | None = None,
) -> Report:
    """Bring every agency schema (or ``schemas``) up to the migrations on disk.

    ``progress(total)`` returns a function called once per schema handled. ``fail_after`` stops the
    replay after that many schemas (the tests' interruption).
    """
    started = time.perf_counter()
    loader = _loader()
    plan = full_plan(loader)
    wanted = frozenset(plan)
    names = list(schemas) if schemas is not None else agency_schemas()
    states = applied_by_schema(names)
    report = Report(schemas=len(names))
    groups: dict[frozenset[Key], list[str]] = defaultdict(list)
    for name, applied in states.items():
        if wanted <= applied:
            report.already_current += 1
        else:
            groups[applied].append(name)
    pending = sum(len(group) for group in groups.values())
    step = progress(pending) if progress is not None and pending else (lambda: None)
    for applied, group in groups.items():
        missing = [key for key in plan if key not in applied]
        if _needs_rows(loader, missing):
            for name in group:
                try:
                    run_migrations(
                        args=[], options=_migrate_options(), executor_codename="hall", schema_name=name
                    )
                    report.migrated_ordinarily.append(name)
                except Exception as error:  # noqa: BLE001
                    report.failed[name] = str(error).strip().splitlines()[0]
                finally:
                    _to_public()
                    step()
            continue
        statements = record_delta(loader, applied)
        report.deltas += 1
        _replay_delta(
            group, statements, applied, workers=workers, report=report, step=step, fail_after=fail_after
        )
    # django-tenants caches the search_path it last set; the threads used their own connections.
    connection.search_path_set_schemas = None  # type: ignore[attr-defined]
    _to_public()
    if pending and not report.failed:
        current_journal()  # new agencies are provisioned from the new state from now on
    report.seconds = time.perf_counter() - started
    return report
