"""Oversight at scale: dashboard, search and KPI table with 1,000 agency schemas and 200,000 cases,
against 30 agencies and the same 200,000 cases (issue #6: p95 ≤ 300 ms, and at most twice as slow).

    .venv/bin/python benchmarks/oversight_scale.py [--cases 200000] [--agencies 1000] [--runs 30] [--keep]
        [--only-kpis] [--database NAME] [--build-only | --reuse]

Runs in a database of its own (hall_bench_oversight, or --database, on the embedded server, or on
DATABASE_URL's server with that database name). It migrates the public schema, provisions the demo
city (30 agencies) with the journal replay, bulk-loads the cases into the public CaseIndex with COPY
(realistic dates, states, deadlines and evaluations over two years), measures, then provisions
agencies up to --agencies, spreads the same cases over all of them and measures again. Each
measurement calls the very selector and KPI functions the views call. The database is dropped at
the end unless --keep.

To time without building (building needs no bench lock, timing does): ``--build-only`` builds the
database as above, keeps a copy of it as it stood at 30 agencies (NAME_30) and measures nothing;
``--reuse`` then measures both copies as the full run would, builds nothing and drops nothing.
"""

import argparse
import gc
import io
import os
import random
import statistics
import sys
import time
import uuid
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "platform")]

from benchdb import drop_database, use_fresh_database, use_kept_database  # noqa: E402

BENCH_DB = "hall_bench_oversight"
TODAY = date(2026, 6, 15)

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国红梅玉兰志强海燕"
TOPICS = [
    "小区物业违规收取停车费",
    "拖欠农民工工资",
    "道路施工噪音扰民",
    "宅基地纠纷",
    "学校乱收补课费",
    "医保报销不及时",
    "违章建筑影响采光",
    "供暖温度不达标",
    "出租车拒载",
    "养老金发放延迟",
    "商品房延期交房",
    "餐馆油烟扰民",
    "征地补偿标准偏低",
    "自来水水质浑浊",
    "公交线路调整不便",
    "企业排放污水",
    "社区停车位不足",
    "低保资格认定",
    "噪音夜间施工",
    "网约车平台纠纷",
]
PLACES = ["湖滨区", "陕州区", "义马市", "灵宝市", "渑池县", "卢氏县", "开发区", "示范区"]


# --- Data ----------------------------------------------------------------------------------------


def _moment(day: date, rng: random.Random):
    from django.utils import timezone

    return datetime.combine(
        day, dtime(rng.randint(8, 18), rng.randint(0, 59)), tzinfo=timezone.get_current_timezone()
    )


def case_rows(count: int, holder_ids: list[int], rng: random.Random):
    """Yield tab-separated CaseIndex rows: two years of petitions with a realistic life cycle."""
    start = TODAY - timedelta(days=730)
    columns = []
    for n in range(1, count + 1):
        submitted_day = start + timedelta(days=int(730 * rng.random() ** 0.8))
        submitted = _moment(submitted_day, rng)
        holder = rng.choice(holder_ids)
        age = (TODAY - submitted_day).days
        f: dict = {
            "received_at": submitted,
            "accepted_at": None,
            "acceptance_decided_at": None,
            "replied_at": None,
            "closed_at": None,
            "accepting_agency_id": None,
            "acceptance_due": submitted_day + timedelta(days=15),
            "handling_due": None,
            "review_request_due": None,
            "next_due": None,
            "next_due_kind": "",
            "satisfaction": "",
            "linked_to": None,
            "state": "received",
            "is_open": True,
        }
        roll = rng.random()
        if roll < 0.04:
            f.update(
                state="linked",
                is_open=False,
                linked_to=uuid.uuid4(),
                acceptance_due=None,
                closed_at=submitted,
            )
        elif age < 15 and roll < 0.5:
            f.update(next_due=f["acceptance_due"], next_due_kind="acceptance")
        elif roll < 0.10:
            decided = _moment(submitted_day + timedelta(days=rng.randint(1, 18)), rng)
            f.update(state="not_accepted", is_open=False, acceptance_decided_at=decided, closed_at=decided)
        else:
            decided_day = submitted_day + timedelta(days=rng.randint(1, 17))
            if decided_day > TODAY:
                f.update(next_due=f["acceptance_due"], next_due_kind="acceptance")
            else:
                accepted = _moment(decided_day, rng)
                handling_due = decided_day + timedelta(days=60)
                f.update(
                    state="accepted",
                    accepted_at=accepted,
                    acceptance_decided_at=accepted,
                    accepting_agency_id=holder,
                    handling_due=handling_due,
                )
                reply_day = decided_day + timedelta(days=rng.randint(10, 75))
                if reply_day > TODAY:
                    f.update(next_due=handling_due, next_due_kind="handling")
                else:
                    replied = _moment(reply_day, rng)
                    review_due = reply_day + timedelta(days=30)
                    f.update(replied_at=replied, review_request_due=review_due)
                    if rng.random() < 0.7:
                        f["satisfaction"] = rng.choices(["satisfied", "basically", "unsatisfied"], [6, 3, 1])[
                            0
                        ]
                    if review_due < TODAY:
                        f.update(
                            state="closed",
                            is_open=False,
                            closed_at=_moment(review_due + timedelta(days=1), rng),
                        )
                    else:
                        f.update(state="replied")
        topic = rng.choice(TOPICS)
        values = [
            str(uuid.uuid4()),
            f"SMX-{submitted_day.year}-{n:06d}",
            "x",
            holder,
            holder,
            rng.choice(["complaint", "request", "suggestion", "opinion", "consultation", "report"]),
            "online",
            f"{rng.choice(PLACES)}{topic}",
            rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
            False,
            f["state"],
            f["is_open"],
            f["linked_to"],
            submitted,
            f["received_at"],
            f["accepted_at"],
            f["acceptance_decided_at"],
            f["replied_at"],
            f["closed_at"],
            f["accepting_agency_id"],
            f["acceptance_due"],
            f["handling_due"],
            f["review_request_due"],
            False,
            f["next_due"],
            f["next_due_kind"],
            f["satisfaction"],
            "",
            "",
            submitted,
        ]
        columns.append(
            "\t".join(
                "\\N" if v is None else (v.isoformat() if hasattr(v, "isoformat") else str(v)) for v in values
            )
        )
        if len(columns) >= 20000:
            yield "\n".join(columns) + "\n"
            columns = []
    if columns:
        yield "\n".join(columns) + "\n"


