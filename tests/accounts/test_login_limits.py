"""Failed sign-ins are counted so that nobody can lock someone else out (accounts.adapters)."""

import re

import pytest
from allauth.core import ratelimit
from django.core import mail
from django.core.cache import cache
from django.test import override_settings

from tests.conftest import HostClient, make_user

RIGHT = "pw-for-tests-123"
NEW_PASSWORD = "Huanle-2027-gongzuo"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def _client() -> HostClient:
    from django.conf import settings

    return HostClient(settings.HALL_DOMAIN)


def _sign_in(client, login: str, password: str, **extra):
    return client.post("/accounts/login/", {"login": login, "password": password}, **extra)


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def _refused(response) -> bool:
    return response.status_code == 200 and "登录失败次数过多" in response.content.decode()


def _allow_more_sign_in_posts(rf, address: str) -> None:
    # allauth also caps sign-in *requests* at 30 a minute per address (its "login" rate, not a
    # failure count); these tests post more than that within a second, so they lift that cap.
    ratelimit.clear(rf.post("/accounts/login/", REMOTE_ADDR=address), action="login")


def test_five_wrong_passwords_for_one_account_do_not_refuse_another_from_that_address(citizen, other_citizen):
    client = _client()
    for _attempt in range(5):
        assert _sign_in(client, citizen.email, "wrong-one", REMOTE_ADDR="198.51.100.20").status_code == 200
    response = _sign_in(client, other_citizen.email, RIGHT, REMOTE_ADDR="198.51.100.20")
    assert response.status_code == 302 and _signed_in(client)


def test_wrong_passwords_from_one_address_do_not_lock_the_account_out_elsewhere(citizen):
    attacker = _client()
    for _attempt in range(6):
        _sign_in(attacker, citizen.email, "wrong-one", REMOTE_ADDR="203.0.113.66")
    assert _refused(_sign_in(attacker, citizen.email, RIGHT, REMOTE_ADDR="203.0.113.66"))
    owner = _client()
    response = _sign_in(owner, citizen.email, RIGHT, REMOTE_ADDR="198.51.100.20")
    assert response.status_code == 302 and _signed_in(owner)


def test_one_address_trying_many_accounts_is_stopped(rf, citizen):
    client = _client()
    for attempt in range(30):
        _sign_in(client, f"nobody{attempt}@example.cn", "wrong-one", REMOTE_ADDR="203.0.113.66")
    _allow_more_sign_in_posts(rf, "203.0.113.66")
    assert _refused(_sign_in(client, citizen.email, RIGHT, REMOTE_ADDR="203.0.113.66"))
    assert not _signed_in(client)


def test_guessing_one_account_from_many_addresses_is_capped(citizen):
    attacker = _client()
    for address in range(10):
        for _attempt in range(5):
            _sign_in(attacker, citizen.email, "wrong-one", REMOTE_ADDR=f"203.0.113.{address}")
    # 50 failures in an hour from anywhere: a new address is refused even the right password.
    response = _sign_in(_client(), citizen.email, RIGHT, REMOTE_ADDR="203.0.113.200")
    assert _refused(response)


def test_the_owner_still_signs_in_where_they_signed_in_before(citizen):
    owner = _client()
    assert _sign_in(owner, citizen.email, RIGHT, REMOTE_ADDR="198.51.100.20").status_code == 302
    owner.logout()
    attacker = _client()
    for address in range(11):
        for _attempt in range(5):
            _sign_in(attacker, citizen.email, "wrong-one", REMOTE_ADDR=f"203.0.113.{address}")
    assert _refused(_sign_in(_client(), citizen.email, RIGHT, REMOTE_ADDR="203.0.113.200"))
    response = _sign_in(owner, citizen.email, RIGHT, REMOTE_ADDR="198.51.100.20")
    assert response.status_code == 302 and _signed_in(owner)


def _reset_password(client, email: str, **extra) -> None:
    assert client.post("/accounts/password/reset/", {"email": email}, **extra).status_code == 302
    link = re.search(r"https?://[^/\s]+(/accounts/[^\s]+)", mail.outbox[-1].body).group(1)
    set_password_url = client.get(link, **extra)["Location"]
    response = client.post(set_password_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}, **extra)
    assert response.status_code == 302


def test_an_owner_on_a_new_device_gets_in_after_resetting_the_password(citizen):
    attacker = _client()
    for address in range(10):
        for _attempt in range(5):
            _sign_in(attacker, citizen.email, "wrong-one", REMOTE_ADDR=f"203.0.113.{address}")
    owner = _client()
    assert _refused(_sign_in(owner, citizen.email, RIGHT, REMOTE_ADDR="198.51.100.20"))
    _reset_password(owner, citizen.email, REMOTE_ADDR="198.51.100.20")
    # The attackers fill the account's count again; the address the reset came from is the owner's now.
    for address in range(100, 110):
        for _attempt in range(5):
            _sign_in(attacker, citizen.email, "wrong-one", REMOTE_ADDR=f"203.0.113.{address}")
    assert _refused(_sign_in(_client(), citizen.email, NEW_PASSWORD, REMOTE_ADDR="203.0.113.200"))
    response = _sign_in(owner, citizen.email, NEW_PASSWORD, REMOTE_ADDR="198.51.100.20")
    assert response.status_code == 302 and _signed_in(owner)


def test_resetting_ones_own_password_does_not_clear_the_addresss_failures(rf, citizen):
    attacker = make_user("mallory@example.cn")
    client = _client()
    for attempt in range(30):
        _sign_in(client, f"nobody{attempt}@example.cn", "wrong-one", REMOTE_ADDR="203.0.113.66")
    _reset_password(client, attacker.email, REMOTE_ADDR="203.0.113.66")
    _allow_more_sign_in_posts(rf, "203.0.113.66")
    assert _refused(_sign_in(client, citizen.email, RIGHT, REMOTE_ADDR="203.0.113.66"))


@override_settings(HALL_TRUSTED_PROXY_COUNT=1)
def test_behind_nginx_failures_count_per_forwarded_address_not_per_proxy(rf, citizen):
    # nginx connects from 127.0.0.1 and appends the client's address to X-Forwarded-For.
    client = _client()
    for attempt in range(30):
        _sign_in(
            client,
            f"nobody{attempt}@example.cn",
            "wrong-one",
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR="203.0.113.66",
        )
    _allow_more_sign_in_posts(rf, "203.0.113.66")
    spoofing = _sign_in(
        client,
        citizen.email,
        RIGHT,
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.20, 203.0.113.66",
    )
    assert _refused(spoofing)  # what the client itself put in the header is not believed
    someone_else = _client()
    response = _sign_in(
        someone_else, citizen.email, RIGHT, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.20"
    )
    assert response.status_code == 302 and _signed_in(someone_else)
