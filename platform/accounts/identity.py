"""Checks for the real-name data a citizen registers: the resident ID number and the mobile number.

The resident identity number (居民身份证号码) follows GB 11643-1999: a 6-digit administrative-division
code, an 8-digit birth date, a 3-digit sequence and one check character computed with ISO 7064
MOD 11-2. Each check fails with its own code and a message that tells the citizen what to fix.
"""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# GB 11643-1999 §8.2: weight of each of the first 17 digits, and the check character for sum mod 11.
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"

# First two digits of the administrative-division code (GB/T 2260): provinces, autonomous regions,
# municipalities, and the codes used for residents of Taiwan, Hong Kong and Macao.
PROVINCE_CODES = frozenset(
    {
        "11", "12", "13", "14", "15",
        "21", "22", "23",
        "31", "32", "33", "34", "35", "36", "37",
        "41", "42", "43", "44", "45", "46",
        "50", "51", "52", "53", "54",
        "61", "62", "63", "64", "65",
        "71", "81", "82", "83",
    }
)  # fmt: skip

EARLIEST_BIRTH_YEAR = 1900

_ID_SHAPE = re.compile(r"^\d{17}[\dX]$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_PHONE_NOISE = re.compile(r"[\s\-()（）]")


def normalize_id_number(value: str) -> str:
    """Strip spaces and accept a lower-case or full-width x as the check character."""
    return (value or "").strip().replace(" ", "").replace("ｘ", "X").replace("Ｘ", "X").upper()


def id_check_char(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def validate_resident_id(value: str) -> str:
    """Return the normalised 18-character number, or raise ValidationError saying what to fix."""
    number = normalize_id_number(value)
    if len(number) != 18:
        raise ValidationError(
            _("身份证号码应为18位，您输入了%(count)d位。请核对后重新输入。"),
            code="id_length",
            params={"count": len(number)},
        )
    if not _ID_SHAPE.match(number):
        raise ValidationError(
            _("身份证号码前17位应为数字，最后一位为数字或字母X。请检查是否误输入了其他字符。"),
            code="id_format",
        )
    region = number[:6]
    if region[:2] not in PROVINCE_CODES or region[2:] == "0000":
        raise ValidationError(
            _("身份证号码前6位（地区代码）%(region)s不是有效的行政区划代码。请核对前6位。"),
            code="id_region",
            params={"region": region},
        )
    try:
        birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        birth = None
    if birth is None or birth.year < EARLIEST_BIRTH_YEAR or birth > timezone.localdate():
        raise ValidationError(
            _("身份证号码第7至14位（出生日期）%(digits)s不是有效日期。请核对出生年月日。"),
            code="id_birth_date",
            params={"digits": number[6:14]},
        )
    if id_check_char(number[:17]) != number[17]:
        raise ValidationError(
            _("身份证号码校验位不正确，号码中可能有数字输错或顺序颠倒。请对照证件逐位核对。"),
            code="id_checksum",
        )
    return number


def normalize_mobile(value: str) -> str:
    number = _PHONE_NOISE.sub("", (value or "").strip())
    for prefix in ("+86", "0086"):
        if number.startswith(prefix):
            number = number[len(prefix) :]
    return number


def validate_mobile(value: str) -> str:
    """Return the 11-digit mainland mobile number, or raise ValidationError saying what to fix."""
    number = normalize_mobile(value)
    if not _MOBILE.match(number):
        raise ValidationError(
            _("请输入11位中国大陆手机号码，以1开头，例如 13912345678。"),
            code="mobile",
        )
    return number