COPY_COLUMNS = (
    "case_uuid, tracking_number, query_code_encrypted, holder_id, filed_with_id, petition_type, channel, "
    "title, "
    "petitioner_name, is_public, state, is_open, linked_to, submitted_at, received_at, accepted_at, "
    "acceptance_decided_at, replied_at, closed_at, accepting_agency_id, acceptance_due, handling_due, "
    "review_request_due, extended, next_due, next_due_kind, satisfaction, report_status, petitioner_id_hash, "
    "updated_at"
)
# Not listed: the generated local-date columns (submitted_on, acceptance_decided_on, replied_on), which
# PostgreSQL computes from the *_at columns on COPY as on any insert (COPY may not name them).


def load_cases(count: int, holder_ids: list[int]) -> None:
    from django.db import connection

    rng = random.Random(6)  # noqa: S311 - reproducible synthetic data
    with connection.cursor() as cursor:
        raw = cursor.cursor
        for chunk in case_rows(count, holder_ids, rng):
            raw.copy_expert(f"COPY caseindex_caseindex ({COPY_COLUMNS}) FROM STDIN", io.StringIO(chunk))
        cursor.execute("VACUUM ANALYZE caseindex_caseindex")


def spread_over(holder_ids: list[int]) -> None:
    """Give the same cases to all ``holder_ids`` (round robin on id), as if filed with them."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE holders (n int primary key, agency_id bigint)")
        cursor.execute(
            "INSERT INTO holders SELECT ordinality - 1, id "
            "FROM unnest(%s::bigint[]) WITH ORDINALITY AS t(id)",
            [holder_ids],
        )
        cursor.execute(
            "UPDATE caseindex_caseindex c SET holder_id = h.agency_id, filed_with_id = h.agency_id, "
            "accepting_agency_id = CASE WHEN c.accepting_agency_id IS NULL THEN NULL ELSE h.agency_id END "
            "FROM holders h WHERE h.n = c.id %% %s",
            [len(holder_ids)],
        )
        cursor.execute("DROP TABLE holders")
        # Rewrite the table and its indexes: a fresh load would not carry the update's dead rows.
        cursor.execute("VACUUM FULL ANALYZE caseindex_caseindex")
        # Creating a thousand schemas leaves the catalogs full of dead rows; vacuum them now rather
        # than let autovacuum compete with the measurements on a small machine (steady state).
        cursor.execute("VACUUM ANALYZE")


# --- Measuring -----------------------------------------------------------------------------------


def measure(runs: int, holder_codes: list[str], *, only_kpis: bool = False) -> dict[str, list[float]]:
    from cases.index.models import CaseIndex
    from cases.oversight import kpis
    from cases.oversight import queries as ovs
    from config.heap import freeze_loaded_objects
    from tenants.models import Agency

    # As a web worker does once the application is loaded (config/wsgi.py): what the process has
    # loaded is never walked by a full garbage collection again (the collections during the timed
    # calls are printed).
    freeze_loaded_objects()

    rng = random.Random(7)  # noqa: S311
    numbers = list(CaseIndex.objects.order_by("?").values_list("tracking_number", flat=True)[: runs * 2])
    names = list(CaseIndex.objects.order_by("?").values_list("petitioner_name", flat=True)[: runs * 2])
    agencies = {a.code: a for a in Agency.objects.filter(code__in=holder_codes)}
    codes = list(agencies)
    month = kpis.Period.month(2026, 5)
    timings: dict[str, list[float]] = {
        "dashboard": [],
        "dashboard (agency + period)": [],
        "search: tracking number": [],
        "search: petitioner name": [],
        "search: title text": [],
        "search: agency + state": [],
        "search: date range + type": [],
        "KPI ranking (one month)": [],
        "KPI ranking (a year)": [],
    }

    if only_kpis:
        timings = {name: values for name, values in timings.items() if name.startswith("KPI")}

    def timed(name, call):
        if name not in timings:
            return
        FULL_COLLECTIONS["timing"] = name
        started = time.perf_counter()
        call()
        timings[name].append((time.perf_counter() - started) * 1000)
        FULL_COLLECTIONS["timing"] = None

    for i in range(-1, runs):
        if i == 0:  # the first pass (i == -1) warmed the caches and is not counted
            for values in timings.values():
                values.clear()
            FULL_COLLECTIONS["during"].clear()
        agency = agencies[rng.choice(codes)]
        day = TODAY - timedelta(days=rng.randint(30, 600))
        timed("dashboard", lambda: ovs.dashboard(ovs.DashboardFilters(), today=TODAY))
        timed(
            "dashboard (agency + period)",
            lambda agency=agency: ovs.dashboard(
                ovs.DashboardFilters(agency=agency, period=kpis.Period(date(2026, 1, 1), TODAY)), today=TODAY
            ),
        )
        timed(
            "search: tracking number",
            lambda i=i: ovs.search_cases(ovs.CaseSearch(tracking_number=numbers[i + 1]), today=TODAY),
        )
        timed(
            "search: petitioner name",
            lambda i=i: ovs.search_cases(ovs.CaseSearch(petitioner=names[i + 1]), today=TODAY),
        )
        timed(
            "search: title text",
            lambda: ovs.search_cases(ovs.CaseSearch(text=rng.choice(TOPICS)[2:6]), today=TODAY),
        )
        timed(
            "search: agency + state",
            lambda agency=agency: ovs.search_cases(
                ovs.CaseSearch(agency=agency, state="accepted"), today=TODAY
            ),
        )
        timed(
            "search: date range + type",
            lambda day=day: ovs.search_cases(
                ovs.CaseSearch(date_from=day, date_to=day + timedelta(days=14), petition_type="complaint"),
                today=TODAY,
            ),
        )
        timed("KPI ranking (one month)", lambda: kpis.ranking(month, today=TODAY))
        timed(
            "KPI ranking (a year)",
            lambda: kpis.ranking(kpis.Period(date(2025, 6, 1), date(2026, 5, 31)), today=TODAY),
        )
    for name, spent in FULL_COLLECTIONS["during"].items():
        print(f"  full garbage collections during {name}: {len(spent)} of {runs} runs, {sum(spent):.1f} ms")
    FULL_COLLECTIONS["during"] = {}
    return timings


# The full (generation 2) garbage collections of the process that fell inside a timed call: their
# cost is proportional to every object the process holds, so they show in the p95 (a diagnostic).
FULL_COLLECTIONS: dict = {"timing": None, "started": 0.0, "during": {}}


def _watch_full_collections(phase: str, info: dict) -> None:
    if info["generation"] != 2 or FULL_COLLECTIONS["timing"] is None:
        return
    if phase == "start":
        FULL_COLLECTIONS["started"] = time.perf_counter()
    else:
        spent = (time.perf_counter() - FULL_COLLECTIONS["started"]) * 1000
        FULL_COLLECTIONS["during"].setdefault(FULL_COLLECTIONS["timing"], []).append(spent)


gc.callbacks.append(_watch_full_collections)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--agencies", type=int, default=1000, help="agency schemas in the large run")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument("--only-kpis", action="store_true", help="measure the KPI tables only (quicker)")
    parser.add_argument(
        "--database", default=BENCH_DB, help=f"the database to create and drop (default {BENCH_DB})"
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--build-only", action="store_true", help="build and keep the database (and NAME_30), measure nothing"
    )
    mode.add_argument("--reuse", action="store_true", help="measure the databases --build-only kept")
    args = parser.parse_args()

    if args.reuse:
        small_timings = measure_kept(f"{args.database}_30", args.runs, only_kpis=args.only_kpis)
        large_timings = measure_kept(args.database, args.runs, only_kpis=args.only_kpis)
        from tenants.models import Agency

        report(small_timings, large_timings, Agency.objects.exclude(schema_name="public").count())
        return

    use_fresh_database(args.database)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from tenants.city import AgencySpec
    from tenants.demo import seed_agencies
    from tenants.models import Agency, AgencyKind
    from tenants.provisioning import provision_many

    holder_kinds = [AgencyKind.BUREAU, AgencyKind.DEPARTMENT, AgencyKind.COUNTY]
    call_command("migrate_schemas", shared=True, verbosity=0, interactive=False)
    started = time.perf_counter()
    seed_agencies()
    print(
        f"demo city provisioned: {Agency.objects.exclude(schema_name='public').count()} agency schemas "
        f"in {time.perf_counter() - started:.1f} s"
    )
    small = list(Agency.objects.filter(kind__in=holder_kinds).values_list("id", "code"))
    started = time.perf_counter()
    load_cases(args.cases, [pk for pk, _code in small])
    print(f"{args.cases} cases loaded into CaseIndex in {time.perf_counter() - started:.1f} s")

    if args.build_only:
        copy_database(args.database, f"{args.database}_30")
        small_timings = {}
    else:
        small_timings = measure(args.runs, [code for _pk, code in small], only_kpis=args.only_kpis)

    started = time.perf_counter()
    existing = Agency.objects.exclude(schema_name="public").count()
    extra = [
        AgencySpec(
            f"b{i:04d}",
            AgencyKind.COUNTY if i % 5 == 0 else AgencyKind.DEPARTMENT,
            f"测试单位{i:04d}",
            f"Bench agency {i:04d}",
        )
        for i in range(args.agencies - existing)
    ]
    provision_many(extra)
    total = Agency.objects.exclude(schema_name="public").count()
    print(
        f"provisioned {len(extra)} more agency schemas ({total} in all) "
        f"in {time.perf_counter() - started:.1f} s"
    )
    large = list(Agency.objects.filter(kind__in=holder_kinds).values_list("id", "code"))
    spread_over([pk for pk, _code in large])
    if args.build_only:
        print(f"databases {args.database} and {args.database}_30 kept")
        return
    large_timings = measure(args.runs, [code for _pk, code in large], only_kpis=args.only_kpis)
    report(small_timings, large_timings, total)

    if not args.keep:
        drop_database(args.database)
        print(f"database {args.database} dropped")
    else:
        print(f"database {args.database} kept")


def copy_database(name: str, copy: str) -> None:
    """Keep a copy of the benchmark's database as it stands (CREATE DATABASE ... TEMPLATE)."""
    from benchdb import _connect, _recreate
    from django.conf import settings
    from django.db import connection

    config = settings.DATABASES["default"]
    connection.close()
    _recreate(config, copy, drop_only=True)
    conn = _connect(config, "postgres")
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{name}"')
    conn.close()


