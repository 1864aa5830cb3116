"""Sessions per surface (内外网物理隔离), staff refused on the portal, short staff sessions, the 404
page of a host a process does not serve."""

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache
from django.test import Client, override_settings
from django.utils import translation

from accounts.models import Membership, Role
from accounts.surfaces import STAFF_ON_PORTAL_MESSAGE
from config.errors import Forbidden
from tenants.sessions import LAST_SEEN_KEY, SIGNED_IN_AT_KEY, SURFACE_KEY
from tests.conftest import HostClient, make_user

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "pw-for-tests-123"  # conftest.make_user's password
PORTAL_COOKIE, STAFF_COOKIE = "hall_portal_session", "hall_staff_session"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def plain_handler_a(agency_a):
    """A member of 公安局 without an authenticator app: a password alone completes the sign-in."""
    user = make_user("plain@gaj.test", "普通承办人")
    Membership.objects.create(user=user, agency=agency_a, role=Role.HANDLER)
    return user


def _sign_in(client, user):
    return client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})


def _user_of(response):
    return response.wsgi_request.user


# --- Staff cannot sign in through the portal -------------------------------------------------------


@pytest.mark.parametrize("surfaces", ["all", "portal"])
def test_staff_sign_in_on_the_portal_is_refused_with_a_clear_message(handler_a, surfaces):
    with override_settings(HALL_SURFACES=surfaces):
        portal = HostClient(settings.HALL_DOMAIN)
        response = _sign_in(portal, handler_a)
        assert response.status_code == 200
        page = response.content.decode()
        assert "工作人员账号不能在互联网门户登录" in page and "内网" in page
        assert not _user_of(portal.get("/")).is_authenticated
        assert PORTAL_COOKIE not in response.cookies or not response.cookies[PORTAL_COOKIE].value


def test_the_refusal_is_translated():
    with translation.override("en"):
        assert "Staff accounts cannot sign in on the internet portal" in str(STAFF_ON_PORTAL_MESSAGE)


def test_a_citizen_still_signs_in_on_the_portal(citizen):
    portal = HostClient(settings.HALL_DOMAIN)
    response = _sign_in(portal, citizen)
    assert response.status_code == 302
    assert response.cookies[PORTAL_COOKIE].value and "sessionid" not in response.cookies
    assert _user_of(portal.get("/")) == citizen


def test_staff_still_sign_in_on_their_workspace(agency_a, handler_a, plain_handler_a):
    workspace = HostClient("gaj.hall.localhost")
    response = _sign_in(workspace, handler_a)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/2fa/authenticate/")
    workspace = HostClient("gaj.hall.localhost")
    assert _sign_in(workspace, plain_handler_a).status_code == 302
    assert _user_of(workspace.get("/")) == plain_handler_a


def test_other_ways_in_refuse_staff_on_the_portal(rf, handler_a, agency_a):
    # E-mail confirmation and password-reset sign-ins go through allauth's pre_login, not the form.
    from allauth.account.adapter import get_adapter

    from tenants.models import Agency

    request = rf.get("/")
    request.session = SessionStore()
    request.tenant = Agency.objects.get(schema_name="public")
    kwargs = {"email_verification": "none", "signal_kwargs": None, "email": None, "signup": False}
    with pytest.raises(Forbidden) as refused:
        get_adapter(request).pre_login(request, handler_a, redirect_url=None, **kwargs)
    assert refused.value.code == "staff_on_portal"
    request.tenant = agency_a
    assert get_adapter(request).pre_login(request, handler_a, redirect_url=None, **kwargs) is None


# --- One session per surface ---------------------------------------------------------------------


def test_each_surface_has_its_own_session_and_csrf_cookies(db):
    portal = Client(HTTP_HOST=settings.HALL_DOMAIN, enforce_csrf_checks=True)
    portal.get("/accounts/login/")
    workspace = Client(HTTP_HOST="gaj.hall.localhost", enforce_csrf_checks=True)
    workspace.get("/accounts/login/")
    assert "hall_portal_csrftoken" in portal.cookies and "csrftoken" not in portal.cookies
    assert "hall_staff_csrftoken" in workspace.cookies and "csrftoken" not in workspace.cookies


