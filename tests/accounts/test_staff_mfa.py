"""Staff second factor on workspace hosts: set up an authenticator app first, then a code at sign-in."""

from urllib.parse import unquote

import pyotp
import pytest
from allauth.mfa.models import Authenticator
from django.core.cache import cache

from accounts.mfa_demo import demo_totp_secret
from accounts.models import Membership, Role
from tenants.hosts import agency_host
from tests.conftest import HostClient, make_user

PASSWORD = "pw-for-tests-123"  # conftest.make_user's password


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Rate-limit counters and allauth's "TOTP code already used" markers live in the cache.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def new_handler_a(agency_a):
    """A member of 公安局 who has not set up an authenticator app yet."""
    user = make_user("newcomer@gaj.test", "新同事")
    Membership.objects.create(user=user, agency=agency_a, role=Role.HANDLER)
    return user


def _sign_in(client, user):
    return client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_staff_without_authenticator_is_sent_to_set_one_up(host_client, agency_a, new_handler_a):
    client = host_client(agency_a, new_handler_a)
    response = client.get("/")
    assert response.status_code == 302
    location = unquote(response["Location"])
    assert location.startswith("/accounts/2fa/totp/activate/") and "next=/" in location


def test_staff_sets_up_totp_then_reaches_the_workspace(agency_a, new_handler_a):
    client = HostClient(agency_host(agency_a.code))
    response = _sign_in(client, new_handler_a)
    assert response.status_code == 302 and _signed_in(client)
    response = client.get("/")
    assert response.status_code == 302
    activate_url = response["Location"]
    assert activate_url.startswith("/accounts/2fa/totp/activate/")
    # allauth asks for the password once more before a second factor is added.
    response = client.get(activate_url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/reauthenticate/")
    response = client.post(response["Location"], {"password": PASSWORD})
    assert response.status_code == 302
    page = client.get(activate_url).content.decode()
    assert "工作台要求工作人员使用两步验证" in page
    secret = client.session["mfa.totp.secret"]

    response = client.post("/accounts/2fa/totp/activate/", {"code": "000000"})
    assert response.status_code == 200  # wrong code: form shown again
    assert not Authenticator.objects.filter(user=new_handler_a).exists()

    response = client.post("/accounts/2fa/totp/activate/", {"code": pyotp.TOTP(secret).now()}, follow=True)
    assert Authenticator.objects.filter(user=new_handler_a, type=Authenticator.Type.TOTP).exists()
    assert 'href="/"' in response.content.decode()  # the way back to the page they were heading for
    assert client.get("/").status_code == 200


def test_totp_secret_is_encrypted_at_rest(handler_a):
    stored = Authenticator.objects.get(user=handler_a, type=Authenticator.Type.TOTP).data["secret"]
    assert stored != demo_totp_secret() and demo_totp_secret() not in stored


def test_staff_with_authenticator_must_enter_a_code(agency_a, handler_a):
    client = HostClient(agency_host(agency_a.code))
    response = _sign_in(client, handler_a)
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/authenticate/"
    assert not _signed_in(client)
    # The password alone opens nothing.
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")

    response = client.post("/accounts/2fa/authenticate/", {"code": "123456"})
    assert response.status_code == 200 and not _signed_in(client)

    code = pyotp.TOTP(demo_totp_secret()).now()
    response = client.post("/accounts/2fa/authenticate/", {"code": code})
    assert response.status_code == 302 and _signed_in(client)
    assert client.get("/").status_code == 200


def test_oversight_staff_need_totp_too(oversight):
    user = make_user("new@dcs.test", "新督查")
    Membership.objects.create(user=user, agency=oversight, role=Role.SUPERVISOR)
    client = HostClient(agency_host(oversight.code))
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/2fa/totp/activate/")


def test_citizen_signs_in_on_the_portal_without_a_second_factor(portal_client, citizen):
    response = _sign_in(portal_client, citizen)
    assert response.status_code == 302 and response["Location"] == "/"
    assert _signed_in(portal_client)
    assert portal_client.get("/accounts/profile/").status_code == 200


def test_citizen_on_a_workspace_host_is_refused_not_asked_for_totp(host_client, agency_a, citizen):
    response = host_client(agency_a, citizen).get("/")
    assert response.status_code == 403


def test_staff_of_one_agency_are_refused_on_another_agencys_host(host_client, agency_b, handler_a):
    response = host_client(agency_b, handler_a).get("/")
    assert response.status_code == 403
    assert "无权访问本单位工作台" in response.content.decode()


def test_staff_with_totp_reach_their_own_workspace(host_client, agency_a, handler_a):
    assert host_client(agency_a, handler_a).get("/").status_code == 200


def test_mfa_requirement_can_be_switched_off_for_development(settings, host_client, agency_a, new_handler_a):
    settings.HALL_STAFF_MFA_REQUIRED = False
    assert host_client(agency_a, new_handler_a).get("/").status_code == 200
