"""内外网物理隔离 end to end: the portal and the staff side as two separate server processes.

Two real ``manage.py runserver`` processes run on free loopback ports against this run's test
database, one with HALL_SURFACES=portal (the internet-facing process) and one with HALL_SURFACES=staff
(the intranet one). Everything is checked over HTTP with Host headers, as a browser or an attacker
would see it: staff cannot sign in through the portal, a session cookie of one process is worthless
on the other even renamed by hand, a workspace's download link is refused by the portal, and the
portal's 404 page for a workspace host names no agency.

The servers read the database through their own connections, so the data is committed (like the
browser tests, tests/browser/conftest.py), with unique names, and removed at the end; the tests are
marked ``processes`` and run after the rolled-back ones (tests/conftest.py).
"""

import http.client
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

pytestmark = pytest.mark.processes

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Jiaotong-2026-liangge"
START_TIMEOUT = 90  # seconds for a server to answer its first request (two cores, shared)
REQUEST_TIMEOUT = 30
PORTAL_COOKIE, STAFF_COOKIE = "hall_portal_session", "hall_staff_session"
WORKSPACE = "gaj"


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    text: str
    body: bytes
    cookies: dict[str, str] = field(default_factory=dict)

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")


def _request(port: int, host: str, path: str, *, cookies=None, form=None) -> Reply:
    headers = {"Host": f"{host}:{port}", "Accept-Language": "zh-CN"}
    if cookies:
        headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
    body = None
    if form is not None:
        body = urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    try:
        conn.request("POST" if form is not None else "GET", path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
    finally:
        conn.close()
    jar: SimpleCookie = SimpleCookie()
    for line in response.headers.get_all("Set-Cookie") or []:
        jar.load(line)
    return Reply(
        status=response.status,
        headers=response.headers,
        text=data.decode("utf-8", errors="replace"),
        body=data,
        cookies={name: morsel.value for name, morsel in jar.items()},
    )


@dataclass
class Server:
    surfaces: str
    port: int
    process: subprocess.Popen
    log: Path

    def get(self, host: str, path: str, **kwargs) -> Reply:
        return _request(self.port, host, path, **kwargs)

    def sign_in(self, host: str, email: str) -> Reply:
        """allauth's password form, the way a browser fills it in (CSRF cookie and token)."""
        page = self.get(host, "/accounts/login/")
        assert page.status == 200, (page.status, self.output())
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        csrf_cookies = {name: value for name, value in page.cookies.items() if "csrftoken" in name}
        assert csrf_cookies, page.cookies
        return self.get(
            host,
            "/accounts/login/",
            cookies=csrf_cookies,
            form={"csrfmiddlewaretoken": token, "login": email, "password": PASSWORD},
        )

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _test_database_url() -> str:
    """This run's test database for the servers: the given DATABASE_URL's server, or the embedded
    pgserver (its HOST is the socket folder, percent-encoded as dj-database-url expects)."""
    db = connection.settings_dict
    auth = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = quote(str(db["HOST"] or "127.0.0.1"), safe="")
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{auth}@{host}{port}/{quote(db['NAME'], safe='')}"


def _start(surfaces: str, data_dir: Path) -> Server:
    port = _free_port()
    log = data_dir / f"{surfaces}.log"
    env = {
        **os.environ,
        "DATABASE_URL": _test_database_url(),
        "HALL_SURFACES": surfaces,
        "HALL_DATA_DIR": str(data_dir),  # local files: the documents this test writes
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,  # links minted here verify there
        "DJANGO_DEBUG": "1",  # plain HTTP on loopback; the surfaces do not depend on it
        "SESSION_COOKIE_SECURE": "0",
        "HALL_DOMAIN": settings.HALL_DOMAIN,
        "PORT": str(port),
        "PYTHONUNBUFFERED": "1",
    }
    for name in ("HALL_S3_BUCKET", "HALL_TEST_DB_NAME", "DJANGO_ALLOWED_HOSTS"):
        env.pop(name, None)
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return Server(surfaces=surfaces, port=port, process=process, log=log)


def _wait_until_ready(server: Server, host: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"the {server.surfaces} server exited:\n{server.output()}")
        try:
            if server.get(host, "/healthz").status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    pytest.fail(f"the {server.surfaces} server did not answer within {START_TIMEOUT} s:\n{server.output()}")


def _stop(server: Server) -> None:
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=15)


@dataclass
class Hall:
    portal: Server
    staff: Server
    citizen_email: str
    staff_email: str
    staff_link: str
    citizen_link: str
    document: bytes


def _committed_user(email: str, full_name: str):
    from allauth.account.models import EmailAddress

    from accounts.models import User

    hasher = PBKDF2PasswordHasher()
    user = User.objects.create(username=email, email=email, full_name=full_name)
    # The servers use Django's default hashers, not the fast one the test settings use; a low
    # iteration count keeps the sign-ins quick (Django upgrades the hash at the first sign-in).
    user.password = hasher.encode(PASSWORD, hasher.salt(), iterations=1000)
    user.save(update_fields=["password"])
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


