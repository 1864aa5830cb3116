"""API tokens (accounts.tokens, api.authentication) and request limits (api.throttles): a token works
only on its host and within its scopes, is stored as a digest, can be revoked and expire; making one
takes the second factor again (staff) or a fresh sign-in (citizens)."""

import hashlib
import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client

from accounts.models import ApiToken, TokenScope
from cases import services
from config import clock
from tests.api.conftest import bearer
from tests.cases.conftest import staff

pytest_plugins = ["tests.cases.conftest"]


@pytest.fixture
def case_at_a(file_petition, clerk, bureau, agency_a):
    result = file_petition()
    services.forward_case(case_uuid=result.case_uuid, actor=staff(clerk, bureau), target=agency_a)
    return result


def test_an_agency_token_reads_its_agencys_cases_and_records_its_use(
    host_client, case_at_a, admin_a, handler_a, agency_a, agency_token
):
    raw = agency_token(admin_a, agency_a, member=handler_a)
    response = host_client(agency_a).get("/api/v1/cases/", **bearer(raw))
    assert response.status_code == 200, response.content
    assert [row["id"] for row in response.json()["results"]] == [str(case_at_a.case_uuid)]
    token = ApiToken.objects.get()
    assert token.last_used_at is not None and token.user == handler_a and token.created_by == admin_a
    # "Token <raw>" works too; whoami says who the token is.
    me = host_client(agency_a).get("/api/v1/whoami/", HTTP_AUTHORIZATION=f"Token {raw}").json()
    assert me["host"] == agency_a.code and me["roles"] == ["handler"] and me["token"]["name"] == "对接系统"


def test_a_token_is_stored_only_as_its_digest(admin_a, agency_a, agency_token):
    raw = agency_token(admin_a, agency_a)
    token = ApiToken.objects.get()
    assert token.digest == hashlib.sha256(raw.encode()).hexdigest()
    assert raw.startswith(token.prefix) and len(token.prefix) < len(raw) // 3
    stored = [str(value) for value in ApiToken.objects.values().get().values()]
    assert raw not in stored


def test_an_agency_token_is_refused_on_every_other_host(
    host_client, portal_client, case_at_a, admin_a, agency_a, agency_b, agency_token
):
    raw = agency_token(admin_a, agency_a)
    for client, path in (
        (host_client(agency_b), "/api/v1/cases/"),
        (host_client("dcs"), "/api/v1/whoami/"),
        (portal_client, "/api/v1/petitions/"),
    ):
        response = client.get(path, **bearer(raw))
        assert response.status_code == 401, (client.host, response.content)
        assert response.json()["error"]["code"] == "invalid_token"
        assert str(case_at_a.case_uuid) not in response.content.decode()


def test_a_citizen_token_works_on_the_portal_only(
    portal_client, host_client, file_petition, citizen, agency_a, citizen_token
):
    result = file_petition()
    raw = citizen_token(citizen)
    mine = portal_client.get("/api/v1/petitions/", **bearer(raw))
    assert mine.status_code == 200 and [row["id"] for row in mine.json()["results"]] == [
        str(result.case_uuid)
    ]
    elsewhere = host_client(agency_a).get("/api/v1/cases/", **bearer(raw))
    assert elsewhere.status_code == 401 and elsewhere.json()["error"]["code"] == "invalid_token"


def test_another_citizens_token_finds_nothing(portal_client, file_petition, other_citizen, citizen_token):
    result = file_petition()
    raw = citizen_token(other_citizen)
    assert portal_client.get("/api/v1/petitions/", **bearer(raw)).json()["results"] == []
    response = portal_client.get(f"/api/v1/petitions/{result.case_uuid}/", **bearer(raw))
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_a_read_token_cannot_act(host_client, case_at_a, admin_a, leader_a, agency_a, agency_token):
    raw = agency_token(admin_a, agency_a, member=leader_a, scopes=[TokenScope.READ])
    response = host_client(agency_a).post(
        f"/api/v1/cases/{case_at_a.case_uuid}/actions/sign/",
        {},
        content_type="application/json",
        **bearer(raw),
    )
    assert response.status_code == 403 and response.json()["error"]["code"] == "insufficient_scope"
    acting = agency_token(admin_a, agency_a, member=leader_a)
    response = host_client(agency_a).post(
        f"/api/v1/cases/{case_at_a.case_uuid}/actions/sign/",
        {},
        content_type="application/json",
        **bearer(acting),
    )
    # A token needs no CSRF token (it is not a cookie); the action ran as the leader.
    assert response.status_code == 200, response.content
    assert response.json()["state"] != "forwarded"


