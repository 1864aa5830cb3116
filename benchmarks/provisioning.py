"""Provisioning speed: journal replay against django-tenants' default (every migration per schema).

    .venv/bin/python benchmarks/provisioning.py [--agencies 20]

Runs in a database of its own (hall_bench_provisioning on the embedded server, or DATABASE_URL's
server with that database name), migrates the public schema, then provisions N agencies each way in
the same run and prints milliseconds per agency and the ratio. The database is dropped at the end.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "platform")]

from benchdb import drop_database, use_fresh_database  # noqa: E402

BENCH_DB = "hall_bench_provisioning"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agencies", type=int, default=20, help="agencies provisioned each way")
    args = parser.parse_args()

    use_fresh_database(BENCH_DB)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from tenants.city import AgencySpec
    from tenants.provisioning import (
        current_journal,
        ensure_portal_tenant,
        provision_agency,
        provision_by_migrations,
    )

    call_command("migrate_schemas", shared=True, verbosity=0, interactive=False)
    ensure_portal_tenant()
    started = time.perf_counter()
    journal = current_journal()
    record_ms = (time.perf_counter() - started) * 1000

    replay, migrate = [], []
    for i in range(args.agencies):
        # Interleave the two ways so that neither benefits from a warmer server.
        spec = AgencySpec(f"j{i}", "department", f"回放{i}", f"Journal {i}")
        replay.append(provision_agency(spec, journal=journal).milliseconds)
        spec = AgencySpec(f"m{i}", "department", f"迁移{i}", f"Migrate {i}")
        migrate.append(provision_by_migrations(spec).milliseconds)

    drop_database(BENCH_DB)

    replay_ms, migrate_ms = statistics.median(replay), statistics.median(migrate)
    print(f"statements in the journal: {len(journal)} (recorded once in {record_ms:.0f} ms)")
    print(f"agencies provisioned each way: {args.agencies}")
    replay_mean, migrate_mean = statistics.mean(replay), statistics.mean(migrate)
    print(f"journal replay (ours):          median {replay_ms:7.1f} ms/agency  mean {replay_mean:7.1f}")
    print(f"django-tenants migrations:      median {migrate_ms:7.1f} ms/agency  mean {migrate_mean:7.1f}")
    print(f"ratio (migrations / replay):    {migrate_ms / replay_ms:.1f}x faster")


if __name__ == "__main__":
    main()
