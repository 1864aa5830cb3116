"""Review: the petitioner evaluates the reply and asks for review (复查) and re-review (复核); the
reviewing body answers; a case whose windows have passed is closed (arts. 35-36).
"""

from __future__ import annotations

import uuid
from datetime import date

from django.utils.translation import gettext_lazy as _

from cases import clocks
from cases.index.models import CaseIndex
from cases.models import (
    CaseState,
    EventKind,
    HandlingOpinion,
    Satisfaction,
)
from cases.procedure import check
from cases.services.core import (
    Actor,
    _append_event,
    _locked,
    _notify,
    _now,
    _review_body,
    _sync_index,
)
from cases.services.delivery import start_answer_window
from cases.services.documents import _issue_document
from cases.services.routing import _transfer
from config.errors import HallError, NotFound
from tenants.models import AgencyKind


def _require_owner(actor: Actor, index: CaseIndex) -> None:
    if not actor.is_citizen or index.citizen_id != actor.user.pk:  # type: ignore[union-attr]
        raise NotFound(_("找不到该信访件。"))


def evaluate_case(*, case_uuid: uuid.UUID, actor: Actor, satisfaction: str, comment: str = "") -> None:
    """The petitioner rates the reply (满意 / 基本满意 / 不满意), once."""
    if satisfaction not in Satisfaction.values:
        raise HallError(_("请选择满意、基本满意或不满意。"), code="satisfaction_required")
    with _locked(case_uuid) as (index, case):
        check("evaluate", actor, index, case)
        case.satisfaction = satisfaction
        case.satisfaction_comment = comment.strip()
        case.evaluated_at = _now()
        case.save(update_fields=["satisfaction", "satisfaction_comment", "evaluated_at"])
        _append_event(
            case,
            EventKind.EVALUATED,
            actor,
            agency_code=index.holder.code,
            changes={"satisfaction": satisfaction},
            message=str(_("信访人评价：%(s)s") % {"s": Satisfaction(satisfaction).label}),
        )
        _sync_index(index, case, index.holder)


def request_review(*, case_uuid: uuid.UUID, actor: Actor, reason: str) -> None:
    """复查 (art. 35): within 30 days of the reply; the bureau, acting for the level above, reviews."""
    if len(reason.strip()) < 5:
        raise HallError(_("请写明不服处理意见的理由。"), code="reason_required")
    with _locked(case_uuid) as (index, case):
        check("request_review", actor, index, case)
        now = _now()
        case.review_requested_at = now
        case.review_request_reason = reason.strip()
        case.review_due = clocks.review_due(now)
        holder = index.holder
        bureau = _review_body(case)
        if holder.pk == bureau.pk:
            case.state = CaseState.REVIEW_REQUESTED
            case.save()
            _append_event(
                case,
                EventKind.REVIEW_REQUESTED,
                actor,
                agency_code=holder.code,
                changes={"reason": case.review_request_reason},
                message=str(_("信访人申请复查。")),
            )
            _sync_index(index, case, holder)
        else:
            _transfer(
                index,
                case,
                source=holder,
                target=bureau,
                actor=actor,
                out_kind=EventKind.REVIEW_REQUESTED,
                new_state=CaseState.REVIEW_REQUESTED,
                changes={"reason": case.review_request_reason},
                message=str(
                    _("信访人申请复查，由信访局办理。")
                    if bureau.kind == AgencyKind.BUREAU
                    else _("信访人申请复查，由%(agency)s办理。") % {"agency": bureau.name_zh}
                ),
            )
        _notify(index, EventKind.REVIEW_REQUESTED)


