"""Acceptance: the holding agency accepts (受理) or refuses to accept (不予受理) a case (arts. 22, 31)."""

from __future__ import annotations

import uuid

from django.utils.translation import gettext_lazy as _

from cases import clocks
from cases.index.models import CaseIndex
from cases.models import (
    Case,
    CaseState,
    EventKind,
    LawfulChannel,
)
from cases.procedure import check
from cases.services.core import (
    Actor,
    _append_event,
    _locked,
    _notify,
    _now,
    _sync_index,
)
from cases.services.documents import _cn_date, _issue_document
from config.compiled import update
from config.errors import HallError
from tenants.models import Agency


def _check_refusal(channel: str, reason: str) -> None:
    if channel not in LawfulChannel.values:
        raise HallError(_("请选择应当通过的法定途径。"), code="channel_required")
    if not reason.strip():
        raise HallError(_("请写明不予受理的理由。"), code="reason_required")


def _refuse(
    case: Case,
    index: CaseIndex,
    agency: Agency,
    actor: Actor,
    *,
    channel: str,
    reason: str,
    doc_kind: str,
    event_kind: str,
) -> None:
    """Close the case as not accepted, with the notice that names the lawful channel (诉访分离)."""
    now = _now()
    case.state = CaseState.NOT_ACCEPTED
    case.acceptance_decided_at = case.closed_at = now
    case.not_accepted_channel = channel
    case.not_accepted_reason = reason
    update(case)  # Django's UPDATE of the whole row, compiled once
    label = LawfulChannel(channel).label
    doc = _issue_document(
        case, kind=doc_kind, agency=agency, actor=actor, fields={"channel": str(label), "reason": reason}
    )
    _append_event(
        case,
        event_kind,
        actor,
        agency_code=agency.code,
        changes={"channel": channel, "document": doc.number},
        message=str(
            _("不予受理，请通过%(channel)s途径解决：%(reason)s") % {"channel": label, "reason": reason}
        ),
    )
    _sync_index(index, case, agency)
    _notify(index, event_kind)


def accept_case(*, case_uuid: uuid.UUID, actor: Actor, message: str = "") -> None:
    """受理 (art. 23): issues the acceptance notice; the 60-day handling clock starts (art. 34)."""
    with _locked(case_uuid) as (index, case):
        holder = index.holder
        check("accept", actor, index, case)
        now = _now()
        case.state = CaseState.ACCEPTED
        case.signed_at = case.signed_at or now
        case.accepted_at = case.acceptance_decided_at = now
        case.handling_due = clocks.handling_due(now)
        update(case)  # Django's UPDATE of the whole row, compiled once
        doc = _issue_document(
            case,
            kind="acceptance_notice",
            agency=holder,
            actor=actor,
            fields={
                "deadline": _cn_date(case.handling_due),
                "reason": message,
            },
        )
        _append_event(
            case,
            EventKind.ACCEPTED,
            actor,
            agency_code=holder.code,
            changes={"handling_due": case.handling_due, "document": doc.number},
            message=str(
                _("%(agency)s已受理，将于%(due)s前书面答复。")
                % {"agency": holder.name_zh, "due": case.handling_due.isoformat()}
            ),
        )
        index.accepting_agency = holder
        _sync_index(index, case, holder)
        _notify(index, EventKind.ACCEPTED)


def not_accept_case(*, case_uuid: uuid.UUID, actor: Actor, channel: str, reason: str) -> None:
    """不予受理 (art. 23/31): the non-acceptance notice names the lawful channel."""
    _check_refusal(channel, reason)
    with _locked(case_uuid) as (index, case):
        holder = index.holder
        check("not_accept", actor, index, case)
        case.signed_at = case.signed_at or _now()
        _refuse(
            case,
            index,
            holder,
            actor,
            channel=channel,
            reason=reason,
            doc_kind="non_acceptance_notice",
            event_kind=EventKind.NOT_ACCEPTED,
        )
