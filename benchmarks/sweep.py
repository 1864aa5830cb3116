"""The daily deadline sweep at scale (issue 13: < 5 s; issue 15: 6,000 actions at 200,000 open cases in
< 10 s, the daily re-run at 1,000,000 open cases in < 1 s).

    .venv/bin/python benchmarks/sweep.py [--cases 200000] [--actions 6000] [--keep] [--database NAME]
    .venv/bin/python benchmarks/sweep.py --cases 1000000      # the 1M run (building it takes minutes)

    # Build once (no bench lock needed), then time as often as needed from a copy of it:
    .venv/bin/python benchmarks/sweep.py --cases 1000000 --database hall_bench_sweep --build-only
    flock /tmp/bench.lock .venv/bin/python benchmarks/sweep.py --database hall_bench_sweep --from-built

Runs in a database of its own (hall_bench_sweep on DATABASE_URL's server, or the embedded one). It
migrates, provisions the demo city (30 agency schemas) and COPYs the open cases into the public
CaseIndex: every declared duty clock (routing at the bureau; acceptance, handling, review, re-review
at the agencies) and the petitioner's windows, with ``sweep_next`` as the services' writes set it. About
``--actions`` sweep actions fall due on the day: reminders 1-3 working days ahead, overdue flags, 催办
(3-9 days late), 督办单 (10+ days late) and closes of windows run out; the cases the sweep writes to
(escalations, closes, and the flagged ones escalated later) get their row and a few timeline events
in their agency's schema.

It then times, through the beat task itself (cases.oversight.tasks.sweep_deadlines; the per-agency
tasks run inline, their after-commit notices too):
  1. the first sweep of the day,
  2. the same sweep again (nothing new: the idempotent re-run), then after VACUUM ANALYZE (what
     autovacuum does between two days),
  3. the next day's sweep (the steady state: only the rows whose day came),
and prints for each the CPU time in this process, the SQL statements (per sweep action) and the WAL
PostgreSQL wrote. The database is dropped at the end unless --keep (the --build-only copy stays until
dropped by hand: ``dropdb NAME_built``).

``--workers N`` runs the per-agency tasks as production does instead: a real Celery worker with N
pool processes (``./run`` starts 2) on RabbitMQ when it answers on 127.0.0.1:5672 (else the folder
broker), on a queue of the run's own. Each sweep is then timed from the beat task's plan until the
agenda has no row left due that day (every batch committed; the agencies' notices, enqueued after
each batch, may still be running), and the CPU is the worker's (its pool processes included).
"""

import argparse
import io
import os
import random
import sys
import time
import uuid
from collections import Counter
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "platform")]

from benchdb import copy_database, drop_database, use_copy_of, use_fresh_database  # noqa: E402

BENCH_DB = "hall_bench_sweep"
TODAY = date(2026, 6, 15)  # a Monday; 端午 (06-19 – 06-21) falls in the reminder window

COPY_COLUMNS = (
    "case_uuid, tracking_number, query_code_encrypted, holder_id, filed_with_id, petition_type, channel,"
    " title, petitioner_name, is_public, state, is_open, submitted_at, received_at, routing_due,"
    " acceptance_due, handling_due, review_request_due, review_due, rereview_request_due, rereview_due,"
    " extended, next_due, next_due_kind, satisfaction, report_status, updated_at, sweep_next"
)
# (state, the clock's CaseIndex column, holder kind) for each duty and window.
DUTIES = [
    ("registered", "routing_due", "bureau"),
    ("signed", "acceptance_due", "agency"),
    ("accepted", "handling_due", "agency"),
    ("accepted", "handling_due", "agency"),
    ("accepted", "handling_due", "agency"),
    ("review_requested", "review_due", "agency"),
    ("rereview_requested", "rereview_due", "agency"),
]
WINDOWS = [("replied", "review_request_due"), ("reviewed", "rereview_request_due")]


def _moment(day: date):
    from django.utils import timezone

    return datetime.combine(day, dtime(10), tzinfo=timezone.get_current_timezone())