def test_the_oversight_host_wants_the_oversight_scope(host_client, supervisor, oversight):
    from accounts.models import Membership

    admin = supervisor
    Membership.objects.create(user=admin, agency=oversight, role="admin")
    from accounts import tokens

    _, plain = tokens.issue_agency_token(
        acting_user=admin, agency=oversight, member=admin, name="x", scopes=[TokenScope.READ]
    )
    _, full = tokens.issue_agency_token(
        acting_user=admin, agency=oversight, member=admin, name="y", scopes=[TokenScope.READ, "oversight"]
    )
    refused = host_client(oversight).get("/api/v1/whoami/", **bearer(plain))
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "insufficient_scope"
    assert host_client(oversight).get("/api/v1/whoami/", **bearer(full)).status_code == 200


def test_the_oversight_scope_is_only_for_the_oversight_body(admin_a, agency_a, agency_token):
    from config.errors import HallError

    with pytest.raises(HallError) as refused:
        agency_token(admin_a, agency_a, scopes=["oversight"])
    assert refused.value.code == "invalid_token_request"


def test_a_revoked_or_expired_token_is_refused(host_client, admin_a, agency_a, agency_token):
    from accounts import tokens

    raw = agency_token(admin_a, agency_a, expires_at=clock.now() + timedelta(days=1))
    client = host_client(agency_a)
    assert client.get("/api/v1/whoami/", **bearer(raw)).status_code == 200
    ApiToken.objects.update(expires_at=clock.now() - timedelta(seconds=1))
    expired = client.get("/api/v1/whoami/", **bearer(raw))
    assert expired.status_code == 401 and expired.json()["error"]["code"] == "token_expired"
    ApiToken.objects.update(expires_at=None)
    tokens.revoke_token(token=ApiToken.objects.get())
    revoked = client.get("/api/v1/whoami/", **bearer(raw))
    assert revoked.status_code == 401 and revoked.json()["error"]["code"] == "invalid_token"
    for wrong in ("ph_not-a-token", "Bearer", raw + "x"):
        response = client.get("/api/v1/whoami/", HTTP_AUTHORIZATION=f"Bearer {wrong}")
        assert response.status_code == 401 and set(response.json()) == {"error"}


def test_a_token_for_a_member_who_left_reaches_nothing(
    host_client, case_at_a, admin_a, handler_a, agency_a, agency_token
):
    from accounts.models import Membership

    raw = agency_token(admin_a, agency_a, member=handler_a)
    Membership.objects.filter(user=handler_a).delete()
    response = host_client(agency_a).get("/api/v1/cases/", **bearer(raw))
    assert response.status_code == 403 and str(case_at_a.case_uuid) not in response.content.decode()


def test_a_session_still_works_and_still_needs_csrf(host_client, case_at_a, leader_a, agency_a):
    client = host_client(agency_a, leader_a)
    assert client.get("/api/v1/cases/").status_code == 200
    strict = Client(enforce_csrf_checks=True, HTTP_HOST=client.host)
    strict.cookies = client.cookies
    response = strict.post(
        f"/api/v1/cases/{case_at_a.case_uuid}/actions/sign/", {}, content_type="application/json"
    )
    assert response.status_code == 403 and "CSRF" in response.json()["error"]["message"]


