"""The production server's own queue is bounded: a request that waited too long for one of
gunicorn's threads is answered 503 with Retry-After instead of being worked on after its client gave
up (infra/gunicorn.conf.py, config.gunicorn_worker, config.admission).

A real gunicorn with the production settings file, one worker with one thread and a 0.5 s admission
wait: a slow client holds the only thread for a second (its request line arrives, its last header
line a second later), so a request sent meanwhile waits in gunicorn's queue longer than the budget.
"""

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from tests.tenants.test_surface_processes import _free_port, _test_database_url

pytestmark = pytest.mark.processes

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def gunicorn(tmp_path, django_db_setup):
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": _test_database_url(),
        "HALL_DATA_DIR": str(tmp_path),
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "DJANGO_DEBUG": "1",
        "HALL_DOMAIN": settings.HALL_DOMAIN,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_THREADS": "1",
        "HALL_ADMISSION_SLOTS": "1",
        "HALL_ADMISSION_QUEUE": "0",
        "HALL_ADMISSION_WAIT": "0.5",
        "GUNICORN_ACCESSLOG": "",
    }
    for name in ("HALL_S3_BUCKET", "HALL_TEST_DB_NAME", "DJANGO_ALLOWED_HOSTS"):
        env.pop(name, None)
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603
            [str(Path(sys.executable).parent / "gunicorn"), "-c", "infra/gunicorn.conf.py", "config.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("gunicorn did not start:\n" + log.read_text(errors="replace")[-3000:])
            try:
                if _get(port, "/healthz").status == 200:
                    break
            except OSError:
                time.sleep(0.3)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def _get(port: int, path: str) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers={"Host": settings.HALL_DOMAIN, "Accept": "application/json"})
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


def test_a_request_queued_in_gunicorn_beyond_the_wait_gets_503_at_once(gunicorn):
    slow = socket.create_connection(("127.0.0.1", gunicorn), timeout=30)
    try:
        # The only thread takes this connection and blocks reading the rest of its headers.
        slow.sendall(f"GET /healthz HTTP/1.1\r\nHost: {settings.HALL_DOMAIN}\r\n".encode())
        time.sleep(0.2)
        queued = http.client.HTTPConnection("127.0.0.1", gunicorn, timeout=30)
        queued.request("GET", "/api/v1/petitions/", headers={"Host": settings.HALL_DOMAIN})
        time.sleep(1.0)
        slow.sendall(b"Connection: close\r\n\r\n")
        assert slow.recv(64).startswith(b"HTTP/1.1 200")
        refused = queued.getresponse()
        body = refused.read()
        queued.close()
    finally:
        slow.close()
    assert refused.status == 503, body
    assert refused.getheader("Retry-After") == "2"
    assert b"overloaded" in body
    # Sent to an idle server, the same request is worked on (the API answers, without the gate).
    assert _get(gunicorn, "/api/v1/petitions/").status != 503


def test_a_client_slow_to_send_its_request_is_not_counted_as_queued(gunicorn):
    """Only the wait for a thread counts: a connection opened early (a browser's preconnect) whose
    request follows after more than the admission wait is served like any other."""
    early = socket.create_connection(("127.0.0.1", gunicorn), timeout=30)
    try:
        time.sleep(1.0)
        early.sendall(
            f"GET /api/v1/petitions/ HTTP/1.1\r\nHost: {settings.HALL_DOMAIN}\r\n"
            "Accept: application/json\r\nConnection: close\r\n\r\n".encode()
        )
        status_line = early.recv(64).split(b"\r\n", 1)[0]
    finally:
        early.close()
    assert status_line.startswith(b"HTTP/1.1 "), status_line
    assert status_line.split(b" ")[1] != b"503", status_line


def test_an_idle_keep_alive_connection_outlives_nginxs_so_a_post_on_it_is_never_cut(gunicorn):
    """nginx keeps idle connections to gunicorn open (infra/nginx.conf, upstream keepalive) and reuses
    them; if gunicorn closed one first, a POST nginx sent on it at that moment would be lost (nginx
    does not resend a non-idempotent request: a 502). So gunicorn's keepalive is longer than nginx's
    keepalive_timeout, and a connection idle for longer than gunicorn's old 2 s still serves."""
    conn = http.client.HTTPConnection("127.0.0.1", gunicorn, timeout=30)
    try:
        for pause in (0, 3):
            time.sleep(pause)
            conn.request("GET", "/healthz", headers={"Host": settings.HALL_DOMAIN})
            response = conn.getresponse()
            response.read()
            assert response.status == 200
            assert (response.getheader("Connection") or "").lower() != "close"
    finally:
        conn.close()


def test_gunicorn_keeps_idle_connections_longer_than_nginx_does(monkeypatch):
    import re

    monkeypatch.delenv("GUNICORN_KEEPALIVE", raising=False)
    for name in ("HALL_ADMISSION_SLOTS", "HALL_ADMISSION_QUEUE"):  # set by the file unless set: kept apart
        monkeypatch.setenv(name, os.environ.get(name, "3"))
    config: dict = {}
    exec((ROOT / "infra" / "gunicorn.conf.py").read_text(), config)  # noqa: S102 - our own settings file
    upstream = re.search(r"upstream hall_app \{(.*?)\}", (ROOT / "infra" / "nginx.conf").read_text(), re.S)
    assert upstream is not None and re.search(r"^\s*keepalive \d+;", upstream.group(1), re.M)
    nginx_idle = re.search(r"^\s*keepalive_timeout (\d+)s;", upstream.group(1), re.M)
    assert nginx_idle is not None, "nginx's upstream keepalive_timeout must be explicit (its default is 60 s)"
    assert config["keepalive"] > int(nginx_idle.group(1))
