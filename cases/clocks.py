"""The legal clocks of a petition (信访工作条例), computed from their starting events.

"N days" are calendar days counted by the rule of 民法典 arts. 201/203 (the starting day is not
counted; a period whose last day is a rest day ends on the next working day); "N working days" skip
rest days and count make-up working days (调休). The calendar itself lives in workdays.rules.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from config import clock
from workdays.rules import (
    DeadlineStatus,
    add_working_days,
    current_calendar,
    deadline_status,
    period_end,
)

ROUTING_DAYS = 15  # art. 22: the bureau forwards, assigns or otherwise disposes within 15 days
ACCEPTANCE_DAYS = 15  # art. 23: the agency tells the petitioner whether it accepts within 15 days
OBJECTION_WORKING_DAYS = 5  # art. 23: a wrongly routed matter is sent back within 5 working days
HANDLING_DAYS = 60  # art. 34: a written reply within 60 days of acceptance
MAX_EXTENSION_DAYS = 30  # art. 34: extended once, by no more than 30 days, with approval
REVIEW_REQUEST_DAYS = 30  # art. 35: review requested within 30 days of receiving the reply
REVIEW_DAYS = 30  # art. 35: review opinion within 30 days of the request
REREVIEW_REQUEST_DAYS = 30  # art. 36: re-review requested within 30 days of the review opinion
REREVIEW_DAYS = 30  # art. 36: re-review opinion within 30 days (hearing time not counted)


def local_day(moment: datetime) -> date:
    return timezone.localdate(moment)


def routing_due(received_at: datetime) -> date:
    return period_end(local_day(received_at), ROUTING_DAYS)


def acceptance_due(received_at: datetime) -> date:
    return period_end(local_day(received_at), ACCEPTANCE_DAYS)


def objection_due(received_at: datetime) -> date:
    return add_working_days(local_day(received_at), OBJECTION_WORKING_DAYS)


def handling_due(accepted_at: datetime, extension_days: int = 0) -> date:
    # The extension lengthens the period itself (60 + N days from acceptance), not the rolled-forward
    # end of the first period.
    return period_end(local_day(accepted_at), HANDLING_DAYS + extension_days)


def _on(moment: date | datetime) -> date:
    return local_day(moment) if isinstance(moment, datetime) else moment


def review_request_due(received: date | datetime) -> date:
    """Art. 35: 30 days from the day the written reply was RECEIVED (its delivery date)."""
    return period_end(_on(received), REVIEW_REQUEST_DAYS)


def review_due(requested_at: datetime) -> date:
    return period_end(local_day(requested_at), REVIEW_DAYS)


def rereview_request_due(received: date | datetime) -> date:
    """Art. 36: 30 days from the day the review opinion was RECEIVED (its delivery date)."""
    return period_end(_on(received), REREVIEW_REQUEST_DAYS)


def service_due(published: datetime, days: int) -> date:
    """The day an answer published to the petitioner's portal counts as received if not opened
    before: ``days`` calendar days after publication (cases.procedure.online_service_days)."""
    return local_day(published) + timedelta(days=days)


def rereview_due(requested_at: datetime, hearing_days: int = 0) -> date:
    return period_end(local_day(requested_at), REREVIEW_DAYS + hearing_days)


@dataclass(frozen=True)
class Deadline:
    kind: str
    label: str | Promise
    due: date
    completed_on: date | None
    # None for a window (objection, review or re-review request) that closed unused: nobody is late.
    status: DeadlineStatus | None
    days_left: int
    article: int
    is_window: bool
    # Counted over a year whose holiday arrangement is neither entered nor published: its statutory
    # holidays only (workdays.statutory). Shown as 暂定 wherever staff see it; recomputed on entry.
    provisional: bool = False


def _day(moment: datetime | None) -> date | None:
    return local_day(moment) if moment else None


# Duties must be met by someone (the bureau, the agency); windows are rights that may go unused.
_WINDOWS = frozenset({"objection", "review_request", "rereview_request"})


def case_deadlines(case, *, today: date | None = None, objected_on: date | None = None) -> list[Deadline]:
    """Every clock that has started on this case, with its status on ``today``."""
    today = today or clock.today()
    calendar = current_calendar()
    rows: list[tuple[str, str | Promise, date | None, date | None, int]] = [
        ("routing", _("信访局分流（15日）"), case.routing_due, _day(case.routed_at), 22),
        ("acceptance", _("告知是否受理（15日）"), case.acceptance_due, _day(case.acceptance_decided_at), 23),
        ("objection", _("分流异议（5个工作日）"), case.objection_due, objected_on, 23),
        ("handling", _("办理并书面答复（60日）"), case.handling_due, _day(case.replied_at), 34),
        # art. 22(三): the 交办's 办结报告, due at the bureau by the assignment's deadline.
        ("report", _("报送办结报告（交办期限）"), case.report_due, _day(case.report_submitted_at), 22),
        (
            "review_request",
            _("申请复查（30日）"),
            case.review_request_due,
            _day(case.review_requested_at),
            35,
        ),
        ("review", _("复查意见（30日）"), case.review_due, _day(case.reviewed_at), 35),
        (
            "rereview_request",
            _("申请复核（30日）"),
            case.rereview_request_due,
            _day(case.rereview_requested_at),
            36,
        ),
        ("rereview", _("复核意见（30日）"), case.rereview_due, _day(case.rereviewed_at), 36),
    ]
    deadlines = []
    for kind, label, due, done, article in rows:
        if due is None:
            continue
        window = kind in _WINDOWS
        status: DeadlineStatus | None = deadline_status(due, today=today, completed_on=done)
        if window and done is None and status == DeadlineStatus.OVERDUE:
            status = None
        deadlines.append(
            Deadline(
                kind,
                label,
                due,
                done,
                status,
                (due - today).days,
                article,
                window,
                provisional=calendar.is_provisional(due),
            )
        )
    return deadlines


# The deadline that the holding agency must meet next, by state (used to sort inboxes and sweep).
_NEXT_DUE_BY_STATE = {
    "submitted": "routing",
    "registered": "routing",
    "received": "acceptance",
    "signed": "acceptance",
    "objected": "acceptance",
    "accepted": "handling",
    "review_requested": "review",
    "rereview_requested": "rereview",
}


def next_due(case) -> tuple[date | None, str]:
    if case.state == "replied" and case.report_due and case.report_status not in ("pending", "accepted"):
        return case.report_due, "report"  # the agency still owes the bureau its 办结报告 (art. 22(三))
    kind = _NEXT_DUE_BY_STATE.get(case.state, "")
    due = getattr(case, f"{kind}_due", None) if kind else None
    return due, kind if due else ""