def test_a_browser_session_passes_the_csrf_check_with_the_cookie_it_really_has(
    portal_client, file_petition, citizen
):
    """The page gives the browser its surface's CSRF cookie (hall_portal_csrftoken); a script on it
    sends that value as X-CSRFToken. Django's default cookie name (csrftoken) is never set."""
    from django.conf import settings

    result = file_petition()
    strict = Client(enforce_csrf_checks=True, HTTP_HOST=portal_client.host)
    strict.force_login(citizen)
    strict.get(f"/mine/{result.case_uuid}/")  # a page with a form sets the surface's CSRF cookie
    cookie = settings.HALL_CSRF_COOKIE_NAMES["portal"]
    assert cookie in strict.cookies and "csrftoken" not in strict.cookies
    url = f"/api/v1/petitions/{result.case_uuid}/supplements/"
    refused = strict.post(url, {"text": "补充一张现场照片的说明。"}, content_type="application/json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["error"]["message"]
    response = strict.post(
        url,
        {"text": "补充一张现场照片的说明。"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=strict.cookies[cookie].value,
    )
    assert response.status_code in (200, 201), response.content


# --- Making and revoking tokens in the workspace settings and on the portal ------------------------


def _fresh(client, user, method: str):
    """Record in the client's session that ``user`` just passed allauth's ``method`` step."""
    session = client.session
    session["account_authentication_methods"] = [
        {"method": method, "at": time.time(), "type": "totp", "reauthenticated": True}
    ]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()


def test_making_an_agency_token_needs_the_second_factor_again(host_client, admin_a, handler_a, agency_a):
    client = host_client(agency_a, admin_a)
    assert client.get("/settings/tokens/").status_code == 200
    form = {"name": "12345 热线", "scopes": ["read"], "member": str(handler_a.uuid)}
    asked = client.post("/settings/tokens/new/", form)
    assert asked.status_code == 302 and asked["Location"].startswith("/accounts/2fa/reauthenticate/")
    assert not ApiToken.objects.exists()
    _fresh(client, admin_a, "password")  # a password alone is not the second factor
    assert client.post("/settings/tokens/new/", form).status_code == 302
    _fresh(client, admin_a, "mfa")
    made = client.post("/settings/tokens/new/", form)
    assert made.status_code == 200
    token = ApiToken.objects.get()
    shown = made.content.decode()
    assert token.agency == agency_a and token.user == handler_a and token.scopes == ["read"]
    raw = shown.split('data-testid="new-token">')[1].split("<")[0]
    assert hashlib.sha256(raw.encode()).hexdigest() == token.digest
    assert raw not in client.get("/settings/tokens/").content.decode()  # shown once


def test_only_the_agencys_admin_makes_or_revokes_its_tokens(
    host_client, admin_a, leader_a, agency_a, agency_b, agency_token
):
    from accounts.models import Role
    from tests.conftest import make_staff

    raw = agency_token(admin_a, agency_a)
    token = ApiToken.objects.get()
    leader = host_client(agency_a, leader_a)
    assert leader.get("/settings/tokens/").status_code == 403
    assert leader.post(f"/settings/tokens/{token.uuid}/revoke/").status_code == 403
    admin_b = make_staff("admin@zjj.test", agency_b, Role.ADMIN)
    other = host_client(agency_b, admin_b)
    assert other.post(f"/settings/tokens/{token.uuid}/revoke/").status_code == 404
    assert token.prefix not in other.get("/settings/tokens/").content.decode()
    assert host_client(agency_a).get("/api/v1/whoami/", **bearer(raw)).status_code == 200
    assert host_client(agency_a, admin_a).post(f"/settings/tokens/{token.uuid}/revoke/").status_code == 302
    assert host_client(agency_a).get("/api/v1/whoami/", **bearer(raw)).status_code == 401


def test_a_citizen_makes_and_revokes_a_personal_token(portal_client, citizen, other_citizen):
    portal_client.force_login(citizen)
    assert portal_client.get("/accounts/profile/tokens/").status_code == 200
    form = {"name": "我的小程序", "scopes": ["read"]}
    asked = portal_client.post("/accounts/profile/tokens/new/", form)
    assert asked.status_code == 302 and "reauthenticate" in asked["Location"]
    assert not ApiToken.objects.exists()
    _fresh(portal_client, citizen, "password")
    made = portal_client.post("/accounts/profile/tokens/new/", form)
    assert made.status_code == 200, made.content
    raw = made.content.decode().split('data-testid="new-token">')[1].split("<")[0]
    token = ApiToken.objects.get()
    assert token.agency is None and token.user == citizen
    assert portal_client.get("/api/v1/whoami/", **bearer(raw)).json()["host"] == "portal"
    stranger = Client(HTTP_HOST=portal_client.host)
    stranger.force_login(other_citizen)
    assert stranger.post(f"/accounts/profile/tokens/{token.uuid}/revoke/").status_code == 404
    assert portal_client.post(f"/accounts/profile/tokens/{token.uuid}/revoke/").status_code == 302
    assert portal_client.get("/api/v1/whoami/", **bearer(raw)).status_code == 401


# --- Request limits -----------------------------------------------------------------------------


def test_a_token_is_limited_on_its_own_and_with_its_user(
    settings, host_client, admin_a, handler_a, agency_a, agency_token
):
    cache.clear()
    settings.HALL_API_RATES = {"token": (2, 60), "user": (3, 60), "anon": (100, 60)}
    first, second = (
        agency_token(admin_a, agency_a, member=handler_a),
        agency_token(admin_a, agency_a, member=handler_a),
    )
    client = host_client(agency_a)
    assert [client.get("/api/v1/whoami/", **bearer(first)).status_code for _ in range(3)] == [200, 200, 429]
    limited = client.get("/api/v1/whoami/", **bearer(first))
    assert limited.json()["error"]["code"] == "throttled" and int(limited["Retry-After"]) == 60
    # The other token has its own count, but the member's limit (3) is shared: one more, then 429.
    assert [client.get("/api/v1/whoami/", **bearer(second)).status_code for _ in range(2)] == [200, 429]
    cache.clear()


def test_anonymous_callers_are_limited_by_address(settings, portal_client):
    # DRF checks permissions before limits, so an anonymous call to a closed operation is a 401
    # either way; the open ones (the schema) count the address.
    cache.clear()
    settings.HALL_API_RATES = {"token": (100, 60), "user": (100, 60), "anon": (2, 60)}
    codes = [portal_client.get("/api/schema/").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    other_address = Client(HTTP_HOST=portal_client.host, REMOTE_ADDR="192.0.2.7")
    assert other_address.get("/api/schema/").status_code == 200
    cache.clear()
