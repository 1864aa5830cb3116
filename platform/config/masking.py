"""The one set of masks for personal data, used by every surface (workspace, oversight, API, portal,
published replies, notifications). Views render what these functions hand them; none masks by itself.

Where the full value is shown, and why (everywhere else the value is masked with these functions):

- the holding agency's case page (``cases.services.petitioner_for_staff(..., contact=True)``): the
  petitioner's name, phone and address in full, so the handler can call them and post the written
  notices and opinions (信访工作条例 arts. 23, 32); the ID number stays masked;
- the logged read of a protected reporter's identity (``reveal_contact``): name, phone and address, what
  a handler needs to contact the reporter (arts. 30, 46); the ID number stays masked there too;
- the citizen's own profile form, pre-filled with their own phone and address so they can correct them
  (the ID number is never shown again once registered).

Lists, the oversight pages and exports, the API and published replies see masked values only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

# --- Single values ---------------------------------------------------------------------------------


def mask_name(value: str) -> str:
    """张爱丽 → 张某某: the surname, then one 某 per character."""
    name = (value or "").strip()
    if not name:
        return ""
    return name[0] + "某" * max(len(name) - 1, 1)


def mask_id_number(value: str) -> str:
    """4112**********123X: region prefix and the last four, nothing in between."""
    value = (value or "").strip()
    if len(value) < 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


_MOBILE_VALUE = re.compile(r"^(?:\+?86[- ]?)?(1[3-9]\d)[- ]?\d{4}[- ]?(\d{4})$")
_LANDLINE_VALUE = re.compile(r"^(0\d{2,3})[- ]?(\d{7,8})$")


def mask_phone(value: str) -> str:
    """138****8000 for a mobile number; 0398-******* (area code kept) for a landline; any other
    form keeps only its last two characters."""
    phone = (value or "").strip()
    if not phone:
        return ""
    mobile = _MOBILE_VALUE.match(phone)
    if mobile:
        return f"{mobile.group(1)}****{mobile.group(2)}"
    landline = _LANDLINE_VALUE.match(phone)
    if landline:
        return f"{landline.group(1)}-{'*' * len(landline.group(2))}"
    if len(phone) <= 4:
        return "*" * len(phone)
    return "*" * (len(phone) - 2) + phone[-2:]


# Up to three administrative levels (省/自治区, 市/州/盟, 区/县/旗), each a few characters that are not
# themselves a street-level word or a number: 河南省三门峡市湖滨区 in 河南省三门峡市湖滨区黄河路1号.
_ADMIN_LEVEL = (
    r"[^\s\d省市区县旗州盟镇乡村路街巷弄道号栋幢楼单元室]{1,8}?"
    r"(?:自治区|自治州|自治县|州市|州区|省|市|州|盟|区|县|旗)"  # 郑州市, 陕州区: 州 is part of the name
)
_ADMIN_PREFIX = re.compile(rf"^(?:{_ADMIN_LEVEL}){{1,3}}")
ADDRESS_MASK = "****"


def mask_address(value: str) -> str:
    """河南省三门峡市湖滨区**** : the administrative prefix (down to the county or district) and
    nothing of the street, house, building, unit or room."""
    address = (value or "").strip()
    if not address:
        return ""
    prefix = _ADMIN_PREFIX.match(address)
    return (prefix.group(0) if prefix else "") + ADDRESS_MASK


def reveal_contact(identity: Mapping[str, str]) -> dict[str, str]:
    """A protected reporter's identity as the logged read shows it: what a handler needs to contact the
    reporter (name, phone, address), the ID number masked (arts. 30, 46)."""
    return {
        "name": identity.get("name", ""),
        "id_number": mask_id_number(identity.get("id_number", "")),
        "phone": identity.get("phone", ""),
        "address": identity.get("address", ""),
    }


# --- Free text (published replies, notification e-mails) -------------------------------------------

_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{15}(?:\d{2}[\dXx])?(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)0\d{2,3}[- ]?\d{7,8}(?!\d)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
# The one or two characters before a form of address (王小明先生, 请李四女士): a name, or its given part.
_ADDRESSED = re.compile(r"[\u4e00-\u9fff]{1,2}(?=先生|女士|同志|师傅)")
# The street-level part of an address written in the text: a place name ending in 路/街/巷/弄/大道/村/
# 小区/社区…, then house, building, unit and room numbers (黄河路12号3栋2单元501室), or a bare run of such
# numbers after the place name. The administrative part before it (省/市/区/县/镇/乡) is kept.
_NUMBER = r"[\d一二三四五六七八九十百零〇甲乙丙丁A-Za-z]+"
_UNIT = r"(?:号院|号楼|号|栋|幢|座|楼|单元|层|室|户|组)"
# A place name's characters: not an administrative level (kept) and not a particle that ends the
# words before it (您反映的黄河路12号 masks 黄河路12号, not 反映的).
_PLACE_CHAR = r"[^\W\d_A-Za-z省市区县旗州盟镇乡的地在于和与及到至从对向是了为将把被住位处]"
_PLACE = rf"{_PLACE_CHAR}{{1,10}}?(?:大道|大街|路|街|巷|弄|胡同|村|屯|小区|社区|花园|家园|公寓|大厦|新村)"
_STREET_ADDRESS = re.compile(rf"{_PLACE}(?:{_NUMBER}{_UNIT})+")


def _street_parts(address: str) -> list[str]:
    """The stored address and its part after the administrative prefix, longest first."""
    address = address.strip()
    prefix = _ADMIN_PREFIX.match(address)
    parts = {address}
    if prefix and len(address) > prefix.end():
        parts.add(address[prefix.end() :])
    return sorted((p for p in parts if len(p) >= 3), key=len, reverse=True)


def mask_personal_data(text: str, names: Iterable[str] = (), addresses: Iterable[str] = ()) -> str:
    """Remove personal data from a text before it is published or mailed.

    Known names (the petitioner's, the handler's) become ``mask_name``; the petitioner's stored
    addresses, whole or without their administrative prefix, become ``mask_address``; ID numbers,
    mobile and landline numbers are masked as ``mask_id_number`` and ``mask_phone`` mask them; e-mail
    addresses become ``***@***``; the one or two characters before 先生/女士/同志/师傅 become ``某``
    (王小明先生 → 王某先生); and a street address written in the text keeps only its place name's
    administrative part (湖滨区黄河路12号3栋 → 湖滨区****).
    """
    masked = text or ""
    for name in sorted({n.strip() for n in names if n and n.strip()}, key=len, reverse=True):
        if len(name) >= 2:
            masked = masked.replace(name, mask_name(name))
    for address in addresses:
        for part in _street_parts(address or ""):
            masked = masked.replace(part, mask_address(part))
    masked = _ID_NUMBER.sub(lambda m: mask_id_number(m.group(0)), masked)
    masked = _MOBILE.sub(lambda m: mask_phone(m.group(0)), masked)
    masked = _LANDLINE.sub(lambda m: mask_phone(m.group(0)), masked)
    masked = _EMAIL.sub("***@***", masked)
    masked = _ADDRESSED.sub("某", masked)
    masked = _STREET_ADDRESS.sub(ADDRESS_MASK, masked)
    return masked
