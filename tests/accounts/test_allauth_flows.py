"""Sign up, verify, sign in, reset the password and change the email address on the portal host."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache

from accounts.models import User

PASSWORD = "Zhengfu-2026-xinfang"
NEW_PASSWORD = "Huanle-2027-gongzuo"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # allauth keeps rate-limit counters in the cache; every test starts with none.
    cache.clear()
    yield
    cache.clear()


def _link(message) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/[^\s]+)", message.body)
    assert match, message.body
    return match.group(1)


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_sign_up_verify_and_sign_in(portal_client):
    response = portal_client.post(
        "/accounts/signup/", {"email": "wang@example.cn", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    user = User.objects.get(email="wang@example.cn")
    assert not EmailAddress.objects.get(user=user).verified
    assert not _signed_in(portal_client)

    # Unverified: signing in only resends the verification mail.
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["wang@example.cn"]
    confirm_url = _link(mail.outbox[0])
    assert confirm_url.startswith("/accounts/confirm-email/")

    page = portal_client.get(confirm_url)
    assert page.status_code == 200
    response = portal_client.post(confirm_url)
    assert response.status_code == 302
    assert EmailAddress.objects.get(user=user).verified

    portal_client.logout()
    response = portal_client.post("/accounts/login/", {"login": "wang@example.cn", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert _signed_in(portal_client)


def test_unverified_account_cannot_sign_in(portal_client):
    portal_client.post(
        "/accounts/signup/", {"email": "wang@example.cn", "password1": PASSWORD, "password2": PASSWORD}
    )
    portal_client.logout()
    mail.outbox.clear()
    response = portal_client.post("/accounts/login/", {"login": "wang@example.cn", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/accounts/confirm-email/"
    assert not _signed_in(portal_client)


def test_sign_up_errors_are_shown_next_to_the_field(portal_client):
    response = portal_client.post(
        "/accounts/signup/", {"email": "wang-at-example.cn", "password1": "123", "password2": "456"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in page
    assert '<label for="id_email"' in page
    assert 'id="id_email_error"' in page
    assert 'aria-describedby="id_email_error"' in page and 'aria-invalid="true"' in page
    assert 'value="wang-at-example.cn"' in page  # what was typed is kept
    assert not User.objects.filter(email="wang-at-example.cn").exists()


def test_signing_up_with_a_registered_address_does_not_reveal_it(portal_client, citizen):
    response = portal_client.post(
        "/accounts/signup/", {"email": citizen.email, "password1": PASSWORD, "password2": PASSWORD}
    )
    # allauth answers as for a new address and mails the owner instead (no account enumeration).
    assert response.status_code == 302
    assert User.objects.filter(email=citizen.email).count() == 1
    assert mail.outbox[-1].to == [citizen.email]


def test_allauth_pages_use_the_hall_layout(portal_client):
    for url in ("/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"):
        page = portal_client.get(url).content.decode()
        assert 'class="site-header"' in page, url
        assert "依据《信访工作条例》办理" in page, url
        assert '<main id="main"' in page, url


def test_wrong_password_is_refused(portal_client, citizen):
    response = portal_client.post("/accounts/login/", {"login": citizen.email, "password": "wrong-one"})
    assert response.status_code == 200
    assert not _signed_in(portal_client)
    assert 'role="alert"' in response.content.decode()


def test_login_is_rate_limited_after_repeated_failures(portal_client, citizen):
    for _attempt in range(5):
        response = portal_client.post("/accounts/login/", {"login": citizen.email, "password": "wrong-one"})
        assert response.status_code == 200
    # Even the right password is refused now, for a while.
    response = portal_client.post(
        "/accounts/login/", {"login": citizen.email, "password": "pw-for-tests-123"}
    )
    assert not _signed_in(portal_client)
    assert response.status_code == 200
    assert "登录失败次数过多" in response.content.decode()


def test_login_failures_for_one_account_do_not_refuse_another_from_the_same_address(
    portal_client, citizen, other_citizen
):
    for _attempt in range(5):
        portal_client.post("/accounts/login/", {"login": citizen.email, "password": "wrong-one"})
    # One person's typos must not lock everyone behind the same office or NAT address out; guessing
    # across many accounts from one address is stopped at a higher count (test_login_limits.py).
    response = portal_client.post(
        "/accounts/login/", {"login": other_citizen.email, "password": "pw-for-tests-123"}
    )
    assert response.status_code == 302 and _signed_in(portal_client)


def test_password_reset_by_email(portal_client, citizen):
    response = portal_client.post("/accounts/password/reset/", {"email": citizen.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [citizen.email]
    response = portal_client.get(_link(mail.outbox[0]))
    assert response.status_code == 302  # allauth moves the key out of the URL into the session
    set_password_url = response["Location"]
    response = portal_client.post(set_password_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    citizen.refresh_from_db()
    assert citizen.check_password(NEW_PASSWORD)
    response = portal_client.post("/accounts/login/", {"login": citizen.email, "password": NEW_PASSWORD})
    assert response.status_code == 302 and _signed_in(portal_client)


def test_password_reset_for_an_unknown_address_sends_nothing_useful(portal_client):
    portal_client.post("/accounts/password/reset/", {"email": "nobody@example.cn"})
    assert all("/accounts/password/reset/key/" not in message.body for message in mail.outbox)


def test_change_email_replaces_the_address_once_verified(portal_client, citizen):
    portal_client.force_login(citizen)
    response = portal_client.post("/accounts/email/", {"action_add": "", "email": "alice.new@example.cn"})
    assert response.status_code == 302
    citizen.refresh_from_db()
    assert citizen.email == "alice@example.cn"  # unchanged until the new address is verified
    assert mail.outbox[-1].to == ["alice.new@example.cn"]
    portal_client.post(_link(mail.outbox[-1]))
    citizen.refresh_from_db()
    assert citizen.email == "alice.new@example.cn"
    assert list(EmailAddress.objects.filter(user=citizen).values_list("email", flat=True)) == [
        "alice.new@example.cn"
    ]