def build(count: int, actions: int, bureau_id: int, agency_ids: list[int]) -> list[tuple[int, str, str]]:
    """COPY ``count`` open cases into CaseIndex; returns (holder, uuid, state) of those the sweep will
    write to in an agency schema (escalations and closes)."""
    from django.db import connection

    from cases.services.sweep import reminder_day
    from workdays.rules import current_calendar

    calendar = current_calendar()
    rng = random.Random(13)  # noqa: S311 - reproducible synthetic data
    # Rows with work today, of ~actions actions: a reminder or a flag is 1 action, a 催办/督办单 2
    # (flag + escalation), a close 1.
    scale = actions / 7400  # the rows below make ~7,400 actions (端午 brings quiet rows forward)
    kinds = (
        ["reminded"] * int(1500 * scale)
        + ["overdue"] * int(1200 * scale)
        + ["reminder"] * int(900 * scale)
        + ["order"] * int(400 * scale)
        + ["close"] * int(500 * scale)
    )
    kinds += ["quiet"] * (count - len(kinds))
    rng.shuffle(kinds)
    written: list[tuple[int, str, str]] = []
    buffer: list[str] = []
    for n, kind in enumerate(kinds, start=1):
        due_values = dict.fromkeys(
            (
                "routing_due",
                "acceptance_due",
                "handling_due",
                "review_request_due",
                "review_due",
                "rereview_request_due",
                "rereview_due",
            )
        )
        if kind == "close":
            state, column = rng.choice(WINDOWS)
            holder = rng.choice(agency_ids)
            due = TODAY - timedelta(days=rng.randint(1, 5))
            next_day = due + timedelta(days=1)
        else:
            state, column, holder_kind = rng.choice(DUTIES)
            holder = bureau_id if holder_kind == "bureau" else rng.choice(agency_ids)
            due = {
                "reminded": TODAY + timedelta(days=rng.randint(1, 3)),
                "overdue": TODAY - timedelta(days=rng.randint(1, 2)),
                "reminder": TODAY - timedelta(days=rng.randint(3, 9)),
                "order": TODAY - timedelta(days=rng.randint(10, 30)),
                "quiet": TODAY + timedelta(days=rng.randint(6, 120)),
            }[kind]
            next_day = reminder_day(calendar, due, 3)
        due_values[column] = due
        case_uuid = str(uuid.uuid4())
        if kind in ("overdue", "reminder", "order", "close"):
            written.append((holder, case_uuid, state))
        submitted = _moment(TODAY - timedelta(days=rng.randint(20, 200)))
        values = [
            case_uuid,
            f"SMX-2026-{n:07d}",
            "x",
            holder,
            holder,
            "complaint",
            "online",
            "小区物业违规收取停车费",
            "张三",
            False,
            state,
            True,
            submitted,
            submitted,
            *due_values.values(),
            False,
            due if kind != "close" else None,
            column.removesuffix("_due") if kind != "close" else "",
            "",
            "",
            submitted,
            next_day,
        ]
        buffer.append(
            "\t".join(
                "\\N" if v is None else (v.isoformat() if hasattr(v, "isoformat") else str(v)) for v in values
            )
        )
        if len(buffer) >= 50_000:
            _copy(connection, buffer)
            buffer = []
    if buffer:
        _copy(connection, buffer)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE caseindex_caseindex")
        cursor.execute("VACUUM ANALYZE caseindex_sweepagenda")  # filled by the index's triggers
    return written


def _copy(connection, lines: list[str]) -> None:
    with connection.cursor() as cursor:
        # Columns the rows leave out take the model's empty default (Django sets it, COPY does not).
        cursor.execute("ALTER TABLE caseindex_caseindex ALTER COLUMN petitioner_id_hash SET DEFAULT ''")
        cursor.cursor.copy_expert(
            f"COPY caseindex_caseindex ({COPY_COLUMNS}) FROM STDIN", io.StringIO("\n".join(lines) + "\n")
        )


