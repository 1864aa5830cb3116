"""An agency's electronic seal (电子印章): checked and kept when its administrator uploads it, and found
again when one of its notices is rendered.

The upload is checked by its content (filestore.validation: a PNG, whatever it is called, with no
markup inside), then opened as an image: it must have a transparent background, since a seal is printed
over the agency's name and the date and must not hide them, and a sensible size.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext_lazy as _

from accounts.access import agency_roles
from accounts.models import Role
from config import clock
from config.errors import Forbidden, HallError
from documents.models import AgencySeal
from filestore.validation import validate_upload

SEAL_MAX_BYTES = 512 * 1024
SEAL_MIN_PIXELS = 120  # below this a 40 mm seal prints blurred (~75 dpi)
SEAL_MAX_PIXELS = 3000


class SealOwner(Protocol):
    """What the seal services need of an agency (tenants.Agency; platform/ does not import tenants)."""

    code: str
    schema_name: str


@dataclass(frozen=True)
class SealImage:
    data: bytes
    width_px: int
    height_px: int


def _refuse(message) -> HallError:
    return HallError(message, code="seal_rejected")


def _has_transparency(image) -> bool:
    if image.mode in {"RGBA", "LA", "PA"}:
        alpha = image.getchannel("A")
        low, _high = alpha.getextrema()
        return low < 255
    return image.mode == "P" and "transparency" in image.info


def check_seal_image(upload) -> SealImage:
    """The checked seal of an uploaded file, or HallError(code="seal_rejected"/"upload_rejected")."""
    from PIL import Image, UnidentifiedImageError

    name = getattr(upload, "name", "") or "seal.png"
    not_png = _("文件“%(name)s”不是 PNG 图片，不能用作电子印章。请上传透明背景的 PNG 图片。")
    try:
        # By content: an HTML page or a script called seal.png is refused here, whatever its name.
        checked = validate_upload(upload)
    except HallError as exc:
        if exc.details.get("reason") in {"too_large", "empty"}:
            raise
        raise HallError(
            not_png % {"name": name}, code="seal_rejected", reason=exc.details.get("reason")
        ) from None
    if checked.content_type != "image/png":
        raise _refuse(not_png % {"name": checked.display_name})
    if checked.size > SEAL_MAX_BYTES:
        raise _refuse(_("电子印章图片不能超过 512 KB，请压缩后再上传。"))
    upload.seek(0)
    data = upload.read()
    damaged = _("电子印章图片已损坏，无法读取，请重新导出 PNG 后上传。")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            width, height = probe.size  # from the header: checked before any pixel is decoded
            probe.verify()
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError):
        raise _refuse(damaged) from None
    if not (SEAL_MIN_PIXELS <= min(width, height) and max(width, height) <= SEAL_MAX_PIXELS):
        raise _refuse(
            _("电子印章图片的边长须在 %(min)s 到 %(max)s 像素之间（当前为 %(w)s×%(h)s）。")
            % {"min": SEAL_MIN_PIXELS, "max": SEAL_MAX_PIXELS, "w": width, "h": height}
        )
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            transparent = _has_transparency(image)
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError):
        raise _refuse(damaged) from None
    if not transparent:
        raise _refuse(_("电子印章图片须为透明背景（带透明通道的 PNG），以免遮住落款和日期。"))
    return SealImage(data=data, width_px=width, height_px=height)


def _require_admin(user, agency: SealOwner) -> None:
    if Role.ADMIN not in agency_roles(user, agency):
        raise Forbidden(_("只有本单位管理员才能设置电子印章。"), code="admin_required")


def set_agency_seal(*, acting_user, agency: SealOwner, upload) -> AgencySeal:
    """Check ``upload`` and make it ``agency``'s seal (replacing any earlier one). Admins only."""
    _require_admin(acting_user, agency)
    seal = check_seal_image(upload)
    with transaction.atomic():
        row, _created = AgencySeal.objects.update_or_create(
            agency_code=agency.code,
            defaults={
                "schema_name": agency.schema_name,
                "image": seal.data,
                "width_px": seal.width_px,
                "height_px": seal.height_px,
                "uploaded_at": clock.now(),
                "uploaded_by_uuid": acting_user.uuid,
            },
        )
    return row


def remove_agency_seal(*, acting_user, agency: SealOwner) -> bool:
    """Take the seal away: later notices say they bear none. Admins only. True if there was one."""
    _require_admin(acting_user, agency)
    deleted, _rows = AgencySeal.objects.filter(agency_code=agency.code).delete()
    return bool(deleted)


def agency_seal(*, agency_code: str | None = None, schema_name: str | None = None) -> SealImage | None:
    """The seal of the agency with ``agency_code``, or of the one whose schema is ``schema_name``
    (by default the connection's current schema, which is the issuing agency's while the case services
    render a notice)."""
    rows = AgencySeal.objects.all()
    if agency_code:
        rows = rows.filter(agency_code=agency_code)
    else:
        schema_name = schema_name or getattr(connection, "schema_name", "")
        if not schema_name or schema_name == settings.PUBLIC_SCHEMA_NAME:
            return None  # no agency is current: nobody's seal (and no query)
        rows = rows.filter(schema_name=schema_name)
    row = rows.only("image", "width_px", "height_px").first()
    if row is None:
        return None
    return SealImage(data=bytes(row.image), width_px=row.width_px, height_px=row.height_px)
