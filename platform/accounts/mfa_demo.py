"""A known TOTP secret for the demo and test staff accounts.

Every demo staff member (tenants.demo.seed_users) gets an authenticator app with this secret, so the
demo works without a phone: add the secret to any authenticator app (or run
``python -c "import pyotp; print(pyotp.TOTP('JBSWY3DPEHPK3PXPHALLDEMO').now())"``) and enter the
6-digit code after the password. Never use it outside a development machine.
"""

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP

from config.crypto import decrypt_text, encrypt_text

DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPHALLDEMO"  # noqa: S105 - a published demo secret, by design


def demo_totp_secret() -> str:
    """The fixed base32 TOTP secret of every demo staff account."""
    return DEMO_TOTP_SECRET


def give_totp(user, secret: str | None = None) -> Authenticator:
    """Give ``user`` an active authenticator app with ``secret`` (the demo secret by default);
    idempotent: an existing TOTP authenticator is kept as it is."""
    existing = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if existing is not None:
        if not decrypt_text(existing.data.get("secret", "")):
            # Sealed under another key (a demo database made before the secret key became private,
            # config/crypto.py): seal the secret again, or the demo logins could not pass the code step.
            existing.data["secret"] = encrypt_text(secret or demo_totp_secret())
            existing.save(update_fields=["data"])
        return existing
    return TOTP.activate(user, secret or demo_totp_secret()).instance
