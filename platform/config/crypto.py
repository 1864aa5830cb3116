"""Field encryption for personal data (ID numbers) and keyed hashes for looking them up.

Fernet (AES-128-CBC + HMAC-SHA256) with a key derived from HALL_FIELD_KEY, or from SECRET_KEY when
that is unset. Rotating the key means re-encrypting: keep the old key in HALL_FIELD_KEY_OLD meanwhile.
"""

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


def _derive(secret: str) -> bytes:
    return base64.urlsafe_b64encode(hashlib.sha256(f"hall-field-key:{secret}".encode()).digest())


@lru_cache(maxsize=1)
def _fernet() -> MultiFernet:
    keys = [getattr(settings, "HALL_FIELD_KEY", "") or settings.SECRET_KEY]
    old = getattr(settings, "HALL_FIELD_KEY_OLD", "")
    if old:
        keys.append(old)
    return MultiFernet([Fernet(_derive(key)) for key in keys])


def encrypt_text(value: str) -> str:
    if not value:
        return ""
    return _fernet().encrypt(value.encode()).decode()


def decrypt_text(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return ""


def lookup_hash(value: str) -> str:
    """A keyed hash: equal inputs match, and the table alone does not reveal the value."""
    key = (getattr(settings, "HALL_FIELD_KEY", "") or settings.SECRET_KEY).encode()
    return hmac.new(key, value.strip().upper().encode(), hashlib.sha256).hexdigest()


def mask_id_number(value: str) -> str:
    """4112**********123X: region prefix and the last four, nothing in between."""
    if len(value) < 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]
