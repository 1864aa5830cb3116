"""Forward, accept and reply with their PDFs (issue 15 item 3: p95 < 500 ms per action).

    .venv/bin/python benchmarks/documents.py [--cases 40] [--keep]

Runs in a database of its own (hall_bench_documents on the embedded server, or DATABASE_URL's server
with that database name): migrates the public schema, provisions the demo city with the journal
replay, files --cases petitions, then walks each through the bureau's forward (转送告知书), the
agency's acceptance (受理告知书) and its reply (信访处理意见书), calling the services the workspace
calls, each a real transaction that commits. Files go to a throw-away local folder.

Each action is measured twice over, on alternate cases:

- **with a worker** (production): the action commits and hands the PDF to the worker
  (cases.services.documents renders after commit); the time is the request's, the render is timed
  separately, as the worker runs it;
- **inline** (CELERY_TASK_ALWAYS_EAGER, no worker): the render runs in the same call right after the
  commit; the time is the action's and its PDF's together.

It prints p50 and p95 per action and mode, the render time per document, the SQL statements per
action, and the PDF renderer's first (cold) and later renders in this process.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "platform")]

from benchdb import drop_database, use_fresh_database  # noqa: E402

BENCH_DB = "hall_bench_documents"
ACTIONS = ("forward", "accept", "reply")
# Distinct matters: the same matter filed twice is linked as a repeat (art. 19), not routed again.
PLACES = "湖滨区 陕州区 义马市 灵宝市 渑池县 卢氏县 开发区 城乡一体化示范区".split()
MATTERS = (
    ("小区物业违规收取停车费", "物业公司从今年起每月多收停车费两百元，没有任何依据"),
    ("路灯长期不亮", "小区门口的路灯坏了三个月，夜间出行很不安全"),
    ("施工噪音扰民", "工地每天夜里十一点后仍在施工，噪音很大无法休息"),
    ("拖欠农民工工资", "建筑公司拖欠我们十二名工人半年工资，多次讨要无果"),
    ("学校周边占道经营", "学校门口的流动摊贩占道经营，上下学时交通堵塞"),
)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=40, help="petitions walked through (half per mode)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    use_fresh_database(BENCH_DB)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "1"
    media = tempfile.mkdtemp(prefix="hall-bench-documents-")
    import django

    django.setup()
    from django.conf import settings

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": media}},
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from config.celery_app import app as celery_app

    celery_app.conf.task_always_eager = True

    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.models import Membership, Role, User
    from cases import services
    from cases.models import Document
    from cases.services import Actor, PetitionerInput, PetitionInput
    from cases.services import documents as staged
    from tenants.demo import seed_agencies
    from tenants.models import Agency

    call_command("migrate_schemas", shared=True, verbosity=0, interactive=False)
    seed_agencies()
    bureau, agency = Agency.objects.get(code="xfj"), Agency.objects.get(code="gaj")

    def member(email: str, where: Agency, role: str) -> User:
        user = User.objects.create_user(username=email, email=email, full_name=email.split("@")[0])
        Membership.objects.create(user=user, agency=where, role=role)
        return user

    clerk = Actor.staff(member("clerk@xfj.bench", bureau, Role.HANDLER), bureau)
    handler = Actor.staff(member("handler@gaj.bench", agency, Role.HANDLER), agency)

    # The renderer in this process: the first render parses the font, the later ones reuse it.
    from datetime import date

    from documents.services import render_document

    sample = {
        "kind": "acceptance_notice",
        "number": "三公信受〔2026〕999号",
        "agency_name": agency.name_zh,
        "agency_code": agency.code,
        "issued_on": date(2026, 6, 15),
        "fields": {
            "petitioner_name": "张三",
            "tracking_number": "XF000",
            "title": "路灯不亮",
            "deadline": "x",
        },
    }
    started = time.perf_counter()
    render_document(**sample)
    cold_ms = (time.perf_counter() - started) * 1000
    warm, warm_cpu = [], []
    for _ in range(10):
        started, started_cpu = time.perf_counter(), time.process_time()
        render_document(**sample)
        warm.append((time.perf_counter() - started) * 1000)
        warm_cpu.append((time.process_time() - started_cpu) * 1000)

    timings: dict[tuple[str, str], list[float]] = {(a, m): [] for a in ACTIONS for m in ("worker", "inline")}
    cpu: dict[tuple[str, str], list[float]] = {(a, m): [] for a in ACTIONS for m in ("worker", "inline")}
    statements: dict[str, list[int]] = {a: [] for a in ACTIONS}
    renders: list[float] = []
    renders_cpu: list[float] = []
    held: list[str] = []

    def keep_for_the_worker(document_id: str) -> None:
        held.append(document_id)

    def worker_renders() -> None:
        # What the worker does for each document the action staged, timed one by one.
        while held:
            document_id = held.pop()
            started, started_cpu = time.perf_counter(), time.process_time()
            assert staged.render_staged_document(uuid.UUID(document_id)) == "ready"
            renders.append((time.perf_counter() - started) * 1000)
            renders_cpu.append((time.process_time() - started_cpu) * 1000)

    actions = {
        "forward": lambda case_uuid: services.forward_case(case_uuid=case_uuid, actor=clerk, target=agency),
        "accept": lambda case_uuid: services.accept_case(case_uuid=case_uuid, actor=handler),
        "reply": lambda case_uuid: services.reply_case(
            case_uuid=case_uuid,
            actor=handler,
            opinion="support",
            text="经调查核实，反映的情况属实，已责成物业公司退还多收的停车费，并向业主公开收费依据。",
        ),
    }
    real_enqueue = staged._enqueue_render
    for number in range(args.cases):
        place, (matter, detail) = PLACES[number % len(PLACES)], MATTERS[number % len(MATTERS)]
        # One citizen each: the repeat-matter check compares a citizen's petitions with each other.
        citizen = User.objects.create_user(
            username=f"bench{number}@example.cn", email=f"bench{number}@example.cn", full_name="张三"
        )
        filed = services.submit_petition(
            actor=Actor.citizen(citizen),
            filed_with=bureau,
            petition=PetitionInput(
                "complaint",
                f"{place}{matter}（第{number + 1}件）",
                f"我是{place}第{number + 1}号楼的住户，{detail}，编号{uuid.uuid4().hex[:8]}，请查处。",
            ),
            petitioner=PetitionerInput(name="张三", phone="13800138000", address="三门峡市湖滨区黄河路1号"),
        )
        mode = "worker" if number % 2 == 0 else "inline"
        staged._enqueue_render = keep_for_the_worker if mode == "worker" else real_enqueue
        for name in ACTIONS:
            with CaptureQueriesContext(connection) as queries:
                started, started_cpu = time.perf_counter(), time.process_time()
                actions[name](filed.case_uuid)
                timings[(name, mode)].append((time.perf_counter() - started) * 1000)
                cpu[(name, mode)].append((time.process_time() - started_cpu) * 1000)
            if mode == "worker":
                statements[name].append(len(queries.captured_queries))
                worker_renders()
    staged._enqueue_render = real_enqueue

    connection.set_schema_to_public()
    from django_tenants.utils import schema_context

    with schema_context(agency.schema_name):
        pending = Document.objects.exclude(status="ready").count()
        ready = Document.objects.filter(status="ready").count()

    load = os.getloadavg()[0]
    print(
        f"machine: {os.cpu_count()} cores, load average {load:.1f} at the end; {args.cases} petitions, "
        f"{ready} documents rendered, {pending} left"
    )
    print("wall = elapsed time; cpu = this process's CPU time (not PostgreSQL's, nor the wait for a core)")
    print(
        f"render_document alone: first {cold_ms:.0f} ms (parses the font), then wall p50 "
        f"{statistics.median(warm):.0f} ms, cpu p50 {statistics.median(warm_cpu):.0f} ms"
    )
    print(
        f"worker's job per document (render, store, mark ready): wall p50 {statistics.median(renders):.0f} ms"
        f"  p95 {percentile(renders, 0.95):.0f} ms; cpu p50 {statistics.median(renders_cpu):.0f} ms"
        f"  p95 {percentile(renders_cpu, 0.95):.0f} ms  (n={len(renders)})"
    )
    print(f"{'action':<9}{'mode':<31}{'wall p50':>9}{'p95':>7}{'cpu p50':>9}{'p95':>7}{'SQL':>6}")
    for name in ACTIONS:
        for mode, label in (
            ("worker", "with a worker (request only)"),
            ("inline", "inline (action + its PDF)"),
        ):
            values, cpus = timings[(name, mode)], cpu[(name, mode)]
            sql = f"{statistics.median(statements[name]):.0f}" if mode == "worker" else ""
            print(
                f"{name:<9}{label:<31}{statistics.median(values):9.0f}{percentile(values, 0.95):7.0f}"
                f"{statistics.median(cpus):9.0f}{percentile(cpus, 0.95):7.0f}{sql:>6}"
            )
    if not args.keep:
        drop_database(BENCH_DB)


if __name__ == "__main__":
    main()