def test_csrf_is_checked_against_the_surfaces_own_cookie(citizen):
    portal = Client(HTTP_HOST=settings.HALL_DOMAIN, enforce_csrf_checks=True)
    portal.get("/accounts/login/")
    token = portal.cookies["hall_portal_csrftoken"].value
    form = {"login": citizen.email, "password": PASSWORD, "csrfmiddlewaretoken": token}
    assert portal.post("/accounts/login/", form).status_code == 302
    # The same token presented under the staff cookie's name is not the portal's.
    other = Client(HTTP_HOST=settings.HALL_DOMAIN, enforce_csrf_checks=True)
    other.cookies["hall_staff_csrftoken"] = token
    assert other.post("/accounts/login/", form).status_code == 403


def test_a_portal_session_renamed_by_hand_is_refused_on_a_workspace(host_client, agency_a, handler_a):
    portal = HostClient(settings.HALL_DOMAIN)
    portal.force_login(handler_a)  # a session made on the portal, whoever made it
    stolen = portal.cookies[PORTAL_COOKIE].value
    assert SessionStore(stolen)[SURFACE_KEY] == "portal"
    workspace = HostClient("gaj.hall.localhost")
    workspace.cookies[STAFF_COOKIE] = stolen
    response = workspace.get("/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not _user_of(response).is_authenticated
    assert not SessionStore().exists(stolen)  # flushed, not just ignored
    assert host_client(agency_a, handler_a).get("/").status_code == 200  # the control


def test_a_workspace_session_renamed_by_hand_is_refused_on_the_portal(host_client, agency_a, handler_a):
    workspace = host_client(agency_a, handler_a)
    stolen = workspace.cookies[STAFF_COOKIE].value
    portal = HostClient(settings.HALL_DOMAIN)
    portal.cookies[PORTAL_COOKIE] = stolen
    assert not _user_of(portal.get("/")).is_authenticated
    assert not SessionStore().exists(stolen)


def test_a_session_that_names_no_surface_is_refused(agency_a, handler_a):
    # A session stored before sessions recorded their surface (or forged without it).
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    legacy = SessionStore()
    legacy[SESSION_KEY] = str(handler_a.pk)
    legacy[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]  # refused for its surface alone
    legacy[HASH_SESSION_KEY] = handler_a.get_session_auth_hash()
    legacy.save()
    workspace = HostClient("gaj.hall.localhost")
    workspace.cookies[STAFF_COOKIE] = legacy.session_key
    assert not _user_of(workspace.get("/")).is_authenticated


def test_the_staff_session_cookie_is_not_sent_to_the_portal_host(agency_a, plain_handler_a):
    response = _sign_in(HostClient("gaj.hall.localhost"), plain_handler_a)
    cookie = response.cookies[STAFF_COOKIE]
    assert cookie["domain"] == ""  # host-only: the browser keeps it for gaj.hall.localhost
    assert cookie["httponly"]


# --- Short staff sessions ------------------------------------------------------------------------


def _age(client, cookie: str, **changes) -> None:
    session = SessionStore(client.cookies[cookie].value)
    for key, value in changes.items():
        session[key] = value
    session.save()


def test_a_staff_sign_in_gets_the_idle_limit_and_a_citizen_the_default(plain_handler_a, citizen):
    staff = _sign_in(HostClient("gaj.hall.localhost"), plain_handler_a).cookies[STAFF_COOKIE]
    assert int(staff["max-age"]) == settings.HALL_STAFF_SESSION_IDLE_SECONDS == 30 * 60
    stored = SessionStore(staff.value)
    assert stored[SURFACE_KEY] == "staff" and abs(stored[SIGNED_IN_AT_KEY] - time.time()) < 60
    portal = _sign_in(HostClient(settings.HALL_DOMAIN), citizen).cookies[PORTAL_COOKIE]
    assert portal["max-age"] in ("", str(settings.SESSION_COOKIE_AGE))  # allauth's "remember me"
    stored = SessionStore(portal.value)
    assert stored.get_expiry_age() == settings.SESSION_COOKIE_AGE == 14 * 86400
    assert stored[SURFACE_KEY] == "portal" and LAST_SEEN_KEY not in stored


def test_a_staff_session_ends_after_the_idle_limit(host_client, agency_a, handler_a):
    workspace = host_client(agency_a, handler_a)
    idle = settings.HALL_STAFF_SESSION_IDLE_SECONDS
    _age(workspace, STAFF_COOKIE, **{LAST_SEEN_KEY: time.time() - idle + 120})
    assert workspace.get("/").status_code == 200  # still within the limit: and seen again now
    assert SessionStore(workspace.cookies[STAFF_COOKIE].value)[LAST_SEEN_KEY] > time.time() - 60
    _age(workspace, STAFF_COOKIE, **{LAST_SEEN_KEY: time.time() - idle - 1})
    response = workspace.get("/")
    assert response.status_code == 302 and not _user_of(response).is_authenticated


def test_a_staff_session_ends_eight_hours_after_sign_in_however_active(host_client, agency_a, handler_a):
    workspace = host_client(agency_a, handler_a)
    _age(workspace, STAFF_COOKIE, **{SIGNED_IN_AT_KEY: time.time() - 8 * 3600 + 60})
    assert workspace.get("/").status_code == 200
    _age(workspace, STAFF_COOKIE, **{SIGNED_IN_AT_KEY: time.time() - 8 * 3600 - 1})
    assert not _user_of(workspace.get("/")).is_authenticated


def test_a_citizen_session_has_no_idle_limit(portal_client, citizen):
    portal_client.force_login(citizen)
    _age(portal_client, PORTAL_COOKIE, **{LAST_SEEN_KEY: time.time() - 30 * 86400})
    assert _user_of(portal_client.get("/")) == citizen


def _start_django(**env) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", "import sys; sys.path[:0] = ['.', 'platform']\nimport django; django.setup()"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
    )


