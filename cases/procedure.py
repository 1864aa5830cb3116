"""The procedure, declared once: for every action on a case, who may take it, from which states, under
which guard, and what it leads to.

The services enforce it (``check(name, actor, index, case)`` raises the declared refusal), the workspace
case page and the portal show exactly what it allows (``allowed_actions``), and the API reports it on
each case. A rule of the procedure changes here and nowhere else.

Each refusal is the error the service raises, with its stable code and its message in the reader's
language (the messages are lazy: rendered when shown).

Order of the checks, for every action: who (role and kind of agency, or the petitioner), then the state,
then the guards in their declared order — the order the services always checked them in, so a refused
action answers with the same code as before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from cases.models import CaseState, EventKind, ExtensionStatus, ReportStatus
from config import clock
from config.errors import DeadlinePassed, Forbidden, HallError, InvalidTransition, NotFound
from tenants.models import Agency, AgencyKind, reported_unit_codes

if TYPE_CHECKING:
    from cases.index.models import CaseIndex
    from cases.models import Case
    from cases.services.core import Actor

STAFF = frozenset({Role.HANDLER, Role.LEADER, Role.ADMIN})
DECIDERS = frozenset({Role.HANDLER, Role.LEADER})
LEADERS = frozenset({Role.LEADER})

QUEUE = (CaseState.SUBMITTED, CaseState.REGISTERED)
ARRIVED = (CaseState.RECEIVED, CaseState.SIGNED)
ANSWERED = (CaseState.REPLIED, CaseState.REVIEWED)


@dataclass(frozen=True)
class Refusal:
    """Why an action may not be taken: the error the service raises for it."""

    error: type[HallError]
    message: Any  # a lazy translation: rendered in the reader's language when shown
    code: str
    details: dict[str, Any] = field(default_factory=dict)

    allowed = False

    def exception(self) -> HallError:
        return self.error(self.message, code=self.code, **self.details)

    def as_dict(self) -> dict[str, Any]:
        return {"allowed": False, "code": self.code, "reason": str(self.message)}


@dataclass(frozen=True)
class Allowed:
    allowed = True

    def as_dict(self) -> dict[str, Any]:
        return {"allowed": True, "code": "", "reason": ""}


ALLOWED = Allowed()
# Refusals that say only "not yours" or "not in this state": a page does not list them as reasons.
NOT_FOR_THIS_VIEWER = frozenset(
    {"role_required", "bureau_required", "not_found", "invalid_transition", "forbidden"}
)
# Who: (actor, holder, case) -> a refusal, or None when this actor may act.
Who = Callable[["Actor", Agency, "Case", "CaseIndex"], Refusal | None]
# A guard: (case, today) -> a refusal, or None when it passes.
Guard = Callable[["Case", date], Refusal | None]

ROLE_REQUIRED = Refusal(Forbidden, _("只有本单位具有相应角色的工作人员才能执行此操作。"), "role_required")
BUREAU_REQUIRED = Refusal(Forbidden, _("只有信访局具有相应角色的工作人员才能执行此操作。"), "bureau_required")
NOT_FOUND = Refusal(NotFound, _("找不到该信访件。"), "not_found")


def _staff_of(actor: Actor, agency: Agency, roles: frozenset[str]) -> Refusal | None:
    if actor.agency is None or actor.agency.pk != agency.pk or not actor.roles & roles:
        return ROLE_REQUIRED
    return None


def _of_bureau(actor: Actor, roles: frozenset[str]) -> Refusal | None:
    if actor.agency is None or actor.agency.kind != AgencyKind.BUREAU or not actor.roles & roles:
        return BUREAU_REQUIRED
    return None


def holder_staff(roles: frozenset[str]) -> Who:
    """Staff of the agency that holds the case, with one of ``roles``."""
    return lambda actor, holder, case, index: _staff_of(actor, holder, roles)


def holder_staff_or_system(roles: frozenset[str]) -> Who:
    """As ``holder_staff``, or the system itself (the sweep)."""
    return lambda actor, holder, case, index: None if actor.is_system else _staff_of(actor, holder, roles)


def bureau_holding(roles: frozenset[str]) -> Who:
    """Staff of the bureau, while the bureau holds the case."""
    return lambda actor, holder, case, index: _of_bureau(actor, roles) or _staff_of(actor, holder, roles)


def bureau(roles: frozenset[str]) -> Who:
    """Staff of the bureau, whoever holds the case (its rulings on objections and reports)."""
    return lambda actor, holder, case, index: _of_bureau(actor, roles)


def _decided_by(actor: Actor, holder: Agency, agency: Agency | None, roles: frozenset[str]) -> Refusal | None:
    if agency is None:  # decided outside the hall: its result is entered, nobody here decides it
        return ROLE_REQUIRED
    first = _of_bureau(actor, roles) if agency.kind == AgencyKind.BUREAU else _staff_of(actor, agency, roles)
    return first or _staff_of(actor, holder, roles)


def reviewer(roles: frozenset[str]) -> Who:
    """The review body's deciding agency, holding the case: the level above the body that handled the
    matter (art. 35), never that body; the discipline body for a report against the agency that would
    decide (arts. 30, 46)."""

    def who(actor: Actor, holder: Agency, case: Case, index: CaseIndex) -> Refusal | None:
        from cases.services.core import _review_body

        try:
            body = _review_body(case, holder)
        except HallError as exc:  # no 上级机关 configured: nobody may decide, and the page still renders
            return Refusal(HallError, exc.message, exc.code)
        return _decided_by(actor, holder, body.agency, roles)

    return who


def rereviewer(roles: frozenset[str]) -> Who:
    """The re-review body's deciding agency, holding the case: the level above the review body (art.
    36), never the reviewer nor the handler."""

    def who(actor: Actor, holder: Agency, case: Case, index: CaseIndex) -> Refusal | None:
        from cases.services.core import _rereview_body

        try:
            body = _rereview_body(case, holder)
        except HallError as exc:  # no level above the review body configured
            return Refusal(HallError, exc.message, exc.code)
        return _decided_by(actor, holder, body.agency, roles)

    return who


def petitioner(actor: Actor, holder: Agency, case: Case, index: CaseIndex) -> Refusal | None:
    """The petitioner themself; to anyone else the case does not exist."""
    if not actor.is_citizen or actor.user is None or index.citizen_id != actor.user.pk:
        return NOT_FOUND
    return None


def identity_reader(actor: Actor, holder: Agency, case: Case, index: CaseIndex) -> Refusal | None:
    """Staff of the holding agency or the oversight agency's supervisors, never of the reported unit
    (arts. 30, 46); for a case without a protected reporter there is nothing to read."""
    if not case.identity_protected:
        return NOT_FOUND
    if actor.agency is None or actor.agency.code in reported_unit_codes(case.reported_agency):
        return Refusal(Forbidden, _("被检举单位不得查看检举人信息。"), "reported_agency")
    if actor.agency.pk != holder.pk and actor.agency.kind != AgencyKind.OVERSIGHT:
        return NOT_FOUND
    if not actor.roles & (STAFF | {Role.SUPERVISOR}):
        return Refusal(Forbidden, _("没有查看权限。"), "forbidden")
    return None


# --- Guards -------------------------------------------------------------------------------------------


def _refuse_if(condition: Callable[[Case, date], bool], refusal: Refusal) -> Guard:
    return lambda case, today: refusal if condition(case, today) else None


routed_by_bureau = _refuse_if(
    lambda case, today: not case.routed_by,
    Refusal(InvalidTransition, _("直接向本单位提出的事项请使用“移交信访局”。"), "not_routed"),
)
filed_directly = _refuse_if(
    lambda case, today: bool(case.routed_by),
    Refusal(InvalidTransition, _("信访局转来的事项请通过“分流异议”退回。"), "use_objection"),
)
# 信访工作条例 art. 23: an objection within 5 working days of receipt.
objection_window_open = _refuse_if(
    lambda case, today: case.objection_due is None or today > case.objection_due,
    Refusal(DeadlinePassed, _("分流异议须在收到之日起5个工作日内提出，期限已过。"), "deadline_passed"),
)
is_open = _refuse_if(
    lambda case, today: not case.is_open,
    Refusal(InvalidTransition, _("已办结的信访件不能再指定承办人。"), "invalid_transition"),
)
# 信访工作条例 art. 34: the handling period may be extended once, before it has run out.
not_extended_yet = _refuse_if(
    lambda case, today: case.extension_status in (ExtensionStatus.REQUESTED, ExtensionStatus.APPROVED),
    Refusal(InvalidTransition, _("办理期限只能延长一次。"), "extension_once"),
)
handling_period_running = _refuse_if(
    lambda case, today: case.handling_due is None or today > case.handling_due,
    Refusal(DeadlinePassed, _("办理期限已过，不能再申请延期。"), "deadline_passed"),
)
# 信访工作条例 art. 34: the period is extended within the period; once it has run out the case is late
# and an approval cannot make it on time again (the request lapses, 按期办结率 counts the reply late).
handling_period_still_running = _refuse_if(
    lambda case, today: case.handling_due is None or today > case.handling_due,
    Refusal(DeadlinePassed, _("办理期限已届满，延期申请不能再审批。"), "deadline_passed"),
)
extension_requested = _refuse_if(
    lambda case, today: case.extension_status != ExtensionStatus.REQUESTED,
    Refusal(InvalidTransition, _("没有待审批的延期申请。"), "no_extension_request"),
)
report_required = _refuse_if(
    lambda case, today: not case.report_required,
    Refusal(InvalidTransition, _("该事项不需要报送办结报告。"), "no_report_required"),
)
replied = _refuse_if(
    lambda case, today: case.replied_at is None,
    Refusal(InvalidTransition, _("出具处理意见后才能报送办结报告。"), "reply_first"),
)
report_not_sent = _refuse_if(
    lambda case, today: case.report_status in (ReportStatus.PENDING, ReportStatus.ACCEPTED),
    Refusal(InvalidTransition, _("办结报告已报送。"), "report_exists"),
)
report_pending = _refuse_if(
    lambda case, today: case.report_status != ReportStatus.PENDING,
    Refusal(InvalidTransition, _("没有待审核的办结报告。"), "no_pending_report"),
)
reply_received = _refuse_if(
    lambda case, today: case.replied_at is None,
    Refusal(InvalidTransition, _("收到答复后才能评价。"), "not_replied"),
)
not_evaluated = _refuse_if(
    lambda case, today: bool(case.satisfaction),
    Refusal(InvalidTransition, _("已经评价过了。"), "already_evaluated"),
)
# 信访工作条例 art. 35: review within 30 days of RECEIVING the written reply (自收到之日起): the due date
# runs from its delivery date (``delivery_on`` below). None while a reply sent on paper has not been
# delivered: the period has not begun, so it cannot have passed.
review_window_open = _refuse_if(
    lambda case, today: case.review_request_due is not None and today > case.review_request_due,
    Refusal(DeadlinePassed, _("申请复查须在收到书面答复之日起30日内提出，期限已过。"), "deadline_passed"),
)
# 信访工作条例 art. 36: re-review within 30 days of receiving the review opinion (its delivery date).
rereview_window_open = _refuse_if(
    lambda case, today: case.rereview_request_due is not None and today > case.rereview_request_due,
    Refusal(DeadlinePassed, _("申请复核须在收到复查意见之日起30日内提出，期限已过。"), "deadline_passed"),
)
# The answer of the current state (the reply in 已答复, the review opinion in 已复查) has not yet reached
# the petitioner: staff may record the day it was delivered on paper (arts. 35-36, 自收到之日起).
ANSWER_DELIVERY: dict[str, tuple[str, str]] = {
    CaseState.REPLIED: ("reply_delivered_on", "reply_service_due"),
    CaseState.REVIEWED: ("review_delivered_on", "review_service_due"),
}
answer_undelivered = _refuse_if(
    lambda case, today: (
        case.state not in ANSWER_DELIVERY
        or getattr(case, ANSWER_DELIVERY[case.state][0]) is not None
        or (
            (served := getattr(case, ANSWER_DELIVERY[case.state][1])) is not None
            and today > served  # already received online: the service period has run (whichever first)
        )
    ),
    Refusal(InvalidTransition, _("答复文书已经送达。"), "already_delivered"),
)
# 信访工作条例 art. 22(三): 交办 carries the 办结报告; the case cannot close before the bureau has it.
report_in = _refuse_if(
    lambda case, today: case.report_required and case.report_status != ReportStatus.ACCEPTED,
    Refusal(
        InvalidTransition,
        _("交办事项须经信访局审核通过办结报告后才能办结（第二十二条）。"),
        "report_missing",
    ),
)
# 信访工作条例 art. 19: the link to an open matter is confirmed once.
link_unconfirmed = _refuse_if(
    lambda case, today: case.link_confirmed_at is not None,
    Refusal(InvalidTransition, _("已确认该重复信访关联。"), "link_confirmed"),
)


# The petitioner's window after each answer: the case may close once it has passed (arts. 35-36). The
# sweep closes the cases whose window has passed by the same table.
PETITIONER_WINDOWS: dict[str, str] = {
    CaseState.REPLIED: "review_request_due",
    CaseState.REVIEWED: "rereview_request_due",
}


def _window_still_open(case: Case, today: date) -> bool:
    if case.state not in PETITIONER_WINDOWS:
        return False
    # The window runs from the answer's delivery (自收到之日起): None while a paper answer is undelivered,
    # so it has not even begun.
    # 信访工作条例 arts. 35-36: 30 days from receipt of the reply (opinion) to ask for review (re-review).
    # A rating is the petitioner's opinion of the reply and waives nothing: even 满意 leaves the window
    # open. Only its lapse, or the petitioner saying they ask for nothing further, ends it.
    window = getattr(case, PETITIONER_WINDOWS[case.state])
    return window is None or today <= window


def online_service_days() -> int:
    """How long after publication to the portal a written answer counts as received when the
    petitioner has not opened it before (a setting; arts. 35-36, 自收到之日起)."""
    from django.conf import settings

    return settings.HALL_ONLINE_SERVICE_DAYS


def counts_as_delivery(actor: Actor, index: CaseIndex) -> bool:
    """Whether this actor opening the petition on the portal delivers its written answers: the
    petitioner themself only; never staff, another citizen or the system (arts. 35-36)."""
    return actor.is_citizen and actor.user is not None and index.citizen_id == actor.user.pk


def delivery_on(*, opened: date | None, paper: date | None, service_due: date | None) -> date | None:
    """The day a written answer reached the petitioner (送达日期): the first of the day they opened it
    on the portal, the day entered for a paper delivery, and the end of the online service period."""
    days = [day for day in (opened, paper, service_due) if day is not None]
    return min(days) if days else None


petitioner_window_over = _refuse_if(
    _window_still_open,
    Refusal(InvalidTransition, _("信访人申请复查或复核的期限尚未届满，暂不能办结。"), "window_open"),
)
petitioner_window_running = _refuse_if(
    lambda case, today: not _window_still_open(case, today),
    Refusal(DeadlinePassed, _("申请复查或复核的期限已过。"), "deadline_passed"),
)


def _review_outside(case: Case) -> bool:
    from cases.services.core import _review_body

    return _review_body(case).outside


def _rereview_outside(case: Case) -> bool:
    from cases.services.core import _rereview_body

    return _rereview_body(case).outside


def _no_rereview_body(case: Case) -> bool:
    from cases.services.core import _rereview_body

    try:
        _rereview_body(case)
    except HallError:
        return True
    return False


# art. 36: a re-review needs a body above the review body; none configured, none can be asked.
rereview_body_known = _refuse_if(
    lambda case, today: _no_rereview_body(case),
    Refusal(HallError, _("未设置复查机关的上一级机关，暂不能申请复核，请联系信访局。"), "no_rereview_body"),
)
DECIDED_IN_HALL = Refusal(
    InvalidTransition, _("该意见由本大厅内的机关出具，无需登记外部意见。"), "decided_in_hall"
)
# arts. 35-36: a body outside the hall (the province, a 复查复核委员会) decides; its result is entered.
review_decided_outside = _refuse_if(lambda case, today: not _review_outside(case), DECIDED_IN_HALL)
rereview_decided_outside = _refuse_if(lambda case, today: not _rereview_outside(case), DECIDED_IN_HALL)


no_hearing_open = _refuse_if(
    lambda case, today: case.hearing_open,
    Refusal(InvalidTransition, _("已有尚未结束的听证。"), "hearing_open"),
)
hearing_open = _refuse_if(
    lambda case, today: not case.hearing_open,
    Refusal(InvalidTransition, _("没有尚未结束的听证。"), "no_hearing"),
)


# --- The declaration ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One action of the procedure."""

    name: str
    service: str  # the cases.services function that takes it
    who: Who
    states: tuple[str, ...] | None = None  # None: the state does not matter (the guards decide)
    guards: tuple[Guard, ...] = ()
    leads_to: str = ""  # the state it leads to ("" : the state stays)
    starts: tuple[str, ...] = ()  # the clocks (cases.clocks kinds) it starts
    stops: tuple[str, ...] = ()  # and stops
    event: str = ""
    notifies: str = ""  # "petitioner" when the petitioner is told (after commit)
    citizen: bool = False  # taken by the petitioner on the portal