def answer_review(*, case_uuid: uuid.UUID, actor: Actor, opinion: str, text: str) -> None:
    """复查意见 within 30 days of the request; the re-review window opens."""
    if opinion not in HandlingOpinion.values:
        raise HallError(_("请选择复查意见。"), code="opinion_required")
    if len(text.strip()) < 10:
        raise HallError(_("请写明复查意见的事实、理由和依据（至少10个字）。"), code="reply_too_short")
    with _locked(case_uuid) as (index, case):
        holder = index.holder
        check("answer_review", actor, index, case)
        now = _now()
        case.state = CaseState.REVIEWED
        case.review_opinion = opinion
        case.review_text = text.strip()
        case.reviewed_at = now
        # Art. 36: the re-review window runs from the opinion's delivery (cases.services.delivery).
        start_answer_window(case, answer="review_opinion", published=now)
        case.save()
        doc = _issue_document(
            case,
            kind="review_opinion",
            agency=holder,
            actor=actor,
            fields={
                "opinion": case.review_text,
                "outcome": opinion,
                "rereview_deadline": "",  # 自收到本意见书之日起30日内: the delivery's day
            },
        )
        _append_event(
            case,
            EventKind.REVIEWED,
            actor,
            agency_code=holder.code,
            changes={"opinion": opinion, "document": doc.number},
            message=str(_("已出具复查意见（%(o)s）。") % {"o": HandlingOpinion(opinion).label}),
        )
        _sync_index(index, case, holder)
        _notify(index, EventKind.REVIEWED)


def request_rereview(*, case_uuid: uuid.UUID, actor: Actor, reason: str) -> None:
    """复核 (art. 36): within 30 days of the review opinion."""
    if len(reason.strip()) < 5:
        raise HallError(_("请写明不服复查意见的理由。"), code="reason_required")
    with _locked(case_uuid) as (index, case):
        check("request_rereview", actor, index, case)
        now = _now()
        case.state = CaseState.REREVIEW_REQUESTED
        case.rereview_requested_at = now
        case.rereview_request_reason = reason.strip()
        case.rereview_due = clocks.rereview_due(now)
        case.save()
        _append_event(
            case,
            EventKind.REREVIEW_REQUESTED,
            actor,
            agency_code=index.holder.code,
            changes={"reason": case.rereview_request_reason},
            message=str(_("信访人申请复核。")),
        )
        _sync_index(index, case, index.holder)
        _notify(index, EventKind.REREVIEW_REQUESTED)


def answer_rereview(*, case_uuid: uuid.UUID, actor: Actor, opinion: str, text: str) -> None:
    """复核意见: final. The same facts and reasons are not accepted again (三级终结, art. 36)."""
    if opinion not in HandlingOpinion.values:
        raise HallError(_("请选择复核意见。"), code="opinion_required")
    if len(text.strip()) < 10:
        raise HallError(_("请写明复核意见的事实、理由和依据（至少10个字）。"), code="reply_too_short")
    with _locked(case_uuid) as (index, case):
        holder = index.holder
        check("answer_rereview", actor, index, case)
        now = _now()
        case.state = CaseState.TERMINATED
        case.rereview_opinion = opinion
        case.rereview_text = text.strip()
        case.rereviewed_at = case.closed_at = now
        case.save()
        doc = _issue_document(
            case,
            kind="rereview_opinion",
            agency=holder,
            actor=actor,
            fields={
                "opinion": case.rereview_text,
                "outcome": opinion,
            },
        )
        _append_event(
            case,
            EventKind.REREVIEWED,
            actor,
            agency_code=holder.code,
            changes={"opinion": opinion, "document": doc.number},
            message=str(_("已出具复核意见，信访事项终结；同一事实和理由不再受理。")),
        )
        _sync_index(index, case, holder)
        _notify(index, EventKind.REREVIEWED)


def close_case(*, case_uuid: uuid.UUID, actor: Actor, today: date | None = None) -> None:
    """办结: after the reply (or review opinion) once the petitioner's window has run out, or once the
    petitioner has said they are satisfied."""
    with _locked(case_uuid) as (index, case):
        holder = index.holder
        check("close", actor, index, case, today)
        case.state = CaseState.CLOSED
        case.closed_at = _now()
        case.save(update_fields=["state", "closed_at"])
        _append_event(
            case, EventKind.CLOSED, actor, agency_code=holder.code, message=str(_("信访事项已办结。"))
        )
        _sync_index(index, case, holder)
