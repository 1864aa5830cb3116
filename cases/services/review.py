"""Review: the petitioner evaluates the reply and asks for review (复查) and re-review (复核), or says
they ask for neither; the body above answers, or, outside the hall, is handed the request and its
opinion entered on return; a re-review may hold a hearing; a case whose windows have passed is closed
(arts. 35-36).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import clocks
from cases.index.models import CaseIndex
from cases.models import (
    Case,
    CaseState,
    EventKind,
    HandlingOpinion,
    Hearing,
    HearingStatus,
    Satisfaction,
)
from cases.procedure import check
from cases.services.core import (
    Actor,
    Reviewer,
    _append_event,
    _locked,
    _notify,
    _now,
    _rereview_body,
    _review_body,
    _sync_index,
)
from cases.services.delivery import start_answer_window
from cases.services.documents import _cn_date, _issue_document
from cases.services.routing import _transfer
from config import clock
from config.compiled import update
from config.errors import HallError, NotFound
from tenants.models import Agency


def _require_owner(actor: Actor, index: CaseIndex) -> None:
    if not actor.is_citizen or index.citizen_id != actor.user.pk:  # type: ignore[union-attr]
        raise NotFound(_("找不到该信访件。"))


def evaluate_case(*, case_uuid: uuid.UUID, actor: Actor, satisfaction: str, comment: str = "") -> None:
    """The petitioner rates the reply (满意 / 基本满意 / 不满意), once. A rating is an opinion of the
    reply: it closes nothing and shortens no window (arts. 35-36)."""
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


STEP_NAMES = {"review": "复查", "rereview": "复核"}


def _refer(case: Case, holder: Agency, reviewer: Reviewer, *, stage: str) -> None:
    """Hand the request to a body outside the hall (arts. 35-36): the case stays with ``holder``, a
    notice tells the petitioner where it went, and the timeline records the hand-off."""
    system = Actor.system()
    doc = _issue_document(
        case,
        kind="referral_notice",
        agency=holder,
        actor=system,
        fields={
            "step": STEP_NAMES[stage],
            "review_body": reviewer.name,
            "referred_on": _cn_date(clock.today()),
        },
    )
    _append_event(
        case,
        EventKind.REFERRED,
        system,
        agency_code=holder.code,
        changes={"stage": stage, "to": reviewer.body.code, "document": doc.number},
        message=str(
            _("%(step)s由%(body)s办理，已将申请及材料移送该机关；其意见送达后在此登记。")
            % {"step": STEP_NAMES[stage], "body": reviewer.name}
        ),
    )


def _send_for_decision(
    index: CaseIndex,
    case: Case,
    holder: Agency,
    reviewer: Reviewer,
    actor: Actor,
    *,
    stage: str,
    kind: str,
    state: str,
    reason: str,
) -> None:
    """The request goes to the body that decides it: moved to its agency's schema in the hall, or kept
    here and handed off when the body is outside."""
    if reviewer.agency is None or reviewer.agency.pk == holder.pk:
        case.state = state
        update(case)  # Django's UPDATE of the whole row, compiled once
        _append_event(
            case,
            kind,
            actor,
            agency_code=holder.code,
            changes={"reason": reason},
            message=str(_("信访人申请%(step)s。") % {"step": STEP_NAMES[stage]}),
        )
        if reviewer.agency is None:
            _refer(case, holder, reviewer, stage=stage)
        _sync_index(index, case, holder)
        return
    target = reviewer.agency
    _transfer(
        index,
        case,
        source=holder,
        target=target,
        actor=actor,
        out_kind=kind,
        new_state=state,
        changes={"reason": reason},
        message=str(
            _("信访人申请%(step)s，由%(body)s办理。") % {"step": STEP_NAMES[stage], "body": reviewer.told_as}
        ),
    )


def request_review(*, case_uuid: uuid.UUID, actor: Actor, reason: str) -> None:
    """复查 (art. 35): within 30 days of receiving the reply, by the level above the body that handled
    the matter; whatever rating the petitioner gave."""
    if len(reason.strip()) < 5:
        raise HallError(_("请写明不服处理意见的理由。"), code="reason_required")
    with _locked(case_uuid) as (index, case):
        check("request_review", actor, index, case)
        holder = index.holder
        reviewer = _review_body(case, holder)
        now = _now()
        case.replied_by = case.replied_by or holder.code
        case.review_body = reviewer.body.code
        case.review_requested_at = now
        case.review_request_reason = reason.strip()
        case.review_due = clocks.review_due(now)
        _send_for_decision(
            index,
            case,
            holder,
            reviewer,
            actor,
            stage="review",
            kind=EventKind.REVIEW_REQUESTED,
            state=CaseState.REVIEW_REQUESTED,
            reason=case.review_request_reason,
        )
        _notify(index, EventKind.REVIEW_REQUESTED)


def _opinion_checked(opinion: str, text: str, step: str) -> str:
    if opinion not in HandlingOpinion.values:
        raise HallError(_("请选择%(step)s意见。") % {"step": step}, code="opinion_required")
    if len(text.strip()) < 10:
        raise HallError(
            _("请写明%(step)s意见的事实、理由和依据（至少10个字）。") % {"step": step}, code="reply_too_short"
        )
    return text.strip()


def answer_review(*, case_uuid: uuid.UUID, actor: Actor, opinion: str, text: str) -> None:
    """复查意见 within 30 days of the request; the re-review window opens."""
    text = _opinion_checked(opinion, text, "复查")
    with _locked(case_uuid) as (index, case):
        holder = index.holder
        check("answer_review", actor, index, case)
        now = _now()
        case.state = CaseState.REVIEWED
        case.review_opinion = opinion
        case.review_text = text
        case.reviewed_at = now
        # Art. 36: the re-review window runs from the opinion's delivery (cases.services.delivery).
        start_answer_window(case, answer="review_opinion", published=now)
        update(case)  # Django's UPDATE of the whole row, compiled once
        handler = Agency.objects.filter(code=case.replied_by).first()
        try:
            rereview_agency = _rereview_body(case, holder).name
        except HallError:  # no level above configured: the opinion names none (request_rereview refuses)
            rereview_agency = ""
        doc = _issue_document(
            case,
            kind="review_opinion",
            agency=holder,
            actor=actor,
            fields={
                "opinion": case.review_text,
                "outcome": opinion,
                "original_agency": handler.name_zh if handler else "",
                "rereview_agency": rereview_agency,
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


def _outside_dates(case: Case, decided_on: date, delivered_on: date | None, since: datetime | None) -> date:
    """Check the dates of an opinion entered from outside; the day it reached the petitioner."""
    today = clock.today()
    if since is not None and decided_on < timezone.localdate(since):
        raise HallError(_("意见日期不能早于申请日期。"), code="invalid_date")
    received = delivered_on or today
    if decided_on > today or received > today or received < decided_on:
        raise HallError(_("请填写正确的意见日期和送达日期。"), code="invalid_date")
    return received


def _moment(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _record_outside(case: Case, holder: Agency, actor: Actor, reviewer: Reviewer, **facts) -> None:
    _append_event(
        case,
        EventKind.OUTSIDE_RESULT,
        actor,
        agency_code=holder.code,
        changes={"body": reviewer.body.code, **facts},
        message=str(
            _("%(body)s于%(day)s出具%(step)s意见（%(o)s），已登记。")
            % {
                "body": reviewer.name,
                "day": facts["decided_on"].isoformat(),
                "step": STEP_NAMES[facts["stage"]],
                "o": HandlingOpinion(facts["opinion"]).label,
            }
        ),
    )


def enter_review_result(
    *,
    case_uuid: uuid.UUID,
    actor: Actor,
    opinion: str,
    text: str,
    decided_on: date,
    delivered_on: date | None = None,
    number: str = "",
) -> None:
    """登记复查意见: the review body outside the hall decided; the holder enters its opinion, and the
    re-review window runs from the day it reached the petitioner (art. 36)."""
    text = _opinion_checked(opinion, text, "复查")
    with _locked(case_uuid) as (index, case):
        holder = index.holder
        check("enter_review_result", actor, index, case)
        received = _outside_dates(case, decided_on, delivered_on, case.review_requested_at)
        case.state = CaseState.REVIEWED
        case.review_opinion = opinion
        case.review_text = text
        case.reviewed_at = _moment(decided_on)
        case.rereview_request_due = clocks.period_end(received, clocks.REREVIEW_REQUEST_DAYS)
        update(case)  # Django's UPDATE of the whole row, compiled once
        _record_outside(
            case,
            holder,
            actor,
            _review_body(case, holder),
            stage="review",
            opinion=opinion,
            decided_on=decided_on,
            delivered_on=received,
            number=number.strip(),
        )
        _sync_index(index, case, holder)
        _notify(index, EventKind.REVIEWED)


def request_rereview(*, case_uuid: uuid.UUID, actor: Actor, reason: str) -> None:
    """复核 (art. 36): within 30 days of receiving the review opinion, by the level above the review
    body; never the reviewer or the handler."""
    if len(reason.strip()) < 5:
        raise HallError(_("请写明不服复查意见的理由。"), code="reason_required")
    with _locked(case_uuid) as (index, case):
        check("request_rereview", actor, index, case)
        holder = index.holder
        rereviewer = _rereview_body(case, holder)
        now = _now()
        case.rereview_body = rereviewer.body.code
        case.rereview_requested_at = now
        case.rereview_request_reason = reason.strip()
        case.rereview_due = clocks.rereview_due(now)
        _send_for_decision(
            index,
            case,
            holder,
            rereviewer,
            actor,
            stage="rereview",
            kind=EventKind.REREVIEW_REQUESTED,
            state=CaseState.REREVIEW_REQUESTED,
            reason=case.rereview_request_reason,
        )
        _notify(index, EventKind.REREVIEW_REQUESTED)


def answer_rereview(*, case_uuid: uuid.UUID, actor: Actor, opinion: str, text: str) -> None:
    """复核意见: final. The same facts and reasons are not accepted again (三级终结, art. 36)."""
    text = _opinion_checked(opinion, text, "复核")
    with _locked(case_uuid) as (index, case):
        holder = index.holder
        check("answer_rereview", actor, index, case)
        now = _now()
        case.state = CaseState.TERMINATED
        case.rereview_opinion = opinion
        case.rereview_text = text
        case.rereviewed_at = case.closed_at = now
        update(case)  # Django's UPDATE of the whole row, compiled once
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


def enter_rereview_result(
    *,
    case_uuid: uuid.UUID,
    actor: Actor,
    opinion: str,
    text: str,
    decided_on: date,
    delivered_on: date | None = None,
    number: str = "",
) -> None:
    """登记复核意见: the re-review body outside the hall decided; the matter is final (三级终结, art. 36)."""
    text = _opinion_checked(opinion, text, "复核")
    with _locked(case_uuid) as (index, case):
        holder = index.holder
        check("enter_rereview_result", actor, index, case)
        received = _outside_dates(case, decided_on, delivered_on, case.rereview_requested_at)
        case.state = CaseState.TERMINATED
        case.rereview_opinion = opinion
        case.rereview_text = text
        case.rereviewed_at = _moment(decided_on)
        case.closed_at = _now()
        update(case)  # Django's UPDATE of the whole row, compiled once
        _record_outside(
            case,
            holder,
            actor,
            _rereview_body(case, holder),
            stage="rereview",
            opinion=opinion,
            decided_on=decided_on,
            delivered_on=received,
            number=number.strip(),
        )
        _append_event(
            case,
            EventKind.REREVIEWED,
            actor,
            agency_code=holder.code,
            changes={"opinion": opinion, "outside": True},
            message=str(_("复核意见为终结意见，信访事项终结；同一事实和理由不再受理。")),
        )
        _sync_index(index, case, holder)
        _notify(index, EventKind.REREVIEWED)


# --- Hearings (听证, art. 36) ---------------------------------------------------------------------


def schedule_hearing(*, case_uuid: uuid.UUID, actor: Actor, starts_on: date, place: str) -> Hearing:
    """The re-review body decides to hold a hearing (art. 36) and tells the petitioner when and where."""
    if not place.strip():
        raise HallError(_("请填写听证地点。"), code="place_required")
    with _locked(case_uuid) as (index, case):
        holder = index.holder
        check("schedule_hearing", actor, index, case)
        requested = timezone.localdate(case.rereview_requested_at) if case.rereview_requested_at else None
        if requested is not None and starts_on < requested:
            raise HallError(_("听证日期不能早于复核申请日期。"), code="invalid_date")
        hearing = Hearing.objects.create(
            case=case,
            starts_on=starts_on,
            place=place.strip(),
            agency_code=holder.code,
            scheduled_at=_now(),
        )
        case.hearing_open = True
        case.save(update_fields=["hearing_open"])
        _append_event(
            case,
            EventKind.HEARING_SCHEDULED,
            actor,
            agency_code=holder.code,
            changes={"starts_on": starts_on, "place": hearing.place},
            message=str(
                _("复核机关决定举行听证：%(day)s，%(place)s。听证所需时间不计入复核期限。")
                % {"day": starts_on.isoformat(), "place": hearing.place}
            ),
        )
        _sync_index(index, case, holder)
        _notify(index, EventKind.HEARING_SCHEDULED)
        return hearing


def close_hearing(*, case_uuid: uuid.UUID, actor: Actor, ends_on: date, minutes: str) -> Hearing:
    """The hearing is recorded (听证笔录) and closed; its days, first to last, are left out of the
    30-day re-review period, which moves by as many days (art. 36)."""
    if len(minutes.strip()) < 10:
        raise HallError(_("请填写听证笔录要点（至少10个字）。"), code="minutes_required")
    with _locked(case_uuid) as (index, case):
        holder = index.holder
        check("close_hearing", actor, index, case)
        hearing = Hearing.objects.select_for_update().get(case=case, status=HearingStatus.SCHEDULED)
        if ends_on < hearing.starts_on or ends_on > clock.today():
            raise HallError(_("听证结束日期须在听证开始之后，且不晚于今天。"), code="invalid_date")
        hearing.ends_on = ends_on
        hearing.minutes = minutes.strip()
        hearing.status = HearingStatus.CLOSED
        hearing.closed_at = _now()
        hearing.save()
        before = case.rereview_due
        case.hearing_days += hearing.days
        case.hearing_open = False
        if case.rereview_requested_at is not None:
            case.rereview_due = clocks.rereview_due(case.rereview_requested_at, case.hearing_days)
        case.save(update_fields=["hearing_days", "hearing_open", "rereview_due"])
        _append_event(
            case,
            EventKind.HEARING_CLOSED,
            actor,
            agency_code=holder.code,
            changes={"days": hearing.days, "rereview_due": {"from": before, "to": case.rereview_due}},
            message=str(
                _("听证已结束（%(days)s日，不计入复核期限），复核期限至%(due)s。")
                % {"days": hearing.days, "due": case.rereview_due.isoformat() if case.rereview_due else ""}
            ),
        )
        _sync_index(index, case, holder)
        _notify(index, EventKind.HEARING_CLOSED)
        return hearing


def decline_review(*, case_uuid: uuid.UUID, actor: Actor) -> None:
    """The petitioner says they will not ask for review (re-review): the case closes now, not when the
    window lapses (arts. 35-36). Their own choice, never inferred from a rating."""
    with _locked(case_uuid) as (index, case):
        holder = index.holder
        check("decline_review", actor, index, case)
        step = "复核" if case.state == CaseState.REVIEWED else "复查"
        case.state = CaseState.CLOSED
        case.closed_at = _now()
        case.save(update_fields=["state", "closed_at"])
        _append_event(
            case,
            EventKind.REVIEW_DECLINED,
            actor,
            agency_code=holder.code,
            changes={"step": step},
            message=str(_("信访人表示不再申请%(step)s，信访事项办结。") % {"step": step}),
        )
        _sync_index(index, case, holder)


def close_case(*, case_uuid: uuid.UUID, actor: Actor, today: date | None = None) -> None:
    """办结: after the reply (or review opinion) once the petitioner's window to ask for review
    (re-review) has run out unused (arts. 35-36); a rating, even 满意, does not shorten it."""
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
