"""The clocks of the procedure as the daily sweep watches them (cases.services.sweep), declared once:
each duty's deadline column, the states it runs in, who answers for it, its article, its reminder and
what happens once it runs out. cases.procedure re-exports every name here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from cases.models import CaseState, ReportStatus

if TYPE_CHECKING:
    pass
from cases.procedure_rules import ARRIVED, QUEUE


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