def build_case_rows(written: list[tuple[int, str, str]]) -> None:
    """The agency-schema rows of the cases the sweep writes to, each with three timeline events."""
    from django_tenants.utils import schema_context

    from cases.index.models import CaseIndex
    from cases.models import Case, CaseEvent
    from tenants.models import Agency

    numbers = dict(
        CaseIndex.objects.filter(case_uuid__in=[u for _h, u, _s in written]).values_list(
            "case_uuid", "tracking_number"
        )
    )
    schemas = dict(Agency.objects.values_list("id", "schema_name"))
    per_holder: dict[int, list[tuple[str, str]]] = {}
    for holder, case_uuid, state in written:
        per_holder.setdefault(holder, []).append((case_uuid, state))
    submitted = _moment(TODAY - timedelta(days=90))
    for holder, rows in per_holder.items():
        with schema_context(schemas[holder]):
            cases = [
                Case(
                    id=uuid.UUID(case_uuid),
                    tracking_number=numbers[uuid.UUID(case_uuid)],
                    filed_with="x",
                    petition_type="complaint",
                    title="小区物业违规收取停车费",
                    body="……",
                    petitioner_name="张三",
                    state=state,
                    submitted_at=submitted,
                    replied_at=submitted,
                )
                for case_uuid, state in rows
            ]
            Case.objects.bulk_create(cases, batch_size=2000)
            CaseEvent.objects.bulk_create(
                [
                    CaseEvent(
                        case=case,
                        seq=seq,
                        kind="submitted",
                        at=submitted,
                        agency_code="x",
                        prev_hash="0" * 64,
                        hash=f"{seq:064d}",
                    )
                    for case in cases
                    for seq in (1, 2, 3)
                ],
                batch_size=5000,
            )


class Statements:
    """Counts the SQL statements Django sends (every connection use goes through it), and those sent
    by the after-commit notices apart (in production the worker's separate tasks)."""

    def __init__(self) -> None:
        self.count = 0
        self.notices = 0
        self.cpu = 0.0
        self.wal = 0.0
        self.kinds: Counter[str] = Counter()

    in_notice = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        text = sql.decode() if isinstance(sql, bytes) else sql
        self.kinds[text.split(None, 1)[0].upper()] += 1
        self.notices += bool(Statements.in_notice)
        return execute(sql, params, many, context)


def _mark_notices() -> None:
    """Statements run by the agencies' notice task are counted apart (Statements.in_notice)."""
    from notifications import tasks as notice_tasks

    task = notice_tasks.notify_agency_staff
    original = task.run

    def run(*args, **kwargs):
        Statements.in_notice += 1
        try:
            return original(*args, **kwargs)
        finally:
            Statements.in_notice -= 1

    task.run = run


def worker_env(workers: int) -> None:
    """The settings for --workers (before ``django.setup()``): tasks through a broker, on a queue of
    this run's own."""
    import socket
    import tempfile

    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "false"
    os.environ["HALL_CELERY_QUEUE"] = f"bench-sweep-{os.getpid()}"
    try:
        with socket.create_connection(("127.0.0.1", 5672), timeout=0.5):
            os.environ["CELERY_BROKER_URL"] = "amqp://guest:guest@127.0.0.1:5672//"
    except OSError:
        os.environ.pop("CELERY_BROKER_URL", None)
        os.environ["HALL_DATA_DIR"] = tempfile.mkdtemp(prefix="hall-bench-sweep-")


class Pool:
    """A Celery worker with ``processes`` pool processes, as ``./run`` starts one (without beat)."""

    def __init__(self, processes: int) -> None:
        import tempfile

        from django.conf import settings

        from tenants.management.commands.serve_hall import start_worker, stop_worker

        self.stop = stop_worker
        self.log = tempfile.NamedTemporaryFile(prefix="hall-bench-worker-", suffix=".log", delete=False)
        # serve_hall's own start: the worker dies with this process, whatever ends it.
        self.process = start_worker(beat=False, env=dict(os.environ), output=self.log, concurrency=processes)
        deadline = time.monotonic() + 120
        while b" ready." not in Path(self.log.name).read_bytes():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise SystemExit(f"the worker did not start: see {self.log.name}")
            time.sleep(0.2)
        print(f"worker: {processes} pool processes, broker {settings.CELERY_BROKER_URL.split('@')[-1]}")

    def cpu(self) -> float:
        from intake import group_cpu_seconds

        return group_cpu_seconds(self.process.pid)

    def close(self) -> None:
        self.stop(self.process)


