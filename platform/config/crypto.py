"""Field encryption for personal data (ID numbers, phone numbers, addresses) and keyed hashes for
looking them up.

Fernet (AES-128-CBC + HMAC-SHA256) with a key derived from HALL_FIELD_KEY, or from SECRET_KEY when
that is unset. Rotating the key means re-encrypting: keep the old key in HALL_FIELD_KEY_OLD meanwhile.
"""

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


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


def is_token(value: str) -> bool:
    """Whether ``value`` looks like a Fernet token (version byte 0x80, base64 ``gAAAAA``) rather than
    plain text: the data migrations use it to encrypt each plaintext value once."""
    return bool(value) and value.startswith("gAAAAA")


class EncryptedTextField(models.TextField):
    """A text column that holds only a Fernet token; the model attribute is the plain text.

    Encrypts on every write (save, update, bulk_create) and decrypts on load, so no code path can store
    the value in clear. The token differs on each write: never filter or order on such a column (the
    ID number, which must be looked up, has its keyed hash next to it instead).
    """

    def from_db_value(self, value, expression, connection):
        return decrypt_text(value) if value else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return encrypt_text(value) if value else value


def encrypt_plaintext_columns(connection, table: str, columns: tuple[str, ...]) -> int:
    """Encrypt in place the plaintext values of ``columns`` of ``table`` (in the current search_path);
    values already encrypted are left alone. For data migrations: reads with SELECT and writes one
    UPDATE per row that needs it, so on an empty table (an agency schema provisioned from the
    migration journal, tenants.provisioning) nothing but the SELECT runs. Returns the rows changed."""
    return _rewrite_columns(
        connection, table, columns, lambda value: value if is_token(value) else encrypt_text(value)
    )


def decrypt_columns(connection, table: str, columns: tuple[str, ...]) -> int:
    """The reverse of ``encrypt_plaintext_columns`` (for migrating backwards)."""
    return _rewrite_columns(
        connection, table, columns, lambda value: decrypt_text(value) if is_token(value) else value
    )


def _rewrite_columns(connection, table: str, columns: tuple[str, ...], convert) -> int:
    quote = connection.ops.quote_name
    names = ", ".join(quote(column) for column in columns)
    assignments = ", ".join(f"{quote(column)} = %s" for column in columns)
    changed = 0
    with connection.cursor() as cursor:
        # Identifiers come from the model's _meta, quoted; values are parameters.
        cursor.execute(f"SELECT id, {names} FROM {quote(table)}")  # noqa: S608
        rows = cursor.fetchall()
        for pk, *values in rows:
            converted = [convert(value) if value else value for value in values]
            if converted != values:
                cursor.execute(
                    f"UPDATE {quote(table)} SET {assignments} WHERE id = %s",  # noqa: S608
                    [*converted, pk],
                )
                changed += 1
    return changed