PROCEDURE: dict[str, Step] = {
    step.name: step
    for step in [
        # 信访工作条例 art. 21: the bureau registers what arrives.
        Step(
            "register",
            "register_case",
            bureau_holding(STAFF),
            (CaseState.SUBMITTED,),
            leads_to=CaseState.REGISTERED,
            event=EventKind.REGISTERED,
            notifies="petitioner",
        ),
        # art. 22: 转送 / 交办 within the routing period.
        Step(
            "route",
            "forward_case",
            bureau_holding(DECIDERS),
            QUEUE,
            leads_to=CaseState.RECEIVED,
            starts=("acceptance", "objection", "report"),  # "report": 交办 only (art. 22(三))
            stops=("routing",),
            event=EventKind.FORWARDED,
            notifies="petitioner",
        ),
        Step(
            "reply_directly",
            "reply_directly",
            bureau_holding(DECIDERS),
            QUEUE,
            leads_to=CaseState.REPLIED,
            starts=("review_request",),
            stops=("routing",),
            event=EventKind.REPLIED_DIRECTLY,
            notifies="petitioner",
        ),
        # art. 31: 诉访分离.
        Step(
            "not_accept_by_bureau",
            "not_accept_by_bureau",
            bureau_holding(DECIDERS),
            QUEUE,
            leads_to=CaseState.NOT_ACCEPTED,
            stops=("routing",),
            event=EventKind.NOT_ACCEPTED_BY_BUREAU,
            notifies="petitioner",
        ),
        Step(
            "merge",
            "merge_case",
            bureau_holding(DECIDERS),
            QUEUE,
            leads_to=CaseState.MERGED,
            stops=("routing",),
            event=EventKind.MERGED,
            notifies="petitioner",
        ),
        Step(
            "sign",
            "sign_case",
            holder_staff(STAFF),
            (CaseState.RECEIVED,),
            leads_to=CaseState.SIGNED,
            event=EventKind.SIGNED,
        ),
        # art. 23: a wrongly routed matter goes back within 5 working days.
        Step(
            "object",
            "object_to_routing",
            holder_staff(DECIDERS),
            ARRIVED,
            (routed_by_bureau, objection_window_open),
            leads_to=CaseState.OBJECTED,
            event=EventKind.OBJECTED,
        ),
        Step(
            "send_to_bureau",
            "send_to_bureau",
            holder_staff(DECIDERS),
            ARRIVED,
            (filed_directly,),
            leads_to=CaseState.SUBMITTED,
            starts=("routing",),
            stops=("acceptance",),
            event=EventKind.SENT_TO_BUREAU,
        ),
        Step(
            "decide_objection",
            "decide_objection",
            bureau(DECIDERS),
            (CaseState.OBJECTED,),
            leads_to=CaseState.REGISTERED,  # when approved; refused: back to signed
            starts=("routing",),
            stops=("acceptance", "objection"),
            event=EventKind.OBJECTION_APPROVED,
        ),
        # arts. 22-23: 受理 within 15 days of receipt.
        Step(
            "accept",
            "accept_case",
            holder_staff(DECIDERS),
            ARRIVED,
            leads_to=CaseState.ACCEPTED,
            starts=("handling",),
            stops=("acceptance", "objection"),
            event=EventKind.ACCEPTED,
            notifies="petitioner",
        ),
        Step(
            "not_accept",
            "not_accept_case",
            holder_staff(DECIDERS),
            ARRIVED,
            leads_to=CaseState.NOT_ACCEPTED,
            stops=("acceptance", "objection"),
            event=EventKind.NOT_ACCEPTED,
            notifies="petitioner",
        ),
        Step(
            "assign_handler",
            "assign_handler",
            holder_staff(STAFF),
            None,
            (is_open,),
            event=EventKind.HANDLER_ASSIGNED,
        ),
        Step("note", "add_note", holder_staff(STAFF)),
        # art. 34: once, at most 30 days, approved by a leader.
        Step(
            "request_extension",
            "request_extension",
            holder_staff(DECIDERS),
            (CaseState.ACCEPTED,),
            (not_extended_yet, handling_period_running),
            event=EventKind.EXTENSION_REQUESTED,
        ),
        Step(
            "decide_extension",
            "decide_extension",
            holder_staff(LEADERS),
            (CaseState.ACCEPTED,),
            (extension_requested, handling_period_still_running),
            event=EventKind.EXTENSION_APPROVED,
            notifies="petitioner",
        ),
        # arts. 32-34: the written reply opens the review window.
        Step(
            "reply",
            "reply_case",
            holder_staff(DECIDERS),
            (CaseState.ACCEPTED,),
            leads_to=CaseState.REPLIED,
            starts=("review_request",),
            stops=("handling",),
            event=EventKind.REPLIED,
            notifies="petitioner",
        ),
        Step(
            "completion_report",
            "submit_completion_report",
            holder_staff(DECIDERS),
            None,
            (report_required, replied, report_not_sent),
            stops=("report",),
            event=EventKind.REPORT_SUBMITTED,
        ),
        Step(
            "decide_report",
            "decide_completion_report",
            bureau(DECIDERS),
            None,
            (report_pending,),
            event=EventKind.REPORT_ACCEPTED,
        ),
        # art. 22(三): the bureau sends a report back to be redone, with its reason; the agency hears.
        Step(
            "return_report",
            "return_completion_report",
            bureau(DECIDERS),
            None,
            (report_pending,),
            starts=("report",),
            event=EventKind.REPORT_RETURNED,
            notifies="agency",
        ),
        # arts. 35-36 (自收到之日起): the day a reply or opinion sent on paper reached the petitioner.
        Step(
            "record_delivery",
            "record_delivery",
            holder_staff(STAFF),
            ANSWERED,
            (answer_undelivered,),
            event=EventKind.DELIVERED,
        ),
        # art. 19: the bureau confirms or undoes the automatic link to an open matter.
        Step(
            "confirm_link",
            "confirm_link",
            bureau_holding(DECIDERS),
            (CaseState.LINKED,),
            (link_unconfirmed,),
            event=EventKind.LINK_CONFIRMED,
            notifies="petitioner",
        ),
        Step(
            "undo_link",
            "undo_link",
            bureau_holding(DECIDERS),
            (CaseState.LINKED,),
            leads_to=CaseState.SUBMITTED,
            starts=("routing",),
            event=EventKind.LINK_UNDONE,
            notifies="petitioner",
        ),
        Step("upload_scan", "upload_signed_document", holder_staff(DECIDERS), event=EventKind.DOCUMENT_ADDED),
        Step(
            "close",
            "close_case",
            holder_staff_or_system(DECIDERS),
            ANSWERED,
            (petitioner_window_over, report_in),
            leads_to=CaseState.CLOSED,
            stops=("review_request", "rereview_request"),
            event=EventKind.CLOSED,
        ),
        # art. 35: 复查 by the level above the body that handled it.
        Step(
            "answer_review",
            "answer_review",
            reviewer(DECIDERS),
            (CaseState.REVIEW_REQUESTED,),
            leads_to=CaseState.REVIEWED,
            starts=("rereview_request",),
            stops=("review",),
            event=EventKind.REVIEWED,
            notifies="petitioner",
        ),
        # art. 36: 复核 by the level above the review body, final; a leader signs it.
        Step(
            "answer_rereview",
            "answer_rereview",
            rereviewer(LEADERS),
            (CaseState.REREVIEW_REQUESTED,),
            leads_to=CaseState.TERMINATED,
            stops=("rereview",),
            event=EventKind.REREVIEWED,
            notifies="petitioner",
        ),
        # arts. 35-36: the body above is outside the hall; the holder enters its opinion on return.
        Step(
            "enter_review_result",
            "enter_review_result",
            holder_staff(DECIDERS),
            (CaseState.REVIEW_REQUESTED,),
            (review_decided_outside,),
            leads_to=CaseState.REVIEWED,
            starts=("rereview_request",),
            stops=("review",),
            event=EventKind.OUTSIDE_RESULT,
            notifies="petitioner",
        ),
        Step(
            "enter_rereview_result",
            "enter_rereview_result",
            holder_staff(DECIDERS),
            (CaseState.REREVIEW_REQUESTED,),
            (rereview_decided_outside,),
            leads_to=CaseState.TERMINATED,
            stops=("rereview",),
            event=EventKind.OUTSIDE_RESULT,
            notifies="petitioner",
        ),
        # art. 36: the re-review body may hold a hearing; its days are not counted in the 30.
        Step(
            "schedule_hearing",
            "schedule_hearing",
            rereviewer(DECIDERS),
            (CaseState.REREVIEW_REQUESTED,),
            (no_hearing_open,),
            event=EventKind.HEARING_SCHEDULED,
            notifies="petitioner",
        ),
        Step(
            "close_hearing",
            "close_hearing",
            rereviewer(DECIDERS),
            (CaseState.REREVIEW_REQUESTED,),
            (hearing_open,),
            event=EventKind.HEARING_CLOSED,
            notifies="petitioner",
        ),
        # arts. 30, 46: a reporter's identity, read with a purpose and logged.
        Step("identity", "read_protected_identity", identity_reader),
        # The petitioner's own steps (portal, API).
        Step(
            "evaluate",
            "evaluate_case",
            petitioner,
            None,
            (reply_received, not_evaluated),
            event=EventKind.EVALUATED,
            citizen=True,
        ),
        Step(
            "request_review",
            "request_review",
            petitioner,
            (CaseState.REPLIED,),
            (review_window_open,),
            leads_to=CaseState.REVIEW_REQUESTED,
            starts=("review",),
            stops=("review_request",),
            event=EventKind.REVIEW_REQUESTED,
            citizen=True,
        ),
        Step(
            "request_rereview",
            "request_rereview",
            petitioner,
            (CaseState.REVIEWED,),
            (rereview_window_open, rereview_body_known),
            leads_to=CaseState.REREVIEW_REQUESTED,
            starts=("rereview",),
            stops=("rereview_request",),
            event=EventKind.REREVIEW_REQUESTED,
            citizen=True,
        ),
        # arts. 35-36: the petitioner may say they ask for no review (re-review); the case closes.
        Step(
            "decline_review",
            "decline_review",
            petitioner,
            ANSWERED,
            (petitioner_window_running,),
            leads_to=CaseState.CLOSED,
            stops=("review_request", "rereview_request"),
            event=EventKind.REVIEW_DECLINED,
            citizen=True,
        ),
    ]
}
# --- The clocks the sweep watches -------------------------------------------------------------------


