"""Supervision (督办): the oversight events recorded on a case, under the case lock."""

from __future__ import annotations

import uuid

from django.utils.translation import gettext_lazy as _

from cases.models import (
    EventKind,
)
from cases.services.core import Actor, _append_event, _locked
from config.errors import Forbidden

# --- Supervision -----------------------------------------------------------------------------------


def record_supervision_event(
    *, case_uuid: uuid.UUID | str, actor: Actor, agency_code: str, message: str, changes: dict
) -> None:
    """A 督办 step on the case's timeline (staff only): a reminder or order issued, or an agency's
    answer. The one write oversight makes to a case: the case record itself is untouched, the event
    is locked and chained like every other. Who may issue or answer is the supervision app's rule."""
    if not actor.is_system and actor.agency is None:
        raise Forbidden(_("只有工作人员可以记录督办情况。"), code="staff_required")
    with _locked(case_uuid) as (_index, case):
        _append_event(
            case,
            EventKind.SUPERVISION,
            actor,
            agency_code=agency_code,
            changes=changes,
            message=message,
            visible=False,
        )
