"""The key background guarantees again on the real Redis broker (issue 13), with a real worker process:
a task runs in the schema it was enqueued in, a worker SIGKILLed mid-task leaves the task to be redone
with one effect, nothing is enqueued for a transaction that rolled back, and the daily sweep's
per-agency batches run on the worker.

Redis keeps an unacknowledged message in its ``unacked`` set and hands it back once the visibility
timeout has passed (HALL_CELERY_VISIBILITY_TIMEOUT, a few seconds here), where RabbitMQ does so when the
connection drops. The worker helpers are tests/background/test_worker_processes.py's, pointed at Redis.
"""

import os
import time
import uuid
from contextlib import contextmanager
from datetime import date

import psycopg2
import pytest
from django.db import connection, transaction

from tests.background.test_worker_processes import (
    EFFECT_TIMEOUT,
    Worker,
    _test_database_url,
    _wait_for,
    committed,  # noqa: F401 - a fixture
    data_dir,  # noqa: F401 - a fixture
)

pytestmark = pytest.mark.processes

REDIS_URL = os.environ.get("HALL_TEST_REDIS_URL", "redis://127.0.0.1:6379/9")
VISIBILITY_SECONDS = 5


def redis_worker(queue: str, folder, **env: str) -> Worker:
    return Worker(
        queue,
        folder,
        CELERY_BROKER_URL=REDIS_URL,
        HALL_CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_SECONDS),
        **env,
    )


@contextmanager
def on_redis(queue: str):
    """This process enqueues on Redis (not inline) for the duration."""
    from config.celery_app import app

    keys = ("broker_url", "task_always_eager", "task_default_queue", "broker_transport_options")
    saved = {key: app.conf[key] for key in keys}

    def reset() -> None:
        app._pool = None
        app.__dict__.pop("amqp", None)

    app.conf.update(
        broker_url=REDIS_URL,
        task_always_eager=False,
        task_default_queue=queue,
        broker_transport_options={"visibility_timeout": VISIBILITY_SECONDS},
    )
    reset()
    try:
        yield app
    finally:
        app.conf.update(saved)
        reset()


def _redis():
    import redis

    return redis.Redis.from_url(REDIS_URL)


def _waiting_messages(queue: str) -> int:
    # kombu's Redis transport keeps a queue as a list (one more list per priority level).
    client = _redis()
    return sum(client.llen(key) for key in client.keys(f"{queue}*") if client.type(key) == b"list")


@pytest.fixture
def queue():
    name = f"hall-redis-test-{uuid.uuid4().hex[:10]}"
    yield name
    client = _redis()
    for key in client.keys(f"{name}*"):
        client.delete(key)


def test_redis_is_there():
    assert _redis().ping()


def test_on_redis_a_task_enqueued_for_an_agency_runs_in_its_schema(committed, data_dir, queue):  # noqa: F811
    from tenants.models import Agency
    from tests.background.probe_tasks import probe_schema

    agency = Agency.objects.get(code="gaj")
    other = Agency.objects.get(code="jyj")
    reports = {name: data_dir / f"{name}.txt" for name in ("agency", "other", "public")}
    worker = redis_worker(queue, data_dir)
    try:
        with on_redis(queue):
            for who, report in ((agency, reports["agency"]), (other, reports["other"])):
                connection.set_tenant(who)
                try:
                    probe_schema.delay(str(report))
                finally:
                    connection.set_schema_to_public()
            probe_schema.delay(str(reports["public"]))
        _wait_for(
            lambda: all(p.exists() and p.read_text() for p in reports.values()),
            timeout=EFFECT_TIMEOUT,
            what="the probe tasks did not run",
            log=worker.log,
        )
    finally:
        worker.stop()
    assert reports["agency"].read_text().split()[0] == agency.schema_name
    # Another agency's task never runs in the first one's schema (nor it in the other's).
    assert reports["other"].read_text().split()[0] == other.schema_name
    assert reports["public"].read_text() == "public"


