"""The building blocks of the procedure's declaration (cases.procedure): who may act, the declared
refusals, the guards, and the petitioner's windows with the delivery (送达) they run from.

cases.procedure re-exports every name here; callers import them from there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from cases.models import CaseState, ExtensionStatus, ReportStatus
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
    # report_due is set exactly when a 交办 requires the report (on the case and on its index row alike:
    # the sweep asks this of index rows).
    lambda case, today: case.report_due is not None and case.report_status != ReportStatus.ACCEPTED,
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
