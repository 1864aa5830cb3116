"""Background work end to end: a real Celery worker process on a real broker.

The broker is the RabbitMQ on loopback (HALL_TEST_BROKER_URL): the Redis transport needs the ``redis``
client package, which the hall does not declare, while ``amqp`` comes with Celery. A worker lost
mid-task drops its connection and RabbitMQ hands the unacknowledged message to the next worker.

Each test starts ``celery worker`` from the virtualenv (the command ``./run`` uses,
tenants.management.commands.serve_hall.worker_command) on a queue of its own, against this run's
test database; the data it reads is committed here (as tests/tenants/test_surface_processes.py does)
and removed at the end. Every wait is bounded and every process is stopped by its pid.
"""

import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, quote

import kombu
import psycopg2
import pytest
from django.conf import settings
from django.db import connection, transaction

pytestmark = pytest.mark.processes

ROOT = Path(__file__).resolve().parents[2]
BROKER_URL = os.environ.get("HALL_TEST_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")
READY_TIMEOUT = 90  # seconds for a worker to connect (two shared cores)
EFFECT_TIMEOUT = 60
SMS_SECRET = "fake-gateway-secret"


def _test_database_url() -> str:
    db = connection.settings_dict
    auth = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = quote(str(db["HOST"] or "127.0.0.1"), safe="")
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{auth}@{host}{port}/{quote(db['NAME'], safe='')}"


def _wait_for(check: Callable[[], object], *, timeout: float, what: str, log: Path | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.3)
    tail = log.read_text(errors="replace")[-4000:] if log and log.exists() else ""
    pytest.fail(f"{what} within {timeout} s\n{tail}")


def _text(path: Path) -> str:
    return path.read_text() if path.exists() else ""