@dataclass(frozen=True)
class Escalation:
    """An oversight step on a duty late by ``after_days`` calendar days: a 催办 or a 督办单 to the
    responsible agency, to be answered within ``answer_working_days``."""

    after_days: int
    kind: str  # cases.oversight.models.SupervisionKind: "reminder" 催办, "order" 督办单
    answer_working_days: int


# The oversight rules as the supervision office applies them: 催办 at 3 days late, 督办单 at 10.
OVERSIGHT_LADDER = (Escalation(3, "reminder", 3), Escalation(10, "order", 5))


@dataclass(frozen=True)
class Clock:
    """One clock of the procedure as the daily sweep watches it (cases.services.sweep).

    It runs while the case is open, in one of ``states`` (None: any open state), its last day in the
    CaseIndex column ``due_field`` (NULL: not started), and not ``done_when`` the row says it stopped.
    A duty (``overdue="flag"``) is reminded ``remind_before`` working days before its last day
    (None: settings.HALL_SWEEP_REMINDER_WORKING_DAYS; 0: no reminder), flagged the day after it, then
    escalated by ``ladder``; a petitioner's window (``overdue="close"``) closes the case once it ran out.
    """

    name: str
    due_field: str
    states: tuple[str, ...] | None
    responsible: str  # "holder": the agency holding the case; "petitioner": a right that may go unused
    article: str
    overdue: str = "flag"  # "flag" | "close"
    ladder: tuple[Escalation, ...] = ()
    remind_before: int | None = None
    done_when: Callable[[Any], bool] | None = None
    label: Any = ""  # a lazy translation: what reminders and flags call it

    def runs_on(self, row) -> bool:
        if not row.is_open or getattr(row, self.due_field, None) is None:
            return False
        if self.states is not None and row.state not in self.states:
            return False
        return not (self.done_when and self.done_when(row))


