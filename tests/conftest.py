"""Session-wide fixtures: the demo city's schemas are provisioned once per test session.

Each test then runs inside a transaction that is rolled back (pytest-django's ``db``), so users,
memberships and cases made by a test vanish after it while the 30 schemas stay.
"""

import pytest
from django.db import connection
from django.test import Client

from accounts.models import Membership, Role, User
from tenants.hosts import agency_host
from tenants.models import Agency


def pytest_configure(config):
    from django.conf import settings

    config.addinivalue_line(
        "markers", "processes: starts the hall as separate server processes on loopback (runs last)"
    )

    # Password hashing is deliberately slow; the suite creates hundreds of users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Files the tests store go to a throw-away folder, not the development media folder.
    import tempfile

    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="hall-test-media-")
    # WhiteNoise looks for collected files at start; the tests serve them from the source folders.
    settings.STATIC_ROOT = tempfile.mkdtemp(prefix="hall-test-static-")
    # Static files straight from the source folders: the manifest storage of production would need a
    # collectstatic run before every session.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # API request limits out of the way: every test's anonymous client is 127.0.0.1 and the cache
    # lives for the session; tests/api/test_api_auth.py sets low limits where it tests them.
    settings.HALL_API_RATES = {"token": (100_000, 60), "user": (100_000, 60), "anon": (100_000, 60)}
    # Tasks run inline in the ordinary tests; tests/background start a real worker on Redis.
    settings.CELERY_TASK_ALWAYS_EAGER = True
    from config.celery_app import app as celery_app

    celery_app.conf.task_always_eager = True
    _give_test_clients_surface_sessions()


def _give_test_clients_surface_sessions():
    """Make Django's test Client sign in the way the hall's session middleware expects.

    Each surface has its own session cookie and every session records its surface
    (tenants.sessions); Client.force_login and Client.session use SESSION_COOKIE_NAME and store an
    unmarked session, which the middleware would refuse. Here they use the cookie and the stamp of
    the surface of the client's host (HTTP_HOST).
    """
    import time
    from importlib import import_module

    from django.conf import settings
    from django.http import HttpRequest

    from tenants.sessions import session_cookie_name, stamp_session, surface_of_host

    def surface(client) -> str:
        return surface_of_host(client.defaults.get("HTTP_HOST", settings.HALL_DOMAIN))

    def session(self):
        engine = import_module(settings.SESSION_ENGINE)
        name = session_cookie_name(surface(self))
        cookie = self.cookies.get(name)
        if cookie:
            return engine.SessionStore(cookie.value)
        store = engine.SessionStore()
        stamp_session(store, surface(self), now=time.time())
        store.save()
        self.cookies[name] = store.session_key
        return store

    def _login(self, user, backend=None):
        from django.contrib.auth import login

        request = HttpRequest()
        request.session = self.session
        login(request, user, backend)
        stamp_session(request.session, surface(self), now=time.time())
        request.session.save()
        self._set_login_cookies(request)

    def _set_login_cookies(self, request):
        name = session_cookie_name(surface(self))
        self.cookies[name] = request.session.session_key
        self.cookies[name].update(
            {
                "max-age": None,
                "path": "/",
                "domain": settings.SESSION_COOKIE_DOMAIN,
                "secure": settings.SESSION_COOKIE_SECURE or None,
                "expires": None,
            }
        )

    Client.session = property(session)  # type: ignore[assignment]
    Client._login = _login  # type: ignore[method-assign]
    Client._set_login_cookies = _set_login_cookies  # type: ignore[method-assign]


def pytest_collection_modifyitems(config, items):
    # Browser tests commit data (see tests/browser/conftest.py): run them after everything else.
    # So do the tests that start server processes (tests/tenants/test_surface_processes.py).
    items.sort(
        key=lambda item: (
            item.get_closest_marker("browser") is not None or item.get_closest_marker("processes") is not None
        )
    )


@pytest.fixture(scope="session")
def django_db_setup(request, django_test_environment, django_db_blocker):
    """Create the test database and provision the demo city's 30 schemas once.

    Replaces pytest-django's fixture, which sets up only the databases that the collected tests mark
    as used: a run of browser tests alone (they commit their data and carry no django_db mark) would
    otherwise reach the development database.
    """
    from django.test.utils import setup_databases, teardown_databases

    from tenants.demo import seed_agencies

    with django_db_blocker.unblock():
        db_cfg = setup_databases(
            verbosity=request.config.option.verbose,
            interactive=False,
            aliases={"default"},
            serialized_aliases=set(),
        )
        seed_agencies()
        connection.set_schema_to_public()
    yield
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        with connection.cursor() as cursor:
            # Server threads of the browser tests may still hold a keep-alive connection.
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        teardown_databases(db_cfg, verbosity=request.config.option.verbose)


