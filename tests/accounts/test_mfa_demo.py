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


def test_demo_staff_sealed_under_the_old_public_key_can_still_sign_in(db):
    # A demo database seeded while the secret key was the public one: its TOTP secrets do not decrypt
    # under the private key; starting ./run again (seed_users) seals them again.
    import pyotp
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP
    from cryptography.fernet import Fernet

    from accounts.mfa_demo import demo_totp_secret
    from accounts.models import User
    from config.crypto import _derive
    from tenants.demo import seed_users

    seed_users()
    staff = User.objects.get(email="handler@gaj.demo.hall")
    authenticator = Authenticator.objects.get(user=staff, type=Authenticator.Type.TOTP)
    old_key = Fernet(_derive("dev-only-insecure-key-change-me"))
    authenticator.data["secret"] = old_key.encrypt(demo_totp_secret().encode()).decode()
    authenticator.save()
    assert not TOTP(authenticator).validate_code(pyotp.TOTP(demo_totp_secret()).now())
    seed_users()
    authenticator.refresh_from_db()
    assert TOTP(authenticator).validate_code(pyotp.TOTP(demo_totp_secret()).now())
