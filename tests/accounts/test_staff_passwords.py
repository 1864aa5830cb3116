"""Staff passwords are stronger than citizens': 12+ characters with letters, digits and symbols."""

import re

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ValidationError

from accounts.models import Role
from tests.conftest import make_staff

CITIZEN_OK = "marble-7xq"  # 10 characters: enough for a citizen, too short for staff
STAFF_OK = "Zhengfu-2026-xinfang"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def codes(password: str, user) -> set[str]:
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        return {error.code for error in exc.error_list}
    return set()


@pytest.mark.parametrize(
    ("password", "refused"),
    [
        ("short-1a", {"staff_password_too_short"}),
        (CITIZEN_OK, {"staff_password_too_short"}),
        ("longpassword2026", {"staff_password_too_simple"}),
        ("long-password-only", {"staff_password_too_simple"}),
        ("2026-0101-!!!!", {"staff_password_too_simple"}),
        (STAFF_OK, set()),
        ("hall-demo-2026", set()),  # the demo accounts' password
    ],
)
def test_a_staff_password_needs_twelve_characters_and_three_kinds(agency_a, password, refused):
    handler = make_staff("pw-handler@gaj.test", agency_a, Role.HANDLER)
    assert codes(password, handler) & {"staff_password_too_short", "staff_password_too_simple"} == refused


def test_citizens_keep_the_standard_rule(citizen):
    assert codes(CITIZEN_OK, citizen) == set()
    assert "password_too_short" in codes("x7-q", citizen)


def test_staff_cannot_change_to_a_citizen_strength_password(portal_client, agency_a):
    handler = make_staff("pw-change@gaj.test", agency_a, Role.HANDLER)
    portal_client.force_login(handler)
    response = portal_client.post(
        "/accounts/password/change/",
        {"oldpassword": "pw-for-tests-123", "password1": CITIZEN_OK, "password2": CITIZEN_OK},
    )
    assert response.status_code == 200 and "工作人员的密码至少需要12个字符" in response.content.decode()
    handler.refresh_from_db()
    assert handler.check_password("pw-for-tests-123")
    response = portal_client.post(
        "/accounts/password/change/",
        {"oldpassword": "pw-for-tests-123", "password1": STAFF_OK, "password2": STAFF_OK},
    )
    assert response.status_code == 302
    handler.refresh_from_db()
    assert handler.check_password(STAFF_OK)


def test_a_citizen_may_change_to_a_ten_character_password(portal_client, citizen):
    portal_client.force_login(citizen)
    response = portal_client.post(
        "/accounts/password/change/",
        {"oldpassword": "pw-for-tests-123", "password1": CITIZEN_OK, "password2": CITIZEN_OK},
    )
    assert response.status_code == 302
    citizen.refresh_from_db()
    assert citizen.check_password(CITIZEN_OK)


def test_a_staff_password_reset_applies_the_staff_rule(host_client, agency_a):
    handler = make_staff("pw-reset@gaj.test", agency_a, Role.LEADER)
    client = host_client(agency_a)
    client.post("/accounts/password/reset/", {"email": handler.email})
    link = re.search(r"https?://[^/\s]+(/accounts/[^\s]+)", mail.outbox[-1].body).group(1)
    set_password_url = client.get(link)["Location"]
    response = client.post(set_password_url, {"password1": CITIZEN_OK, "password2": CITIZEN_OK})
    assert response.status_code == 200 and "工作人员的密码" in response.content.decode()
    handler.refresh_from_db()
    assert not handler.check_password(CITIZEN_OK)
    response = client.post(set_password_url, {"password1": STAFF_OK, "password2": STAFF_OK})
    assert response.status_code == 302
    handler.refresh_from_db()
    assert handler.check_password(STAFF_OK)


def test_every_demo_staff_login_meets_the_staff_rule(db):
    from accounts.models import User
    from tenants.demo import DEMO_PASSWORD, seed_users

    seed_users()
    staff = User.objects.filter(memberships__isnull=False).distinct()
    assert staff.exists()
    for user in staff:
        validate_password(DEMO_PASSWORD, user=user)
        assert user.check_password(DEMO_PASSWORD)


def test_a_citizen_made_staff_with_a_citizen_strength_password_must_reset_it_to_sign_in(
    portal_client, host_client, citizen, agency_a, admin_a
):
    from cases.workspace.services import add_member

    citizen.set_password(CITIZEN_OK)
    citizen.save()
    response = portal_client.post("/accounts/login/", {"login": citizen.email, "password": CITIZEN_OK})
    assert response.status_code == 302  # a citizen: the standard rule
    portal_client.logout()
    add_member(acting_user=admin_a, agency=agency_a, email=citizen.email, role=Role.HANDLER)
    # Now staff: the portal refuses any staff sign-in (内外网隔离); the workspace asks for a reset.
    response = portal_client.post("/accounts/login/", {"login": citizen.email, "password": CITIZEN_OK})
    assert response.status_code == 200 and "工作人员账号不能在互联网门户登录" in response.content.decode()
    assert "_auth_user_id" not in portal_client.session
    workspace = host_client(agency_a)
    response = workspace.post("/accounts/login/", {"login": citizen.email, "password": CITIZEN_OK})
    assert response.status_code == 200 and "您的密码不符合要求" in response.content.decode()
    assert "_auth_user_id" not in workspace.session
    # A wrong password is still just a wrong password; the staff rule is told only to its holder.
    response = portal_client.post("/accounts/login/", {"login": citizen.email, "password": "wrong-one"})
    assert "您的密码不符合要求" not in response.content.decode()