CLOCKS: tuple[Clock, ...] = (
    # 信访工作条例 art. 22: the bureau forwards, assigns or disposes within 15 days of receipt.
    Clock("routing", "routing_due", QUEUE, "holder", "22", ladder=OVERSIGHT_LADDER, label=_("信访局分流")),
    # art. 23: the agency says within 15 days of receipt whether it accepts (not while the bureau rules
    # on its objection: art. 23 puts that time on the bureau).
    Clock(
        "acceptance", "acceptance_due", ARRIVED, "holder", "23", ladder=OVERSIGHT_LADDER, label=_("告知受理")
    ),
    # art. 34: the written reply within 60 days of acceptance (+ an approved extension).
    Clock(
        "handling",
        "handling_due",
        (CaseState.ACCEPTED,),
        "holder",
        "34",
        ladder=OVERSIGHT_LADDER,
        label=_("办理"),
    ),
    # art. 22(三): 交办 carries a completion report by the assignment deadline; it stops once the report
    # is in. The CaseIndex column comes with the assignment work; until it exists the sweep skips it.
    Clock(
        "assignment",
        "report_due",
        (CaseState.RECEIVED, CaseState.SIGNED, CaseState.ACCEPTED, CaseState.REPLIED),
        "holder",
        "22",
        ladder=OVERSIGHT_LADDER,
        done_when=lambda row: row.report_status in (ReportStatus.PENDING, ReportStatus.ACCEPTED),
        label=_("交办办结报告"),
    ),
    # art. 35: the review opinion within 30 days of the request; art. 36: the re-review opinion.
    Clock(
        "review",
        "review_due",
        (CaseState.REVIEW_REQUESTED,),
        "holder",
        "35",
        ladder=OVERSIGHT_LADDER,
        label=_("复查"),
    ),
    Clock(
        "rereview",
        "rereview_due",
        (CaseState.REREVIEW_REQUESTED,),
        "holder",
        "36",
        ladder=OVERSIGHT_LADDER,
        label=_("复核"),
    ),
    # The agency's answer to a 催办 or 督办单 by the day the order set (ch. 6, 督查督办; the oversight
    # body's own order, a few working days): reminded the working day before, flagged, never escalated
    # by the sweep (the order is the escalation).
    Clock("supervision", "supervision_due", None, "holder", "督办", remind_before=1, label=_("督办反馈")),
    # arts. 35-36: the petitioner's windows; once one has run out unused the case closes.
    Clock(
        "review_request",
        "review_request_due",
        (CaseState.REPLIED,),
        "petitioner",
        "35",
        "close",
        label=_("申请复查"),
    ),
    Clock(
        "rereview_request",
        "rereview_request_due",
        (CaseState.REVIEWED,),
        "petitioner",
        "36",
        "close",
        label=_("申请复核"),
    ),
)
CLOCKS_BY_NAME = {c.name: c for c in CLOCKS}