class Worker:
    """One ``celery worker`` process (its own process group) on ``queue``."""

    def __init__(self, queue: str, data_dir: Path, **env: str) -> None:
        from tenants.management.commands.serve_hall import worker_command

        self.log = data_dir / f"worker-{uuid.uuid4().hex[:6]}.log"
        environment = {
            **os.environ,
            "DATABASE_URL": _test_database_url(),
            "CELERY_BROKER_URL": BROKER_URL,
            "HALL_CELERY_QUEUE": queue,
            "HALL_DATA_DIR": str(data_dir),
            "DJANGO_SECRET_KEY": settings.SECRET_KEY,  # the same field key: it decrypts what we wrote
            "HALL_FIELD_KEY": settings.HALL_FIELD_KEY,
            "PYTHONPATH": str(ROOT),  # tests.background.probe_tasks
            "PYTHONUNBUFFERED": "1",
            **env,
        }
        for name in ("HALL_TEST_DB_NAME", "CELERY_TASK_ALWAYS_EAGER"):
            environment.pop(name, None)
        command = worker_command(beat=False, queue=queue, concurrency=1)
        command += ["--include", "tests.background.probe_tasks", "--without-mingle", "--without-gossip"]
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(  # noqa: S603
                command,
                cwd=ROOT,
                env=environment,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        _wait_for(self._ready, timeout=READY_TIMEOUT, what="the worker was not ready", log=self.log)

    def _ready(self) -> bool:
        if self.process.poll() is not None:
            pytest.fail(f"the worker exited:\n{self.log.read_text(errors='replace')[-4000:]}")
        return " ready." in self.log.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL for the worker and its pool: the machine lost, nothing cleaned up."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, 9)
            self.process.wait(timeout=15)

    def stop(self) -> None:
        from tenants.management.commands.serve_hall import stop_worker

        stop_worker(self.process, timeout=15)


@contextmanager
def real_broker(queue: str):
    """This process enqueues on Redis (not inline) for the duration."""
    from config.celery_app import app

    keys = ("broker_url", "task_always_eager", "task_default_queue", "broker_transport_options")
    saved = {key: app.conf[key] for key in keys}

    def reset() -> None:
        app._pool = None
        app.__dict__.pop("amqp", None)  # its queues and producer pool were made for the old broker

    app.conf.update(
        broker_url=BROKER_URL,
        task_always_eager=False,
        task_default_queue=queue,
        broker_transport_options={},
    )
    reset()
    try:
        yield app
    finally:
        app.conf.update(saved)
        reset()


class FakeGateway:
    """An Aliyun-style SendSms endpoint on loopback: checks the signature, answers from a script."""

    def __init__(self, answers: list[tuple[int, dict]]) -> None:
        self.answers = list(answers)
        self.requests: list[dict[str, str]] = []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                from notifications.sms import aliyun_signature

                length = int(self.headers.get("Content-Length", 0))
                params = dict(parse_qsl(self.rfile.read(length).decode()))
                signature = params.pop("Signature", "")
                params["_signature_ok"] = str(aliyun_signature(params, secret=SMS_SECRET) == signature)
                gateway.requests.append(params)
                status, reply = gateway.answers.pop(0) if gateway.answers else (200, {"Code": "OK"})
                body = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


@pytest.fixture
def committed(django_db_setup, django_db_blocker):
    """Committed rows for the worker to read; the users made through ``make_user`` are deleted after."""
    from accounts.models import User

    made: list[int] = []

    def make_user(label: str) -> User:
        email = f"{label}-{uuid.uuid4().hex[:8]}@example.cn"
        user = User.objects.create(username=email, email=email, full_name=label)
        made.append(user.pk)
        return user

    with django_db_blocker.unblock():
        try:
            yield make_user
        finally:
            connection.set_schema_to_public()
            User.objects.filter(pk__in=made).delete()


@pytest.fixture
def data_dir():
    return Path(tempfile.mkdtemp(prefix="hall-worker-"))


def _declared(channel, name: str):
    # As Celery declares a task queue: a durable direct exchange and queue of the same name.
    return kombu.Queue(name, kombu.Exchange(name), routing_key=name)(channel)


def _waiting_messages(name: str) -> int:
    with kombu.Connection(BROKER_URL, connect_timeout=10) as conn, conn.channel() as channel:
        queue = _declared(channel, name)
        queue.declare()
        return queue.queue_declare(passive=True).message_count


@pytest.fixture
def queue():
    name = f"hall-test-{uuid.uuid4().hex[:10]}"
    yield name
    with kombu.Connection(BROKER_URL, connect_timeout=10) as conn, conn.channel() as channel:
        queue = _declared(channel, name)
        queue.delete()
        queue.exchange.delete()


def test_a_task_enqueued_for_an_agency_runs_in_its_schema(committed, data_dir, queue):
    from tenants.models import Agency
    from tests.background.probe_tasks import probe_schema

    agency = Agency.objects.get(code="gaj")
    reports = {name: data_dir / f"{name}.txt" for name in ("agency", "public")}
    worker = Worker(queue, data_dir)
    try:
        with real_broker(queue):
            connection.set_tenant(agency)
            try:
                probe_schema.delay(str(reports["agency"]))
            finally:
                connection.set_schema_to_public()
            probe_schema.delay(str(reports["public"]))
        _wait_for(
            lambda: all(p.exists() for p in reports.values()),
            timeout=EFFECT_TIMEOUT,
            what="the probe tasks did not run",
            log=worker.log,
        )
    finally:
        worker.stop()
    # In the agency's schema the task reads the agency's cases table ...
    schema, cases = reports["agency"].read_text().split()
    assert schema == agency.schema_name and int(cases) >= 0
    # ... and one enqueued outside any agency runs in the public schema, which has no such table.
    assert reports["public"].read_text() == "public"


def test_a_worker_killed_mid_task_leaves_it_to_be_redone_with_one_effect(committed, data_dir, queue):
    from notifications.models import Delivery, DeliveryStatus, Notification
    from notifications.tasks import notify_staff

    staff = committed("killed-worker")
    key = f"arrived:{uuid.uuid4().hex}"
    # Another connection holds the inbox row's key, uncommitted: the worker's insert waits on it,
    # mid-task, until we let go.
    blocker = psycopg2.connect(_test_database_url())
    worker = Worker(queue, data_dir)
    try:
        with blocker.cursor() as cursor:
            cursor.execute(
                "INSERT INTO notifications_notification (id, user_id, tracking_number, kind, subject,"
                " body, needs_action, created_at, idempotency_key, params)"
                " VALUES (%s, %s, '', 'blocker', 's', 'b', false, now(), %s, '{}')",
                (str(uuid.uuid4()), staff.pk, f"{key}:{staff.pk}"),
            )
        with real_broker(queue):
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
        worker = Worker(queue, data_dir)  # the broker gives the unacknowledged message back
        _wait_for(
            lambda: Delivery.objects.filter(user=staff, status=DeliveryStatus.SENT).exists(),
            timeout=EFFECT_TIMEOUT,
            what="the task was not redone",
            log=worker.log,
        )
        # The same message again (a second redelivery) changes nothing either.
        with real_broker(queue):
            notify_staff.delay(
                user_ids=[staff.pk], kind="case_arrived", subject="新件", body="有新件", key=key
            )
        time.sleep(3)
    finally:
        worker.stop()
        blocker.close()
    assert Notification.objects.filter(user=staff).count() == 1
    delivery = Delivery.objects.get(user=staff)
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 1


def test_nothing_is_enqueued_for_a_transaction_that_rolls_back(committed, queue):
    from notifications.services import enqueue_case_event

    citizen = committed("rollback")

    class Rollback(Exception):
        pass

    with real_broker(queue):
        with pytest.raises(Rollback), transaction.atomic():
            enqueue_case_event(case_uuid=uuid.uuid4(), citizen_id=citizen.pk, event_kind="accepted")
            raise Rollback
        assert _waiting_messages(queue) == 0
        # The control: the same call in a transaction that commits puts one message on the queue.
        with transaction.atomic():
            enqueue_case_event(case_uuid=uuid.uuid4(), citizen_id=citizen.pk, event_kind="accepted")
            assert _waiting_messages(queue) == 0  # not before the commit
        assert _waiting_messages(queue) == 1


def test_an_sms_goes_through_the_gateway_and_a_failure_is_retried(committed, data_dir, queue):
    from django.utils import timezone

    from config.crypto import lookup_hash
    from notifications.models import ChannelPreference, Delivery, DeliveryStatus, VerifiedPhone

    gateway = FakeGateway([(200, {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "busy"})])
    citizen = committed("sms")
    VerifiedPhone.objects.create(
        user=citizen, phone="13912345678", phone_hash=lookup_hash("13912345678"), verified_at=timezone.now()
    )
    ChannelPreference.objects.create(user=citizen, email=False, sms=True)
    worker = Worker(
        queue,
        data_dir,
        HALL_SMS_BACKEND="aliyun",
        HALL_SMS_URL=gateway.url,
        HALL_SMS_ACCESS_KEY_ID="fake-key",
        HALL_SMS_ACCESS_KEY_SECRET=SMS_SECRET,
        HALL_SMS_SIGN_NAME="信访测试",
        HALL_SMS_TEMPLATES="case_arrived=SMS_000123",
        HALL_DELIVERY_RETRY_BASE_SECONDS="1",
    )
    from notifications.tasks import notify_staff

    try:
        with real_broker(queue):
            notify_staff.delay(
                user_ids=[citizen.pk], kind="case_arrived", subject="新件", body="b", key=uuid.uuid4().hex
            )
        _wait_for(
            lambda: Delivery.objects.filter(user=citizen, status=DeliveryStatus.SENT).exists(),
            timeout=EFFECT_TIMEOUT,
            what="the SMS was not delivered",
            log=worker.log,
        )
    finally:
        worker.stop()
        gateway.close()
    delivery = Delivery.objects.get(user=citizen)
    assert delivery.channel == "sms" and delivery.attempts == 2 and delivery.last_error == ""
    assert delivery.recipient_masked == "139****5678"
    assert len(gateway.requests) == 2
    for request in gateway.requests:
        assert request["_signature_ok"] == "True"
        assert request["PhoneNumbers"] == "13912345678" and request["TemplateCode"] == "SMS_000123"
        assert request["SignName"] == "信访测试" and request["AccessKeyId"] == "fake-key"
    assert re.search(r"isv\.BUSINESS_LIMIT_CONTROL", worker.log.read_text(errors="replace"))


def test_the_phone_sign_in_round_trip_through_the_worker_and_the_gateway(committed, data_dir, queue):
    from allauth.account.models import EmailAddress
    from django.utils import timezone

    from config.crypto import lookup_hash
    from notifications.models import VerifiedPhone
    from tests.conftest import HostClient

    gateway = FakeGateway([])
    citizen = committed("phone-sign-in")
    EmailAddress.objects.create(user=citizen, email=citizen.email, verified=True, primary=True)
    VerifiedPhone.objects.create(
        user=citizen, phone="13700001111", phone_hash=lookup_hash("13700001111"), verified_at=timezone.now()
    )
    worker = Worker(
        queue,
        data_dir,
        HALL_SMS_BACKEND="aliyun",
        HALL_SMS_URL=gateway.url,
        HALL_SMS_ACCESS_KEY_ID="fake-key",
        HALL_SMS_ACCESS_KEY_SECRET=SMS_SECRET,
        HALL_SMS_TEMPLATES="phone_code_sign_in=SMS_LOGIN",
    )
    client = HostClient(settings.HALL_DOMAIN)
    try:
        with real_broker(queue):
            asked = client.post("/accounts/phone/login/", {"action": "send_code", "phone": "13700001111"})
        assert asked.status_code == 200
        request = _wait_for(
            lambda: next((r for r in gateway.requests if r["TemplateCode"] == "SMS_LOGIN"), None),
            timeout=EFFECT_TIMEOUT,
            what="the code was not sent",
            log=worker.log,
        )
    finally:
        worker.stop()
        gateway.close()
    assert request["_signature_ok"] == "True" and request["PhoneNumbers"] == "13700001111"
    code = json.loads(request["TemplateParam"])["code"]
    signed_in = client.post(
        "/accounts/phone/login/", {"action": "sign_in", "phone": "13700001111", "code": code}
    )
    assert signed_in.status_code == 302, signed_in.content.decode()[:2000]
    assert client.get("/accounts/profile/").wsgi_request.user == citizen


def test_without_a_broker_url_the_folder_broker_carries_tasks_between_processes(committed, data_dir, queue):
    """What ``./run`` uses when CELERY_BROKER_URL is unset: kombu's filesystem transport in
    HALL_DATA_DIR/broker, written by one process and read by the worker, nothing in the working tree."""
    report = data_dir / "folder.txt"
    worker = Worker(queue, data_dir, CELERY_BROKER_URL="filesystem://")
    try:
        enqueue = (
            f"from tests.background.probe_tasks import probe_schema; probe_schema.delay({str(report)!r})"
        )
        env = {
            **os.environ,
            "DATABASE_URL": _test_database_url(),
            "HALL_DATA_DIR": str(data_dir),
            "HALL_CELERY_QUEUE": queue,
            "DJANGO_SECRET_KEY": settings.SECRET_KEY,
            "PYTHONPATH": str(ROOT),
        }
        for name in ("CELERY_BROKER_URL", "CELERY_TASK_ALWAYS_EAGER", "HALL_TEST_DB_NAME"):
            env.pop(name, None)
        subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", "shell", "-c", enqueue], cwd=ROOT, env=env, check=True, timeout=90
        )
        _wait_for(
            report.exists, timeout=EFFECT_TIMEOUT, what="the folder broker lost the task", log=worker.log
        )
    finally:
        worker.stop()
    assert report.read_text().startswith("public")
    assert (data_dir / "broker" / "control").is_dir()
    assert not (ROOT / "control").exists() and not (ROOT / "platform" / "control").exists()
