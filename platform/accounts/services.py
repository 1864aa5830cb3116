"""State changes for accounts: the citizen's real-name profile."""

import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.identity import validate_mobile, validate_resident_id
from accounts.models import CitizenProfile, User
from config import throttle
from config.compiled import CompiledQuery
from config.crypto import decrypt_text, encrypt_text, lookup_hash
from config.errors import HallError

# Every decryption of a citizen's ID number for use outside the profile page is logged (who, whose).
identity_log = logging.getLogger("hall.identity")


class InvalidProfile(HallError):
    """The submitted profile has errors; ``details['fields']`` maps each field to its messages."""

    code = "invalid_profile"


class IdNumberTaken(HallError):
    code = "id_number_taken"
    status = 409


class TooManyIdNumbers(HallError):
    code = "too_many_id_numbers"
    status = 429


# Whether an ID number is registered must not be cheap to learn: an account that could try numbers
# freely would be an oracle for who uses the hall. So the refusal of a number registered to another
# account does not say so (the same words fit a number typed wrong), the attempt is logged for the
# bureau to verify, and every new number tried counts, accepted or not, against the account and the
# address it came from. Accepting the duplicate and flagging it would hide even the refusal, but one
# number has one profile row (the keyed hash is unique) and the storage is not this check's to change.
ID_NUMBERS_PER_ACCOUNT = throttle.Limit(
    "id-number-account", 5, 24 * 3600, _("实名登记尝试次数过多，请24小时后再试。")
)
ID_NUMBERS_PER_ADDRESS = throttle.Limit(
    "id-number-address", 30, 24 * 3600, _("实名登记尝试次数过多，请24小时后再试。")
)


def _id_number_taken() -> IdNumberTaken:
    message = _("无法使用该身份证号码完成实名登记。请核对号码；号码无误的，请携带居民身份证到信访局办理。")
    return IdNumberTaken(message, fields={"id_number": [str(message)]})


def _count_id_number_attempt(
    *, user: User, number: str | None, existing: CitizenProfile | None, client_address: str | None
) -> None:
    """Count a new number (not the one already registered) before anything says whether it is free."""
    if number is None or (existing is not None and existing.id_number_hash == lookup_hash(number)):
        return
    counted = [(ID_NUMBERS_PER_ACCOUNT, str(user.uuid))]
    if client_address:
        counted.append((ID_NUMBERS_PER_ADDRESS, client_address))
    limit = throttle.consume(counted)
    if limit is not None:
        raise TooManyIdNumbers(limit.message)


class ProfileRequired(HallError):
    code = "profile_required"
    status = 403


def _validated(*, full_name: str, id_number: str | None, phone: str, address: str) -> dict:
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, str | None] = {}
    full_name = (full_name or "").strip()
    address = (address or "").strip()
    if not full_name:
        errors["full_name"] = [str(_("请填写与身份证一致的姓名。"))]
    elif len(full_name) > 50:
        errors["full_name"] = [str(_("姓名不能超过50个字。"))]
    cleaned["full_name"] = full_name
    if not address:
        errors["address"] = [str(_("请填写联系地址，便于寄送书面答复。"))]
    elif len(address) > 200:
        errors["address"] = [str(_("联系地址不能超过200个字。"))]
    cleaned["address"] = address
    checks = (("id_number", validate_resident_id, id_number), ("phone", validate_mobile, phone))
    for field, check, value in checks:
        if value is None:
            cleaned[field] = None
            continue
        try:
            cleaned[field] = check(value)
        except ValidationError as exc:
            errors[field] = [str(message) for message in exc.messages]
    if errors:
        raise InvalidProfile(_("实名信息有误，请按提示修改。"), fields=errors)
    return cleaned


def save_profile(
    *,
    user: User,
    full_name: str,
    id_number: str | None,
    phone: str,
    address: str,
    client_address: str | None = None,
) -> CitizenProfile:
    """Create or update ``user``'s real-name profile.

    ``id_number=None`` keeps the number already registered (the page never shows it again, so an
    update that leaves the field empty keeps it). One ID number belongs to one account.
    ``client_address`` (config.net.rate_limit_address) counts new numbers tried per address too.
    """
    existing = CitizenProfile.objects.filter(user=user).first()
    if existing is None and id_number is None:
        raise InvalidProfile(
            _("实名信息有误，请按提示修改。"), fields={"id_number": [str(_("请填写身份证号码。"))]}
        )
    cleaned = _validated(full_name=full_name, id_number=id_number, phone=phone, address=address)
    _count_id_number_attempt(
        user=user, number=cleaned["id_number"], existing=existing, client_address=client_address
    )
    with transaction.atomic():
        profile = CitizenProfile.objects.select_for_update().filter(user=user).first() or CitizenProfile(
            user=user
        )
        profile.full_name = cleaned["full_name"]
        profile.phone = cleaned["phone"]
        profile.address = cleaned["address"]
        number = cleaned["id_number"]
        if number is not None:
            profile.id_number_encrypted = encrypt_text(number)
            profile.id_number_hash = lookup_hash(number)
            profile.id_number_last4 = number[-4:]
        if CitizenProfile.objects.filter(id_number_hash=profile.id_number_hash).exclude(user=user).exists():
            identity_log.warning("user %s tried an ID number registered to another account", user.uuid)
            raise _id_number_taken()
        try:
            with transaction.atomic():
                profile.save()
        except IntegrityError:
            # Two accounts registering the same number at the same moment: the unique hash decides.
            identity_log.warning("user %s tried an ID number registered to another account", user.uuid)
            raise _id_number_taken() from None
        if user.full_name != profile.full_name:
            user.full_name = profile.full_name
            user.save(update_fields=["full_name"])
    return profile


def _snapshot_of(_shape, markers) -> QuerySet:
    return CitizenProfile.objects.filter(user_id=markers.user_id).values_list(
        "full_name", "id_number_encrypted", "phone", "address"
    )[:1]


# Compiled once (config.compiled): every filing reads it; phone and address come back decrypted.
_SNAPSHOT = CompiledQuery(_snapshot_of, user_id=-7_770_002)


def petitioner_snapshot(user: User) -> dict[str, str]:
    """The petitioner's details as registered now, for the case core to copy into a petition.

    Contains the decrypted ID number: callers store it encrypted and never render it whole.
    """
    profile = _SNAPSHOT.rows(None, user_id=user.pk) if user.is_authenticated else None
    if not profile:
        raise ProfileRequired(_("请先完成实名登记，再提交信访事项。"))
    full_name, id_number_encrypted, phone, address = profile[0]
    id_number = decrypt_text(id_number_encrypted)
    if not id_number:
        # The stored token no longer decrypts (HALL_FIELD_KEY changed without HALL_FIELD_KEY_OLD):
        # refuse rather than copy an empty number into a petition.
        raise HallError(
            _("实名信息暂时无法读取，请稍后再试或联系信访局。"), code="identity_unreadable", status=500
        )
    identity_log.info("petitioner snapshot for user %s", user.uuid)
    return {"name": full_name, "id_number": id_number, "phone": phone, "address": address}