STAFF_STEPS = tuple(name for name, step in PROCEDURE.items() if not step.citizen)
CITIZEN_STEPS = tuple(name for name, step in PROCEDURE.items() if step.citizen)


def wrong_state(state: str) -> Refusal:
    from cases.services.core import _wrong_state

    return Refusal(InvalidTransition, _wrong_state(state), "invalid_transition", {"state": state})


def refusal(
    name: str, actor: Actor, index: CaseIndex, case: Case, today: date | None = None
) -> Refusal | None:
    """Why ``actor`` may not take action ``name`` on the case now, or None when they may."""
    step = PROCEDURE[name]
    holder = index.holder
    refused = step.who(actor, holder, case, index)
    if refused is not None:
        return refused
    if step.states is not None and case.state not in step.states:
        return wrong_state(case.state)
    today = today or clock.today()
    for guard in step.guards:
        refused = guard(case, today)
        if refused is not None:
            return refused
    return None


def check(name: str, actor: Actor, index: CaseIndex, case: Case, today: date | None = None) -> None:
    """Raise the declared refusal unless ``actor`` may take action ``name`` now (the services call it
    under the case lock)."""
    refused = refusal(name, actor, index, case, today)
    if refused is not None:
        raise refused.exception()


def allowed_actions(
    actor: Actor, index: CaseIndex, case: Case | None, today: date | None = None, *, names=None
) -> dict[str, Allowed | Refusal]:
    """What this actor may do to this case today, and why not the rest.

    ``case`` is the holder's current record (``current_case``); None when the viewer sees only a stub
    it may not act on.
    """
    today = today or clock.today()
    names = names or (CITIZEN_STEPS if actor.is_citizen else STAFF_STEPS)
    if case is None:
        return {name: wrong_state(CaseState.TRANSFERRED) for name in names}
    return {name: refusal(name, actor, index, case, today) or ALLOWED for name in names}


def window_open(name: str, record, today: date) -> bool:
    """Whether a petitioner's step is open on ``record`` (a case, or its CaseIndex row, which carries
    the same state and dates): its states and guards, without asking who."""
    step = PROCEDURE[name]
    if step.states is not None and record.state not in step.states:
        return False
    return all(guard(record, today) is None for guard in step.guards)


def current_case(view, viewer: Agency | None = None) -> Case | None:
    """The record the services act on: the holder's current one. An agency that holds the case has it
    in ``view``; a past holder (the bureau after routing, an agency after a transfer) sees only its stub,
    so the current record is read from the holder's schema (used to decide, never shown)."""
    if viewer is None or view.is_holder:
        return view.case
    from django_tenants.utils import schema_context

    from cases.models import Case

    with schema_context(view.index.holder.schema_name):
        return Case.objects.filter(pk=view.case.pk).first()
