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

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.utils.translation import gettext

from cases.models import CaseState, EventKind
from config import clock
from config.errors import InvalidTransition
from tenants.models import Agency

if TYPE_CHECKING:
    from cases.index.models import CaseIndex
    from cases.models import Case
    from cases.services.core import Actor
from cases.procedure_clocks import (  # noqa: F401 - re-exported: cases.procedure is the one import path
    CLOCKS,
    CLOCKS_BY_NAME,
    OVERSIGHT_LADDER,
    Clock,
    Escalation,
)
from cases.procedure_rules import (  # noqa: F401 - re-exported: cases.procedure is the one import path
    ALLOWED,
    ANSWER_DELIVERY,
    ANSWERED,
    ARRIVED,
    BUREAU_REQUIRED,
    DECIDED_IN_HALL,
    DECIDERS,
    LEADERS,
    NOT_FOR_THIS_VIEWER,
    NOT_FOUND,
    PETITIONER_WINDOWS,
    QUEUE,
    ROLE_REQUIRED,
    STAFF,
    Allowed,
    Guard,
    Refusal,
    Who,
    _decided_by,
    _no_rereview_body,
    _of_bureau,
    _refuse_if,
    _rereview_outside,
    _review_outside,
    _staff_of,
    _window_still_open,
    answer_undelivered,
    bureau,
    bureau_holding,
    counts_as_delivery,
    delivery_on,
    extension_requested,
    filed_directly,
    handling_period_running,
    handling_period_still_running,
    hearing_open,
    holder_staff,
    holder_staff_or_system,
    identity_reader,
    is_open,
    link_unconfirmed,
    no_hearing_open,
    not_evaluated,
    not_extended_yet,
    objection_window_open,
    online_service_days,
    petitioner,
    petitioner_window_over,
    petitioner_window_running,
    replied,
    reply_received,
    report_in,
    report_not_sent,
    report_pending,
    report_required,
    rereview_body_known,
    rereview_decided_outside,
    rereview_window_open,
    rereviewer,
    review_decided_outside,
    review_window_open,
    reviewer,
    routed_by_bureau,
)


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


STAFF_STEPS = tuple(name for name, step in PROCEDURE.items() if not step.citizen)
CITIZEN_STEPS = tuple(name for name, step in PROCEDURE.items() if step.citizen)


def supplement_refusal(case: Case) -> Refusal | None:
    """补充材料 (art. 17: the petitioner states facts and supplies materials): accepted while the case is
    open; a closed, terminated, merged or linked case takes no more material, the petitioner files a
    new matter instead. Not a step: it changes no state and starts no clock, so it is declared here
    as its one rule rather than in PROCEDURE."""
    if case.is_open:
        return None
    return Refusal(
        InvalidTransition,
        gettext("该信访件已“%(state)s”，不能再补充材料。如有新的情况，请另行提出信访事项。")
        % {"state": case.get_state_display()},
        "case_not_open",
    )


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
    from cases.services.core import reviewers_kept

    with reviewers_kept():  # several steps' rules ask who reviews this case: work it out once
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
