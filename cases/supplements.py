"""补充材料: a citizen adds text or files to a petition already filed, while it is being handled.

The same discipline as every service in cases.services: the index row then the case row are locked
(``_locked``: one lock order everywhere), the addition is one hash-chained timeline event, the public
index is brought up to date, and the files removed after commit. A report's (检举控告) materials keep
neutral names and no reporter identity enters the agency's schema (信访工作条例 arts. 30, 46).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from cases import procedure
from cases.index.models import CaseIndex
from cases.models import Attachment, EventKind, PetitionType
from cases.services import (
    Actor,
    AttachmentInput,
    _append_event,
    _locked,
    _neutral_attachments,
    _sync_index,
)
from config import clock
from config.errors import Forbidden, HallError, NotFound

MAX_SUPPLEMENT_TEXT = 5000
MAX_SUPPLEMENT_FILES = 10


def _check_input(text: str, attachments: Sequence[AttachmentInput]) -> str:
    text = text.strip()
    if not text and not attachments:
        raise HallError(_("请填写补充说明或选择要补充的附件。"), code="supplement_empty")
    if len(text) > MAX_SUPPLEMENT_TEXT:
        raise HallError(
            _("补充说明最多%(n)s个字，请删减后再提交。") % {"n": MAX_SUPPLEMENT_TEXT},
            code="supplement_too_long",
        )
    if len(attachments) > MAX_SUPPLEMENT_FILES:
        raise HallError(
            _("一次最多补充%(n)s个附件。") % {"n": MAX_SUPPLEMENT_FILES}, code="too_many_attachments"
        )
    return text


def _drop_after_commit(keys: Sequence[str]) -> None:
    def drop() -> None:
        for key in keys:
            default_storage.delete(key)

    transaction.on_commit(drop)


def add_supplement(
    *,
    case_uuid: uuid.UUID,
    actor: Actor,
    text: str = "",
    attachments: Sequence[AttachmentInput] = (),
) -> None:
    """The owner adds ``text`` and/or ``attachments`` to their open petition.

    Only the petitioner who owns it (anyone else: not found, as for every citizen page), only while
    the case is open: a closed, terminated, merged or linked case takes no more material."""
    if not actor.is_citizen or actor.user is None:
        raise Forbidden(_("只有信访人本人可以补充材料。"), code="citizen_required")
    text = _check_input(text, attachments)
    found = CaseIndex.objects.filter(case_uuid=case_uuid).first()
    if found is None or found.citizen_id != actor.user.pk:
        raise NotFound(_("找不到该信访件。"))
    originals = list(attachments)
    is_report = found.petition_type == PetitionType.REPORT
    # A reporter's file names (often their own name) never reach an agency schema, neither as the
    # name nor in the key: the same neutral copies as filing makes (arts. 30, 46). Copied before the
    # lock is taken, so the lock is held only for the writes.
    kept = _neutral_attachments(originals) if is_report else originals
    try:
        _record(case_uuid, actor.user.pk, actor, text, kept)
    except Exception:
        if is_report:  # the neutral copies belong to nothing now
            for copy in kept:
                default_storage.delete(copy.storage_key)
        raise
    if is_report:
        _drop_after_commit([a.storage_key for a in originals])


def _record(
    case_uuid: uuid.UUID, owner_id: int, actor: Actor, text: str, kept: Sequence[AttachmentInput]
) -> None:
    with _locked(case_uuid) as (index, case):
        if index.citizen_id != owner_id:
            raise NotFound(_("找不到该信访件。"))
        refused = procedure.supplement_refusal(case)  # the rule is declared in cases.procedure
        if refused is not None:
            raise refused.exception()
        now = clock.now()
        if case.identity_protected:
            already = Attachment.objects.filter(case=case).count()
            kept = [
                AttachmentInput(
                    a.storage_key,
                    # Numbered after the materials already on the case (filing numbers from 1).
                    f"report-material-{already + number}.{a.file_name.rpartition('.')[2]}"
                    if "." in a.file_name
                    else f"report-material-{already + number}",
                    a.content_type,
                    a.size,
                )
                for number, a in enumerate(kept, start=1)
            ]
        Attachment.objects.bulk_create(
            Attachment(
                case=case,
                storage_key=a.storage_key,
                file_name=a.file_name,
                content_type=a.content_type,
                size=a.size,
                uploaded_by="citizen",
                protected=case.identity_protected,
                created_at=now,
            )
            for a in kept
        )
        _append_event(
            case,
            EventKind.SUPPLEMENTED,
            actor,
            agency_code=index.holder.code,
            at=now,
            changes={"attachments": [a.file_name for a in kept], "text_length": len(text)},
            message=text,
        )
        _sync_index(index, case, index.holder)