def test_on_redis_a_worker_killed_mid_task_leaves_it_to_be_redone_with_one_effect(
    committed,  # noqa: F811
    data_dir,  # noqa: F811
    queue,
):
    from notifications.models import Delivery, DeliveryStatus, Notification
    from notifications.tasks import notify_staff

    staff = committed("killed-on-redis")
    key = f"arrived:{uuid.uuid4().hex}"
    # Another connection holds the inbox row's key, uncommitted: the worker's insert waits on it.
    blocker = psycopg2.connect(_test_database_url())
    worker = redis_worker(queue, data_dir)
    try:
        with blocker.cursor() as cursor:
            cursor.execute(
                "INSERT INTO notifications_notification (id, user_id, tracking_number, kind, subject,"
                " body, needs_action, created_at, idempotency_key, params)"
                " VALUES (%s, %s, '', 'blocker', 's', 'b', false, now(), %s, '{}')",
                (str(uuid.uuid4()), staff.pk, f"{key}:{staff.pk}"),
            )
        with on_redis(queue):
            notify_staff.delay(
                user_ids=[staff.pk], kind="case_arrived", subject="新件", body="有新件", key=key
            )

        def waiting_on_the_row() -> bool:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND wait_event_type = 'Lock' AND query ILIKE %s",
                    ["%notifications_notification%"],
                )
                return cursor.fetchone()[0] > 0

        _wait_for(waiting_on_the_row, timeout=EFFECT_TIMEOUT, what="the task never started", log=worker.log)
        worker.kill()
        blocker.rollback()
        assert not Notification.objects.filter(user=staff).exists()
        # The message is still Redis's, unacknowledged; past the visibility timeout the next worker
        # gets it back.
        assert _redis().hlen("unacked") >= 1
        time.sleep(VISIBILITY_SECONDS + 1)
        worker = redis_worker(queue, data_dir)
        _wait_for(
            lambda: Delivery.objects.filter(user=staff, status=DeliveryStatus.SENT).exists(),
            timeout=EFFECT_TIMEOUT,
            what="the task was not redone",
            log=worker.log,
        )
        with on_redis(queue):  # the same message once more changes nothing
            notify_staff.delay(
                user_ids=[staff.pk], kind="case_arrived", subject="新件", body="有新件", key=key
            )
        _wait_for(lambda: _waiting_messages(queue) == 0, timeout=EFFECT_TIMEOUT, what="not consumed")
        time.sleep(2)
    finally:
        worker.stop()
        blocker.close()
    assert Notification.objects.filter(user=staff).count() == 1
    delivery = Delivery.objects.get(user=staff)
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 1


def test_on_redis_nothing_is_enqueued_for_a_transaction_that_rolls_back(committed, queue):  # noqa: F811
    from notifications.services import enqueue_case_event

    citizen = committed("rollback-on-redis")

    class Rollback(Exception):
        pass

    with on_redis(queue):
        with pytest.raises(Rollback), transaction.atomic():
            enqueue_case_event(case_uuid=uuid.uuid4(), citizen_id=citizen.pk, event_kind="accepted")
            raise Rollback
        assert _waiting_messages(queue) == 0
        with transaction.atomic():
            enqueue_case_event(case_uuid=uuid.uuid4(), citizen_id=citizen.pk, event_kind="accepted")
            assert _waiting_messages(queue) == 0  # not before the commit
        assert _waiting_messages(queue) == 1


def test_on_redis_the_sweep_runs_its_agency_batches_on_the_worker(committed, data_dir, queue):  # noqa: F811
    """Beat's task plans in this process and enqueues one task per agency; the worker does them."""
    from cases.index.models import CaseIndex, ClockAlert
    from cases.models import CaseState
    from cases.oversight import tasks
    from tenants.models import Agency
    from tests.oversight.test_sweep_clocks import hand_case

    agency_a, agency_b = Agency.objects.get(code="gaj"), Agency.objects.get(code="jyj")
    rows = [
        hand_case(agency_a, CaseState.ACCEPTED, handling_due=date(2026, 2, 23)),  # overdue on 02-24
        hand_case(agency_b, CaseState.SIGNED, acceptance_due=date(2026, 2, 26)),  # due soon
    ]
    uuids = [row.case_uuid for row in rows]
    worker = redis_worker(queue, data_dir)
    try:
        with on_redis(queue):
            assert tasks.sweep_deadlines("2026-02-24")["orders"] == []  # planned, not run here
            tasks.sweep_deadlines("2026-02-24")  # beat firing twice: the same work, done once
        _wait_for(
            lambda: (
                ClockAlert.objects.filter(case_uuid__in=uuids).count() == 2 and _waiting_messages(queue) == 0
            ),
            timeout=EFFECT_TIMEOUT,
            what="the sweep batches did not run",
            log=worker.log,
        )
        time.sleep(2)
        assert set(ClockAlert.objects.filter(case_uuid__in=uuids).values_list("clock", "action")) == {
            ("handling", "overdue"),
            ("acceptance", "reminded"),
        }
    finally:
        worker.stop()
        with transaction.atomic():
            ClockAlert.objects.filter(case_uuid__in=uuids).delete()
            for row in rows:
                with schema_for(row):
                    from cases.models import Case

                    Case.objects.filter(pk=row.case_uuid).delete()
            CaseIndex.objects.filter(case_uuid__in=uuids).delete()
    assert worker.log.read_text(errors="replace").count("cases.tasks.sweep_agency") >= 2


@contextmanager
def schema_for(row):
    from django_tenants.utils import schema_context

    with schema_context(row.holder.schema_name):
        yield