def _wait_until_swept(day: date, timeout: float = 600) -> None:
    """Until no agenda row is due by ``day``: every batch the plan enqueued has committed."""
    from cases.index.models import SweepAgenda

    deadline = time.monotonic() + timeout
    while SweepAgenda.objects.filter(sweep_next__lte=day).exists():
        if time.monotonic() > deadline:
            raise SystemExit(f"the worker left rows due by {day} after {timeout:.0f} s")
        time.sleep(0.005)


def timed_sweep(day: date, pool: "Pool | None" = None) -> tuple[float, dict, Statements]:
    from django.db import connection

    from cases.oversight import tasks

    counter = Statements()
    profile = None
    if os.environ.get("HALL_BENCH_PROFILE"):
        import cProfile

        profile = cProfile.Profile()
        profile.enable()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_insert_lsn()")
        (lsn,) = cursor.fetchone()
    with connection.execute_wrapper(counter):
        started, cpu = time.perf_counter(), (pool.cpu() if pool else time.process_time())
        result = tasks.sweep_deadlines(day.isoformat())
        if pool is not None:
            _wait_until_swept(day)
        elapsed = time.perf_counter() - started
        counter.cpu = (pool.cpu() if pool else time.process_time()) - cpu
    with connection.cursor() as cursor:
        # The WAL the sweep wrote: mostly full-page images of the pages it is first to touch since the
        # last checkpoint (the index rows it locks and moves, their agenda entries).
        cursor.execute("SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), %s::pg_lsn)", [lsn])
        counter.wal = float(cursor.fetchone()[0])
    if profile is not None:
        import pstats

        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(45)
    return elapsed, result, counter


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200_000, help="open cases in the index")
    parser.add_argument("--actions", type=int, default=6000, help="sweep actions due on the day (about)")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument("--database", default=BENCH_DB, help=f"the benchmark's database ({BENCH_DB})")
    parser.add_argument(
        "--build-only",
        action="store_true",
        help="build, keep a copy as DATABASE_built and stop (no sweep: needs no bench lock)",
    )
    parser.add_argument(
        "--from-built",
        action="store_true",
        help="start from the copy --build-only left (DATABASE_built) instead of building",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="run the per-agency tasks on a real worker with this many pool processes (0: inline)",
    )
    args = parser.parse_args()
    built = f"{args.database}_built"

    if args.from_built:
        use_copy_of(built, args.database)
    else:
        use_fresh_database(args.database)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"  # the per-agency tasks inline, in this process
    if args.workers:
        if not args.from_built:
            parser.error("--workers times a built database: build with --build-only, then --from-built")
        worker_env(args.workers)
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    import django

    django.setup()
    from django.core.management import call_command

    from tenants.demo import seed_agencies
    from tenants.models import Agency, AgencyKind

    if args.from_built:
        _sweep_all(args.database, args.keep, workers=args.workers)
        return
    call_command("migrate_schemas", shared=True, verbosity=0, interactive=False)
    started = time.perf_counter()
    seed_agencies()
    print(f"demo city: {Agency.objects.exclude(schema_name='public').count()} agency schemas")
    bureau_id = Agency.objects.get(kind=AgencyKind.BUREAU).pk
    agency_ids = list(
        Agency.objects.filter(kind__in=[AgencyKind.DEPARTMENT, AgencyKind.COUNTY]).values_list(
            "id", flat=True
        )
    )
    started = time.perf_counter()
    written = build(args.cases, args.actions, bureau_id, agency_ids)
    build_case_rows(written)
    print(
        f"{args.cases:,} open cases in CaseIndex, {len(written):,} of them in agency schemas, built in"
        f" {time.perf_counter() - started:.1f} s"
    )
    if args.build_only:
        from django.db import connection

        connection.close()
        copy_database(args.database, built)
        drop_database(args.database)
        print(f"kept as {built}: run with --from-built (it is copied, so it can be run again)")
        return
    _sweep_all(args.database, args.keep)


