"""Protected identities (检举人): reading a reporter's identity with a purpose, logged; what staff see
of a petitioner (arts. 30, 46).
"""

from __future__ import annotations

import json
import uuid

from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from cases.index.models import CaseIndex, IdentityReadLog, ProtectedIdentity
from cases.models import (
    Case,
)
from cases.services.core import PROTECTED_NAME, STAFF_ROLES, Actor
from config import masking
from config.crypto import decrypt_text
from config.errors import Forbidden, HallError, NotFound
from tenants.models import Agency, AgencyKind, reported_unit_codes

# --- Protected identities ---------------------------------------------------------------------------


def protected_identity(case_uuid: uuid.UUID) -> dict[str, str]:
    """Internal: the vault's content, for documents addressed to the reporter. Not for display."""
    vault = ProtectedIdentity.objects.filter(case_uuid=case_uuid).first()
    return json.loads(decrypt_text(vault.encrypted)) if vault else {}


def read_protected_identity(*, case_uuid: uuid.UUID, actor: Actor, purpose: str) -> dict[str, str]:
    """A reporter's identity for staff who may see it; every read is logged (arts. 30, 46)."""
    if not purpose.strip():
        raise HallError(_("查看检举人身份信息须说明用途。"), code="purpose_required")
    vault = ProtectedIdentity.objects.filter(case_uuid=case_uuid).first()
    index = CaseIndex.objects.filter(case_uuid=case_uuid).select_related("holder").first()
    if vault is None or index is None:
        raise NotFound(_("找不到该信访件。"))
    if actor.agency is None or actor.agency.code in reported_unit_codes(vault.reported_agency):
        # arts. 30, 46: the reported unit and everything that belongs to it (信访局督查室 for 信访局).
        raise Forbidden(_("被检举单位不得查看检举人信息。"), code="reported_agency")
    if actor.agency.pk != index.holder_id and actor.agency.kind != AgencyKind.OVERSIGHT:
        raise NotFound(_("找不到该信访件。"))
    if not actor.roles & (STAFF_ROLES | {Role.SUPERVISOR}):
        raise Forbidden(_("没有查看权限。"))
    IdentityReadLog.objects.create(
        case_uuid=case_uuid,
        user=actor.user,
        agency_code=actor.agency.code,
        purpose=purpose.strip()[:200],
        ip_address=actor.ip,
    )
    # What a handler needs to contact the reporter; the ID number stays masked (config.masking).
    return masking.reveal_contact(json.loads(decrypt_text(vault.encrypted)))


def petitioner_for_staff(case: Case, viewer: Agency, *, contact: bool = False) -> dict[str, str]:
    """What a staff surface may show of the petitioner, masked by config.masking; nothing at all of a
    reporter (arts. 30, 46).

    ``contact``: the holding agency's own case page, whose handler calls the petitioner and posts the
    written notices and opinions (arts. 23, 32), gets name, phone and address in full. Every other
    surface (the API, oversight, a stub kept after forwarding) gets them masked. The ID number is
    masked on every surface.
    """
    if case.identity_protected:
        return {"name": PROTECTED_NAME, "id_number": "", "phone": "", "address": "", "protected": "1"}
    return {
        "name": case.petitioner_name if contact else masking.mask_name(case.petitioner_name),
        "id_number": masking.mask_id_number(decrypt_text(case.petitioner_id_number)),
        "phone": case.petitioner_phone if contact else masking.mask_phone(case.petitioner_phone),
        "address": case.petitioner_address if contact else masking.mask_address(case.petitioner_address),
        "protected": "",
    }