@pytest.fixture(autouse=True)
def _staged_documents_render_when_the_action_commits(monkeypatch):
    """Run the after-commit render of generated documents (cases.services.documents) when the
    action's own transaction ends.

    A test runs inside one transaction that is rolled back (pytest-django's ``db``), so nothing it
    does ever commits and ``on_commit`` callbacks never run. For the staged documents the end of the
    outermost atomic block that is not the test's own stands in for the commit: the document is
    rendered then, as it would be in production, and the tests read it. Only these callbacks are run
    (notifications keep the ordinary rule and django_capture_on_commit_callbacks); tests with
    committed data (tests/cases/test_staged_documents.py) see the real commit.
    """
    from django.db import transaction

    original = transaction.Atomic.__exit__

    def exit_and_render(self, exc_type, exc_value, traceback):
        result = original(self, exc_type, exc_value, traceback)
        conn = transaction.get_connection(self.using)
        if (
            exc_type is None
            and conn.in_atomic_block
            and all(getattr(block, "_from_testcase", False) for block in conn.atomic_blocks)
        ):
            due = [entry for entry in conn.run_on_commit if getattr(entry[1], "staged_document", False)]
            if due:
                conn.run_on_commit = [entry for entry in conn.run_on_commit if entry not in due]
                for _savepoints, callback, _robust in due:
                    callback()
        return result

    monkeypatch.setattr(transaction.Atomic, "__exit__", exit_and_render)


@pytest.fixture
def local_storage(settings, tmp_path):
    """Stored files go to a throw-away folder for this test (the local storage backend, not S3)."""
    # pytest-django's settings fixture sends setting_changed, which resets default_storage.
    settings.STORAGES = {
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    return tmp_path


@pytest.fixture(autouse=True)
def _public_schema_after_each_test():
    yield
    connection.set_schema_to_public()
    # A test's rolled-back agencies must not outlive it in the host routing's copy (no signal says so).
    from tenants.middleware import forget_tenants

    forget_tenants()


@pytest.fixture
def city(db) -> dict[str, Agency]:
    return {agency.code: agency for agency in Agency.objects.exclude(schema_name="public")}


@pytest.fixture
def bureau(city) -> Agency:
    return city["xfj"]


@pytest.fixture
def agency_a(city) -> Agency:
    """公安局: the first of the two departments every endpoint is tested against."""
    return city["gaj"]


@pytest.fixture
def agency_b(city) -> Agency:
    """住房和城乡建设局: the other department, for cross-tenant negative tests."""
    return city["zjj"]


@pytest.fixture
def county(city) -> Agency:
    return city["lbs"]


@pytest.fixture
def oversight(city) -> Agency:
    return city["dcs"]


def make_user(email: str, full_name: str = "", **extra) -> User:
    user = User.objects.create_user(
        username=email, email=email, password="pw-for-tests-123", full_name=full_name, **extra
    )
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def make_staff(email: str, agency: Agency, *roles: str, full_name: str = "") -> User:
    user = make_user(email, full_name or email.split("@")[0])
    for role in roles:
        Membership.objects.create(user=user, agency=agency, role=role)
    # Workspaces require staff to have an authenticator app (HALL_STAFF_MFA_REQUIRED); fixture staff
    # have one with the demo secret (accounts.mfa_demo), so pyotp can compute their codes.
    from accounts.mfa_demo import give_totp

    give_totp(user)
    return user


@pytest.fixture
def citizen(db) -> User:
    return make_user("alice@example.cn", "张爱丽")


@pytest.fixture
def profiled_citizen(citizen) -> User:
    """The citizen with a real-name profile: what filing online needs (the petitioner's identity)."""
    from accounts.services import save_profile

    save_profile(
        user=citizen,
        full_name="张爱丽",
        id_number="11010519491231002X",
        phone="13800138000",
        address="三门峡市湖滨区黄河路1号",
    )
    return citizen


@pytest.fixture
def other_citizen(db) -> User:
    return make_user("bob@example.cn", "李博")


@pytest.fixture
def clerk(bureau) -> User:
    return make_staff("clerk@xfj.test", bureau, Role.HANDLER)


@pytest.fixture
def bureau_leader(bureau) -> User:
    return make_staff("leader@xfj.test", bureau, Role.LEADER)


@pytest.fixture
def handler_a(agency_a) -> User:
    return make_staff("handler@gaj.test", agency_a, Role.HANDLER)


@pytest.fixture
def leader_a(agency_a) -> User:
    return make_staff("leader@gaj.test", agency_a, Role.LEADER)


@pytest.fixture
def admin_a(agency_a) -> User:
    return make_staff("admin@gaj.test", agency_a, Role.ADMIN)


@pytest.fixture
def handler_b(agency_b) -> User:
    return make_staff("handler@zjj.test", agency_b, Role.HANDLER)


@pytest.fixture
def leader_b(agency_b) -> User:
    return make_staff("leader@zjj.test", agency_b, Role.LEADER)


@pytest.fixture
def supervisor(oversight) -> User:
    return make_staff("supervisor@dcs.test", oversight, Role.SUPERVISOR)


class HostClient(Client):
    """A test client bound to one host (the portal or an agency workspace)."""

    def __init__(self, host: str, **defaults):
        super().__init__(HTTP_HOST=host, **defaults)
        self.host = host


@pytest.fixture
def portal_client(db) -> HostClient:
    from django.conf import settings

    return HostClient(settings.HALL_DOMAIN)


@pytest.fixture
def host_client(db):
    """host_client(agency, user=None): a client on the agency's host, signed in as ``user``."""

    def build(agency: Agency | str, user: User | None = None) -> HostClient:
        code = agency if isinstance(agency, str) else agency.code
        client = HostClient(agency_host(code))
        if user is not None:
            client.force_login(user)
        return client

    return build