@pytest.mark.parametrize(
    ("env", "hint"),
    [
        ({"HALL_STAFF_SESSION_SECONDS": "8h"}, "HALL_STAFF_SESSION_SECONDS='8h' is not a whole number"),
        ({"HALL_STAFF_SESSION_IDLE_SECONDS": "5"}, "HALL_STAFF_SESSION_IDLE_SECONDS=5 is below the minimum"),
        (
            {"HALL_STAFF_SESSION_SECONDS": "3600", "HALL_STAFF_SESSION_IDLE_SECONDS": "7200"},
            "the idle limit must not exceed the absolute one",
        ),
    ],
)
def test_bad_session_limits_fail_at_start_naming_the_variable(env, hint):
    result = _start_django(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and hint in result.stderr


# --- The 404 page of a host this process does not serve -------------------------------------------


def _not_found_page(host: str) -> str:
    response = Client(HTTP_HOST=host).get("/")
    assert response.status_code == 404
    assert not response.cookies  # no session, no CSRF cookie
    # The language switch's CSRF token differs on every page; nothing else may.
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def _without_host(page: str, host: str) -> str:
    assert f"地址 {host} " in page  # the address the visitor typed, and nothing else about it
    return page.replace(f"地址 {host} ", "地址 ? ")


@override_settings(HALL_SURFACES="portal")
def test_a_workspace_host_on_the_portal_process_names_no_agency(agency_a, oversight):
    unknown = _without_host(_not_found_page("nosuch.hall.localhost"), "nosuch.hall.localhost")
    for agency in (agency_a, oversight):
        page = _not_found_page(f"{agency.code}.hall.localhost")
        for language in ("zh-hans", "en"):
            assert agency.display_name(language) not in page
        assert agency.schema_name not in page
        # The same page as for a host that names nothing: it does not tell an agency exists.
        assert _without_host(page, f"{agency.code}.hall.localhost") == unknown


@override_settings(HALL_SURFACES="staff")
def test_the_portal_host_on_the_staff_process_gets_the_same_page(db):
    page = _not_found_page(settings.HALL_DOMAIN)
    unknown = _not_found_page("nosuch.hall.localhost")
    assert _without_host(page, settings.HALL_DOMAIN) == _without_host(unknown, "nosuch.hall.localhost")


def test_a_deactivated_agencys_host_names_no_agency(agency_b):
    agency_b.is_active = False
    agency_b.save(update_fields=["is_active"])
    page = _not_found_page("zjj.hall.localhost")
    assert agency_b.display_name("zh-hans") not in page and "停用" not in page
