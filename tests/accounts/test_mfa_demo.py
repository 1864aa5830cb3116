"""The demo seed gives staff a known TOTP secret, and only staff."""

import pyotp
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP

from accounts.mfa_demo import demo_totp_secret, give_totp
from accounts.models import User
from tenants.demo import DEMO_USERS, seed_users


def test_demo_secret_is_a_valid_base32_totp_secret():
    assert len(pyotp.TOTP(demo_totp_secret()).now()) == 6


def test_seeded_staff_have_the_demo_totp_and_citizens_none(db):
    seed_users()
    for demo in DEMO_USERS:
        user = User.objects.get(email=demo.email)
        authenticators = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP)
        if demo.roles:
            totp = TOTP(authenticators.get())
            assert totp.validate_code(pyotp.TOTP(demo_totp_secret()).now())
        else:
            assert not authenticators.exists()


def test_seeding_twice_keeps_one_authenticator(db):
    seed_users()
    seed_users()
    staff = User.objects.get(email="handler@gaj.demo.hall")
    assert Authenticator.objects.filter(user=staff).count() == 1


def test_give_totp_keeps_an_existing_authenticator(citizen):
    first = give_totp(citizen, pyotp.random_base32())
    assert give_totp(citizen).pk == first.pk
