"""Phone verification and sign-in with an SMS code: hashed, expiring, single-use codes, limits that
stop a guesser without locking the owner out, and staff refused on the portal."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Role
from config.crypto import lookup_hash
from notifications import phone as phone_codes
from notifications.models import PhoneCode, VerifiedPhone
from tests.conftest import make_staff

NUMBER = "13912345678"
ELSEWHERE = "203.0.113.9"


def _last_code(sms) -> str:
    return sms.sent[-1]["params"]["code"]


def _ask(client, path, **extra):
    return client.post(path, {"action": "send_code", "phone": NUMBER}, **extra)


@pytest.fixture
def verified(citizen, portal_client, sms, django_capture_on_commit_callbacks):
    """The citizen has verified NUMBER through the profile page."""
    portal_client.force_login(citizen)
    with django_capture_on_commit_callbacks(execute=True):
        _ask(portal_client, "/accounts/profile/notifications/")
    response = portal_client.post(
        "/accounts/profile/notifications/", {"action": "verify", "phone": NUMBER, "code": _last_code(sms)}
    )
    assert response.status_code == 302
    portal_client.logout()
    return VerifiedPhone.objects.get(user=citizen)


def test_a_citizen_verifies_their_number_with_the_code(verified, citizen, sms):
    assert verified.phone == NUMBER and verified.phone_hash == lookup_hash(NUMBER)
    code = sms.sent[-1]["params"]["code"]
    row = PhoneCode.objects.get(user=citizen, purpose="verify")
    # Kept as a keyed hash, and used up.
    assert code not in row.code_hash and row.used_at is not None
    assert sms.sent[-1]["phone"] == NUMBER


def test_a_wrong_or_reused_code_does_not_verify(
    citizen, portal_client, sms, django_capture_on_commit_callbacks
):
    portal_client.force_login(citizen)
    with django_capture_on_commit_callbacks(execute=True):
        _ask(portal_client, "/accounts/profile/notifications/")
    code = _last_code(sms)
    wrong = "000000" if code != "000000" else "111111"
    response = portal_client.post(
        "/accounts/profile/notifications/", {"action": "verify", "phone": NUMBER, "code": wrong}
    )
    assert response.status_code == 400 and "验证码不正确" in response.content.decode()
    assert not VerifiedPhone.objects.exists()


def test_sign_in_with_phone_and_code(
    verified, citizen, portal_client, sms, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        asked = _ask(portal_client, "/accounts/phone/login/")
    assert asked.status_code == 200 and sms.sent[-1]["template"] == "phone_code_sign_in"
    response = portal_client.post(
        "/accounts/phone/login/", {"action": "sign_in", "phone": NUMBER, "code": _last_code(sms)}
    )
    assert response.status_code == 302
    assert portal_client.get("/accounts/profile/").wsgi_request.user == citizen
    # The code worked once.
    portal_client.logout()
    again = portal_client.post(
        "/accounts/phone/login/",
        {"action": "sign_in", "phone": NUMBER, "code": sms.sent[-1]["params"]["code"]},
    )
    assert again.status_code == 400 and not again.wsgi_request.user.is_authenticated


def test_an_unknown_number_gets_the_same_answer_and_no_sms(
    portal_client, sms, db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _ask(portal_client, "/accounts/phone/login/")
    assert response.status_code == 200 and "如果该号码已在本站验证" in response.content.decode()
    assert sms.sent == []


def test_an_expired_code_does_not_sign_in(verified, portal_client, sms, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _ask(portal_client, "/accounts/phone/login/")
    PhoneCode.objects.filter(purpose="sign_in").update(expires_at=timezone.now() - timedelta(seconds=1))
    response = portal_client.post(
        "/accounts/phone/login/", {"action": "sign_in", "phone": NUMBER, "code": _last_code(sms)}
    )
    assert response.status_code == 400 and not response.wsgi_request.user.is_authenticated


def test_staff_are_refused_on_the_portal_phone_sign_in(
    verified, citizen, bureau, portal_client, sms, django_capture_on_commit_callbacks
):
    make_staff("made-staff@xfj.test", bureau, Role.HANDLER)
    from accounts.models import Membership

    Membership.objects.create(user=citizen, agency=bureau, role=Role.HANDLER)  # the citizen became staff
    with django_capture_on_commit_callbacks(execute=True):
        _ask(portal_client, "/accounts/phone/login/")
    response = portal_client.post(
        "/accounts/phone/login/", {"action": "sign_in", "phone": NUMBER, "code": _last_code(sms)}
    )
    assert response.status_code == 403 and "工作人员账号不能在互联网门户登录" in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated


def test_five_wrong_guesses_kill_the_code(verified, portal_client, sms, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _ask(portal_client, "/accounts/phone/login/")
    code = _last_code(sms)
    wrong = "000000" if code != "000000" else "111111"
    for _attempt in range(phone_codes.MAX_WRONG_GUESSES):
        portal_client.post("/accounts/phone/login/", {"action": "sign_in", "phone": NUMBER, "code": wrong})
    late = portal_client.post("/accounts/phone/login/", {"action": "sign_in", "phone": NUMBER, "code": code})
    assert late.status_code == 400 and not late.wsgi_request.user.is_authenticated


def test_asking_too_often_blocks_the_asker_but_not_the_owner_elsewhere(
    settings, verified, portal_client, sms, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for _attempt in range(settings.HALL_PHONE_CODES_PER_HOUR):
            assert _ask(portal_client, "/accounts/phone/login/", REMOTE_ADDR=ELSEWHERE).status_code == 200
    sent = len(sms.sent)
    blocked = portal_client.post(
        "/accounts/phone/login/", {"action": "send_code", "phone": NUMBER}, REMOTE_ADDR=ELSEWHERE
    )
    assert blocked.status_code == 429 and len(sms.sent) == sent
    # The owner, from their own address (where they verified the number), still gets a code.
    with django_capture_on_commit_callbacks(execute=True):
        mine = _ask(portal_client, "/accounts/phone/login/")
    assert mine.status_code == 200 and len(sms.sent) == sent + 1


def test_a_malformed_number_is_a_clear_400(portal_client, db):
    response = portal_client.post("/accounts/phone/login/", {"action": "send_code", "phone": "12345"})
    assert response.status_code == 400 and "11位" in response.content.decode()


def test_a_code_is_sent_once_however_often_its_task_runs(
    verified, portal_client, sms, django_capture_on_commit_callbacks
):
    from notifications.tasks import send_sms_code

    with django_capture_on_commit_callbacks(execute=True):
        _ask(portal_client, "/accounts/phone/login/")
    row = PhoneCode.objects.get(purpose="sign_in")
    assert row.sent_at is not None
    sent = len(sms.sent)
    kwargs = {
        "phone": NUMBER,
        "kind": "phone_code_sign_in",
        "params": sms.sent[-1]["params"],
        "key": f"phone-code:{row.pk}",
    }
    send_sms_code.apply(kwargs=kwargs)  # the message redelivered
    assert len(sms.sent) == sent


def test_the_phone_sign_in_does_not_redirect_off_site(
    verified, portal_client, sms, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _ask(portal_client, "/accounts/phone/login/")
    response = portal_client.post(
        "/accounts/phone/login/",
        {"action": "sign_in", "phone": NUMBER, "code": _last_code(sms), "next": "https://evil.example/"},
    )
    assert response.status_code == 302 and "evil.example" not in response["Location"]