@pytest.fixture(scope="module")
def hall(django_db_setup, django_db_blocker):
    """The two processes, a citizen and a 公安局 handler (committed), and a document of 公安局's with
    a link as its workspace mints it and one as the citizen's portal page mints it."""
    from accounts.models import Membership, Role, User
    from filestore.services import download_url
    from tenants.models import Agency

    suffix = uuid.uuid4().hex[:8]
    data_dir = Path(tempfile.mkdtemp(prefix="hall-surfaces-"))
    with django_db_blocker.unblock():
        citizen = _committed_user(f"citizen-{suffix}@example.cn", "两进程群众")
        staff = _committed_user(f"handler-{suffix}@gaj.test", "两进程承办人")
        agency = Agency.objects.get(code=WORKSPACE)
        Membership.objects.create(user=staff, agency=agency, role=Role.HANDLER)
        key = f"{agency.schema_name}/documents/2026/{uuid.uuid4().hex}/opinion.pdf"
        document = b"%PDF-1.7 handling opinion of " + suffix.encode()
        target = data_dir / "media" / key
        target.parent.mkdir(parents=True)
        target.write_bytes(document)
        connection.set_tenant(agency)
        try:
            staff_link = download_url(key, filename="opinion.pdf")
        finally:
            connection.set_schema_to_public()
        citizen_link = download_url(key, filename="opinion.pdf")

        portal, staff_side = _start("portal", data_dir), _start("staff", data_dir)
        try:
            _wait_until_ready(portal, settings.HALL_DOMAIN)
            _wait_until_ready(staff_side, f"{WORKSPACE}.{settings.HALL_DOMAIN}")
            yield Hall(portal, staff_side, citizen.email, staff.email, staff_link, citizen_link, document)
        finally:
            _stop(portal)
            _stop(staff_side)
            User.objects.filter(pk__in=[citizen.pk, staff.pk]).delete()


def _portal_host() -> str:
    return settings.HALL_DOMAIN


def _workspace_host() -> str:
    return f"{WORKSPACE}.{settings.HALL_DOMAIN}"


def test_each_process_serves_only_its_own_surface(hall):
    assert hall.portal.get(_portal_host(), "/healthz").status == 200
    assert hall.portal.get(_workspace_host(), "/accounts/login/").status == 404
    assert hall.staff.get(_workspace_host(), "/healthz").status == 200
    assert hall.staff.get(_portal_host(), "/").status == 404


def test_staff_sign_in_on_the_portal_process_is_refused(hall):
    refused = hall.portal.sign_in(_portal_host(), hall.staff_email)
    assert refused.status == 200, (refused.status, refused.location)
    assert "工作人员账号不能在互联网门户登录" in refused.text
    assert not refused.cookies.get(PORTAL_COOKIE)
    # The same account signs in on the staff process (and is sent on to set up its second factor).
    signed_in = hall.staff.sign_in(_workspace_host(), hall.staff_email)
    assert signed_in.status == 302 and signed_in.cookies.get(STAFF_COOKIE)


def test_a_portal_session_is_not_accepted_by_the_staff_process(hall):
    signed_in = hall.portal.sign_in(_portal_host(), hall.citizen_email)
    assert signed_in.status == 302, signed_in.text[:2000]
    session = signed_in.cookies[PORTAL_COOKIE]
    # The control: the session is good on the portal process.
    assert hall.portal.get(_portal_host(), "/accounts/email/", cookies={PORTAL_COOKIE: session}).status == 200
    # On the staff process, under either cookie name, it is nobody's: sent to sign in (an
    # authenticated outsider would get 403 instead).
    presented = {PORTAL_COOKIE: session, STAFF_COOKIE: session}
    response = hall.staff.get(_workspace_host(), "/", cookies=presented)
    assert response.status == 302 and response.location.startswith("/accounts/login/"), response.location
    # ... and it was ended there: the portal no longer knows it either.
    after = hall.portal.get(_portal_host(), "/accounts/email/", cookies={PORTAL_COOKIE: session})
    assert after.status == 302 and "/accounts/login/" in after.location


def test_a_staff_session_is_not_accepted_by_the_portal_process(hall):
    signed_in = hall.staff.sign_in(_workspace_host(), hall.staff_email)
    assert signed_in.status == 302, signed_in.text[:2000]
    session = signed_in.cookies[STAFF_COOKIE]
    # The control: signed in on the staff process (sent on to set up TOTP, not to sign in).
    workspace = hall.staff.get(_workspace_host(), "/", cookies={STAFF_COOKIE: session})
    assert workspace.status == 302 and workspace.location.startswith("/accounts/2fa/totp/activate/")
    presented = {PORTAL_COOKIE: session, STAFF_COOKIE: session}
    response = hall.portal.get(_portal_host(), "/accounts/email/", cookies=presented)
    assert response.status == 302 and "/accounts/login/" in response.location, response.location


def test_a_workspace_download_link_is_refused_by_the_portal_process(hall):
    refused = hall.portal.get(_portal_host(), hall.staff_link)
    assert refused.status == 404 and "Content-Disposition" not in refused.headers
    assert hall.document not in refused.body
    # The controls: the link works on its workspace, and the citizen's own link on the portal.
    on_workspace = hall.staff.get(_workspace_host(), hall.staff_link)
    assert on_workspace.status == 200 and on_workspace.body == hall.document
    mine = hall.portal.get(_portal_host(), hall.citizen_link)
    assert mine.status == 200 and mine.body == hall.document


def test_the_portal_processs_404_for_a_workspace_host_names_no_agency(hall):
    from tenants.models import Agency

    for code in (WORKSPACE, "xfj", "dcs"):
        agency = Agency.objects.get(code=code)
        page = hall.portal.get(f"{code}.{settings.HALL_DOMAIN}", "/")
        assert page.status == 404
        assert agency.display_name("zh-hans") not in page.text
        assert agency.display_name("en") not in page.text
        assert "停用" not in page.text and "内外网" not in page.text
        assert not page.cookies
    unknown = hall.portal.get(f"nosuch.{settings.HALL_DOMAIN}", "/")
    assert unknown.status == 404 and "没有与地址" in unknown.text