def _sweep_all(database: str, keep: bool, workers: int = 0) -> None:
    from cases.index.models import CaseIndex, ClockAlert
    from cases.oversight.models import SupervisionItem

    _mark_notices()
    pool = Pool(workers) if workers else None
    try:
        where = "the worker" if pool else "here"
        print()
        rows = []
        steps = (
            ("first sweep of the day", TODAY),
            ("the same sweep again", TODAY),
            ("vacuum", None),
            ("again, after VACUUM", TODAY),
            ("the next day's sweep", TODAY + timedelta(days=1)),
        )
        for label, day in steps:
            if day is None:
                # What autovacuum does between two daily runs: the agenda's index entries of the rows the
                # sweep moved point at dead tuples until then, and the plan's index scan visits them (the
                # index's own rows were HOT updates: no new entries there).
                from django.db import connection

                started = time.perf_counter()
                with connection.cursor() as cursor:
                    cursor.execute("VACUUM ANALYZE caseindex_caseindex")
                    cursor.execute("VACUUM ANALYZE caseindex_sweepagenda")
                print(f"{'VACUUM ANALYZE the index':24} {(time.perf_counter() - started) * 1000:9.0f} ms")
                continue
            before, items = ClockAlert.objects.count(), SupervisionItem.objects.count()
            elapsed, result, counter = timed_sweep(day, pool)
            done = ClockAlert.objects.count() - before
            rows.append((label, elapsed, done, result, counter))
            if pool:  # the batches ran in the worker: their results stayed there, the database tells
                items = SupervisionItem.objects.count() - items
                what = f"{items} 催办/督办单; the statements were the worker's)"
            else:
                what = (
                    f"{len(result['reminders'])} 催办, {len(result['orders'])} 督办单,"
                    f" {len(result['closed'])} closed)  {counter.count:6,} SQL statements"
                    + (f" = {counter.count / done:.2f} per action" if done else "")
                )
            print(
                f"{label:24} {elapsed * 1000:9.0f} ms (CPU in {where} {counter.cpu * 1000:.0f} ms)"
                f" {done:6,} actions ({what}"
            )
            kinds = "" if pool else f" statements by kind: {dict(counter.kinds.most_common())};"
            notices = "" if pool else f" {counter.notices} of them the agencies' notices;"
            print(f"{'':24}{kinds}{notices} WAL {counter.wal / 1e6:.1f} MB")
        first = rows[0]
        cases = CaseIndex.objects.filter(is_open=True).count()
        print()
        print(
            f"first sweep: {first[2]:,} actions at {cases:,} open cases in {first[1]:.2f} s"
            f" (targets: < 10 s issue 15, < 5 s issue 13);"
            f" {first[1] / max(first[2], 1) * 1000:.2f} ms per action"
        )
        print(
            f"re-run the same day: {rows[1][1] * 1000:.0f} ms, after VACUUM {rows[2][1] * 1000:.0f} ms;"
            f" next day: {rows[3][1] * 1000:.0f} ms for {rows[3][2]:,} new actions"
            f" (CPU in {'the worker' if pool else 'the process'} {rows[3][4].cpu * 1000:.0f} ms,"
            + (f" {workers} pool processes," if pool else f" {rows[3][4].count} statements,")
            + f" {rows[3][1] / max(rows[3][2], 1) * 1000:.3f} ms per action;"
            " target for the daily re-run at 1,000,000 open cases: < 1 s)"
        )
    finally:
        if pool:
            pool.close()
    if not keep:
        drop_database(database)


if __name__ == "__main__":
    main()
