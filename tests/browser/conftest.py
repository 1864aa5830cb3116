"""Browser tests: a real server thread on the test database, driven by Debian's Chromium.

Why not pytest-django's ``live_server``: it needs transactional tests, which flush every table after
each test, and that would erase the agency registry the session set up (the schemas would stay,
orphaned). Instead one server thread serves the whole session; browser tests commit their data
(``live_db``) with unique names, and run after every other test (tests/conftest.py orders them last),
so nothing they leave can disturb a rolled-back test.
"""

import os
import uuid
from pathlib import Path

import pytest
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.test.testcases import LiveServerThread

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make are still
# synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="session")
def hall_server(django_db_setup, django_db_blocker):
    """A threaded server on 127.0.0.1:<free port> serving every host of the hall."""
    with django_db_blocker.unblock():
        thread = LiveServerThread("127.0.0.1", StaticFilesHandler, port=0)
        thread.daemon = True
        thread.start()
        thread.is_ready.wait()
        if thread.error:
            raise thread.error
        yield thread
        thread.terminate()


@pytest.fixture(scope="session", autouse=True)
def _close_server_connections_at_the_end(django_db_setup, django_db_blocker):
    """End the server's leftover database sessions before the test database is dropped.

    A request thread of the live server holds its connection until Chromium closes the keep-alive
    socket, which it does asynchronously after the browser closes; dropping the database meanwhile
    fails with "being accessed by other users". Set up before hall_server and chromium, so torn down
    after both; it only touches sessions on this run's own test database.
    """
    yield
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture
def live_db(django_db_blocker):
    """Let a browser test write committed data (the server thread has its own connection)."""
    with django_db_blocker.unblock():
        yield


@pytest.fixture
def urls(hall_server):
    """urls.portal("/path"), urls.agency("gaj", "/path")."""
    from django.conf import settings

    port = hall_server.port

    class Urls:
        @staticmethod
        def portal(path: str = "/") -> str:
            return f"http://{settings.HALL_DOMAIN}:{port}{path}"

        @staticmethod
        def agency(code: str, path: str = "/") -> str:
            return f"http://{code}.{settings.HALL_DOMAIN}:{port}{path}"

    return Urls


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed: run the suite with ./run test, which installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium):
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def screenshot(browser_page, request):
    """screenshot("name"): save the page to test-artifacts/<test>-<name>.png."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(name: str, page=None) -> Path:
        path = ARTIFACTS / f"{request.node.name}-{name}.png"
        (page or browser_page).screenshot(path=str(path), full_page=True)
        return path

    return take


def unique_email(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}@example.cn"
