"""One new migration across many agency schemas: our parallel delta replay against migrate_schemas.

    .venv/bin/python benchmarks/migrations.py [--agencies 1000] [--compare 100] [--workers 4]

Runs in a database of its own (hall_bench_migrations; DATABASE_URL's server or the embedded one).
Provisions ``--agencies`` schemas, adds one new migration (a nullable column on cases_case, in a copy
of the cases app's migrations: the source tree is not touched), then times

- ``migrate_agencies`` (tenants.migrating) over all of them, and
- django-tenants' own way (what ``migrate_schemas`` runs for each schema) over ``--compare`` more
  schemas, per schema, with the projection to ``--agencies``;

and the no-op start afterwards (what ``./run`` does when nothing changed). The database is dropped.
"""

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "platform")]

from benchdb import drop_database, use_fresh_database  # noqa: E402

BENCH_DB = "hall_bench_migrations"
NEW_MIGRATION = """
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("cases", "{previous}")]
    operations = [migrations.AddField("case", "bench_note", models.TextField(null=True))]
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agencies", type=int, default=1000)
    parser.add_argument("--compare", type=int, default=100, help="schemas migrated the django-tenants way")
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()

    use_fresh_database(BENCH_DB)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django_tenants.migration_executors.base import run_migrations
    from tqdm import tqdm

    from tenants.city import AgencySpec
    from tenants.migrating import migrate_agencies
    from tenants.models import SchemaJournal
    from tenants.provisioning import (
        _migrate_options,
        current_journal,
        ensure_portal_tenant,
        migration_fingerprint,
        provision_agency,
    )

    try:
        call_command("migrate_schemas", shared=True, verbosity=0, interactive=False)
        ensure_portal_tenant()
        journal = current_journal()
        ours, theirs = [], []
        for i in tqdm(range(args.agencies + args.compare), desc="provisioning", unit="schema"):
            ours_turn = i < args.agencies
            code = f"r{i}" if ours_turn else f"m{i}"
            spec = AgencySpec(code, "department", f"机关{i}", f"Agency {i}")
            (ours if ours_turn else theirs).append(provision_agency(spec, journal=journal).agency.schema_name)

        workdir = Path(tempfile.mkdtemp(prefix="hall-bench-migrations-"))
        package = workdir / "bench_cases_migrations"
        shutil.copytree(ROOT / "cases" / "migrations", package, ignore=shutil.ignore_patterns("__pycache__"))
        previous = sorted(p.stem for p in package.glob("0*.py"))[-1]
        (package / "9999_bench_note.py").write_text(NEW_MIGRATION.format(previous=previous))
        sys.path.insert(0, str(workdir))
        settings.MIGRATION_MODULES = {"cases": "bench_cases_migrations"}

        started = time.perf_counter()
        for schema in tqdm(theirs, desc="migrate_schemas way", unit="schema"):
            run_migrations(args=[], options=_migrate_options(), executor_codename="bench", schema_name=schema)
        theirs_s = time.perf_counter() - started
        connection.set_schema_to_public()

        bars = []

        def progress(total):
            bars.append(tqdm(total=total, desc="migrate_agencies", unit="schema"))
            return bars[-1].update

        report = migrate_agencies(schemas=ours, workers=args.workers, progress=progress)
        for bar in bars:
            bar.close()
        assert report.ok and len(report.replayed) == len(ours), report.summary()

        # What `./run` does on a start with nothing to migrate: the fingerprint against the journal.
        started = time.perf_counter()
        fingerprint = migration_fingerprint()
        assert SchemaJournal.objects.filter(fingerprint=fingerprint).exists()
        noop_s = time.perf_counter() - started
        started = time.perf_counter()
        again = migrate_agencies(schemas=ours + theirs)
        recheck_s = time.perf_counter() - started
        assert again.already_current == len(ours) + len(theirs)
    finally:
        drop_database(BENCH_DB)

    per_theirs = theirs_s / max(1, len(theirs))
    projected = per_theirs * args.agencies
    print(f"\nmachine: {os.cpu_count()} cores; one new migration (a nullable column on cases_case)")
    print(f"migrate_agencies (ours), {len(ours)} schemas, {args.workers} connections: {report.seconds:.1f} s")
    print(f"  {report.seconds / len(ours) * 1000:.1f} ms per schema; {report.deltas} delta recorded")
    print(f"migrate_schemas way, {len(theirs)} schemas: {theirs_s:.1f} s")
    print(f"  {per_theirs * 1000:.0f} ms per schema")
    print(f"  projected to {args.agencies} schemas: {projected:.0f} s")
    print(f"ratio: {projected / report.seconds:.1f}x faster")
    print(f"no-op start check (fingerprint vs journal): {noop_s:.2f} s")
    print(f"migrate_agencies with nothing to do over {len(ours) + len(theirs)} schemas: {recheck_s:.2f} s")


if __name__ == "__main__":
    main()