def measure_kept(name: str, runs: int, *, only_kpis: bool) -> dict[str, list[float]]:
    """Measure a database kept by --build-only: its case-holding agencies, nothing built."""
    use_kept_database(name)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    use_kept_database(name)  # again, now that Django is set up: the second call switches databases
    from tenants.models import Agency, AgencyKind

    codes = list(
        Agency.objects.filter(
            kind__in=[AgencyKind.BUREAU, AgencyKind.DEPARTMENT, AgencyKind.COUNTY]
        ).values_list("code", flat=True)
    )
    print(f"{name}: {len(codes)} case-holding agencies")
    return measure(runs, codes, only_kpis=only_kpis)


def report(small_timings, large_timings, total: int) -> None:
    print()
    print(
        f"{'operation':32} {'30 agencies p50/p95 ms':>24} "
        f"{f'{total} agencies p50/p95 ms':>26} {'p95 ratio':>10}"
    )
    worst, worst_ratio = 0.0, 0.0
    for name in small_timings:
        s50, s95 = percentile(small_timings[name], 0.5), percentile(small_timings[name], 0.95)
        l50, l95 = percentile(large_timings[name], 0.5), percentile(large_timings[name], 0.95)
        ratio = l95 / s95 if s95 else float("inf")
        worst, worst_ratio = max(worst, s95, l95), max(worst_ratio, ratio)
        print(f"{name:32} {s50:11.1f} / {s95:8.1f}   {l50:12.1f} / {l95:8.1f}   {ratio:9.2f}")
    print()
    print(f"worst p95: {worst:.1f} ms (target ≤ 300), worst ratio 1000/30: {worst_ratio:.2f} (target ≤ 2)")
    print(f"mean of all runs: {statistics.mean(sum(large_timings.values(), [])):.1f} ms at {total} agencies")


if __name__ == "__main__":
    main()
