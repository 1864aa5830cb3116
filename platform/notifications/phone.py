"""Mobile numbers proven by SMS code: verifying a citizen's number, and signing in with number + code.

A code is six digits, lives HALL_PHONE_CODE_SECONDS, works once and is kept as a keyed hash. The
limits follow the sign-in limits (accounts.adapters) so that nobody can lock someone else out:

- sending: per number *and* address (HALL_PHONE_CODES_PER_HOUR an hour) and per address (30 an
  hour), which block only the asker's address; per number from anywhere (20 an hour, against SMS
  bombing), which does not apply from an address where the number was verified or signed in, so the
  owner's own devices keep getting codes;
- checking: a code dies after 5 wrong guesses (a new one can be asked for), and wrong guesses are
  counted per address (30 in 15 minutes).
"""

import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _

from config import throttle
from config.crypto import lookup_hash
from config.errors import HallError
from notifications.models import PhoneCode, VerifiedPhone

PURPOSE_VERIFY, PURPOSE_SIGN_IN = "verify", "sign_in"
MAX_WRONG_GUESSES = 5
KNOWN_ADDRESS_SECONDS = 30 * 24 * 3600
_MOBILE = re.compile(r"^1[3-9]\d{9}$")

_TOO_MANY = _("获取验证码过于频繁，请一小时后再试。")
_SEND_PER_PAIR = throttle.Limit("sms-code-pair", settings.HALL_PHONE_CODES_PER_HOUR, 3600, _TOO_MANY)
_SEND_PER_ADDRESS = throttle.Limit("sms-code-address", 30, 3600, _TOO_MANY)
_SEND_PER_NUMBER = throttle.Limit("sms-code-number", 20, 3600, _TOO_MANY)
_GUESS_PER_ADDRESS = throttle.Limit("sms-code-guess", 30, 900, _("验证码错误次数过多，请十五分钟后再试。"))


class InvalidPhone(HallError):
    code = "invalid_phone"


class TooManyCodes(HallError):
    code = "too_many_codes"
    status = 429


class WrongCode(HallError):
    code = "wrong_code"


def normalize_phone(raw: str) -> str:
    phone = re.sub(r"[\s-]", "", raw or "").removeprefix("+86")
    if not _MOBILE.match(phone):
        raise InvalidPhone(_("请输入11位中国大陆手机号码。"), field="phone")
    return phone


def _known_key(phone: str, address: str) -> str:
    return f"hall:phone-known-address:{lookup_hash(f'{phone}|{address}')[:32]}"


def _remember_address(phone: str, address: str) -> None:
    cache.set(_known_key(phone, address), 1, KNOWN_ADDRESS_SECONDS)


def _code_hash(code_id, code: str) -> str:
    return salted_hmac("hall.phone-code", f"{code_id}:{code}").hexdigest()


def request_code(*, phone: str, purpose: str, client_address: str, user=None) -> None:
    """Send a code to ``phone`` (by the worker, after commit). For signing in, a number that no
    account has verified gets nothing, but the caller answers the same way (no account lookup)."""
    phone = normalize_phone(phone)
    counted = [(_SEND_PER_PAIR, f"{phone}|{client_address}"), (_SEND_PER_ADDRESS, client_address)]
    if cache.get(_known_key(phone, client_address)) is None:
        counted.append((_SEND_PER_NUMBER, phone))
    limit = throttle.consume(counted)
    if limit is not None:
        raise TooManyCodes(limit.message)
    phone_hash = lookup_hash(phone)
    if purpose == PURPOSE_SIGN_IN:
        verified = VerifiedPhone.objects.filter(phone_hash=phone_hash).select_related("user").first()
        if verified is None or not verified.user.is_active:
            return
        user = verified.user
    code = f"{secrets.randbelow(10**6):06d}"
    with transaction.atomic():
        # A new code replaces the number's earlier ones for the same purpose.
        PhoneCode.objects.filter(phone_hash=phone_hash, purpose=purpose, used_at__isnull=True).update(
            used_at=timezone.now()
        )
        row = PhoneCode(
            phone_hash=phone_hash,
            purpose=purpose,
            user=user,
            expires_at=timezone.now() + timedelta(seconds=settings.HALL_PHONE_CODE_SECONDS),
        )
        row.code_hash = _code_hash(row.pk, code)
        row.save()
        _send_code(phone=phone, code=code, purpose=purpose, key=f"phone-code:{row.pk}")


def _send_code(*, phone: str, code: str, purpose: str, key: str) -> None:
    from notifications.tasks import send_sms_code

    kind = f"phone_code_{purpose}"
    params = {"code": code, "minutes": str(settings.HALL_PHONE_CODE_SECONDS // 60)}
    transaction.on_commit(lambda: send_sms_code.delay(phone=phone, kind=kind, params=params, key=key))


def check_code(*, phone: str, code: str, purpose: str, client_address: str, user=None) -> PhoneCode:
    """The live code of ``phone`` for ``purpose`` if ``code`` is it (used up now); else WrongCode."""
    phone = normalize_phone(phone)
    limit = throttle.exceeded([(_GUESS_PER_ADDRESS, client_address)])
    if limit is not None:
        raise TooManyCodes(limit.message)
    wrong = WrongCode(_("验证码不正确或已过期，请重新获取。"), field="code")
    # The wrong guess is counted in the database before the error is raised, outside the block:
    # raising inside it would roll the count back.
    matched = False
    with transaction.atomic():
        row = (
            PhoneCode.objects.select_for_update()
            .filter(
                phone_hash=lookup_hash(phone),
                purpose=purpose,
                used_at__isnull=True,
                expires_at__gt=timezone.now(),
            )
            .order_by("-created_at")
            .first()
        )
        if row is not None and (user is None or row.user_id == user.pk):
            matched = constant_time_compare(row.code_hash, _code_hash(row.pk, (code or "").strip()))
            if matched:
                row.used_at = timezone.now()
            else:
                row.failed_attempts += 1
                if row.failed_attempts >= MAX_WRONG_GUESSES:
                    row.used_at = timezone.now()  # dead: a new code must be asked for
            row.save(update_fields=["failed_attempts", "used_at"])
    if not matched or row is None:
        throttle.count([(_GUESS_PER_ADDRESS, client_address)])
        raise wrong
    _remember_address(phone, client_address)
    return row


def verify_phone(*, user, phone: str, code: str, client_address: str) -> VerifiedPhone:
    """The signed-in citizen proves ``phone`` with its code; it becomes their verified number."""
    phone = normalize_phone(phone)
    check_code(phone=phone, code=code, purpose=PURPOSE_VERIFY, client_address=client_address, user=user)
    phone_hash = lookup_hash(phone)
    with transaction.atomic():
        # The number now belongs to whoever proved it last: it is theirs to receive codes on.
        VerifiedPhone.objects.filter(phone_hash=phone_hash).exclude(user=user).delete()
        verified, _created = VerifiedPhone.objects.update_or_create(
            user=user, defaults={"phone_hash": phone_hash, "phone": phone, "verified_at": timezone.now()}
        )
    return verified


def user_for_code(*, phone: str, code: str, client_address: str):
    """The account that signs in with ``phone`` and ``code``; WrongCode otherwise."""
    row = check_code(phone=phone, code=code, purpose=PURPOSE_SIGN_IN, client_address=client_address)
    if row.user is None or not row.user.is_active:
        raise WrongCode(_("验证码不正确或已过期，请重新获取。"), field="code")
    return row.user
