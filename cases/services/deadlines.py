"""Deadlines: recomputing a case's clocks after the working-day calendar changes."""

from __future__ import annotations

import uuid
from datetime import date

from django.utils.translation import gettext_lazy as _

from cases import clocks
from cases.models import (
    CaseState,
    EventKind,
    ExtensionStatus,
)
from cases.services.core import Actor, _append_event, _locked, _sync_index

# --- Calendar changes ------------------------------------------------------------------------------

_DEADLINE_FIELDS = (
    "routing_due",
    "acceptance_due",
    "objection_due",
    "handling_due",
    "review_request_due",
    "review_due",
    "rereview_request_due",
    "rereview_due",
)


def recompute_deadlines(*, case_uuid: uuid.UUID) -> dict[str, tuple[date | None, date | None]]:
    """Recount the clocks still running on an open case after staff edited the working-day calendar
    (a holiday or make-up day added or removed). Returns {field: (before, after)} for what moved."""
    with _locked(case_uuid) as (index, case):
        if not case.is_open:
            return {}
        before = {name: getattr(case, name) for name in _DEADLINE_FIELDS}
        state = case.state
        if state in (CaseState.SUBMITTED, CaseState.REGISTERED) and case.received_at:
            case.routing_due = clocks.routing_due(case.received_at)
        if state in (CaseState.RECEIVED, CaseState.SIGNED, CaseState.OBJECTED) and case.received_at:
            # art. 23: from receipt, or from the ruling that refused the agency's objection.
            case.acceptance_due = clocks.acceptance_due(case.objection_ruled_at or case.received_at)
            if case.routed_by:
                case.objection_due = clocks.objection_due(case.received_at)
        if state == CaseState.ACCEPTED and case.accepted_at:
            extra = (case.extension_days or 0) if case.extension_status == ExtensionStatus.APPROVED else 0
            case.handling_due = clocks.handling_due(case.accepted_at, extra)
        # Arts. 35-36: the windows run from the answer's delivery (or the end of its service period).
        received = case.reply_delivered_on or case.reply_service_due
        if state == CaseState.REPLIED and received:
            case.review_request_due = clocks.review_request_due(received)
        if state == CaseState.REVIEW_REQUESTED and case.review_requested_at:
            case.review_due = clocks.review_due(case.review_requested_at)
        received = case.review_delivered_on or case.review_service_due
        if state == CaseState.REVIEWED and received:
            case.rereview_request_due = clocks.rereview_request_due(received)
        if state == CaseState.REREVIEW_REQUESTED and case.rereview_requested_at:
            case.rereview_due = clocks.rereview_due(case.rereview_requested_at, case.hearing_days)  # art. 36
        moved = {
            name: (before[name], getattr(case, name))
            for name in _DEADLINE_FIELDS
            if before[name] != getattr(case, name)
        }
        if not moved:
            return {}
        case.save(update_fields=list(moved))
        _append_event(
            case,
            EventKind.DEADLINES_RECALCULATED,
            Actor.system(),
            agency_code=index.holder.code,
            changes={name: {"from": old, "to": new} for name, (old, new) in moved.items()},
            message=str(
                _("因节假日安排调整，期限重新计算：%(list)s")
                % {"list": "；".join(f"{old} → {new}" for old, new in moved.values())}
            ),
        )
        _sync_index(index, case, index.holder)
        return moved
