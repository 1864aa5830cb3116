"""Every change the oversight body makes: its read log, reminders and supervision orders (催办, 督办单),
the agencies' answers, and the daily deadline sweep.

Oversight never changes a case's record. The only thing it adds to a case is a timeline event
(EventKind.SUPERVISION) when an item is issued or answered; that is a write into the agency's schema,
so it goes through ``record_supervision_event``, which locks the case exactly as cases.services does.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from cases import procedure
from cases import services as case_services
from cases.access import reports_against
from cases.index.models import CaseIndex
from cases.oversight.models import OversightReadLog, SupervisionItem, SupervisionKind
from cases.services import Actor, record_supervision_event
from config import clock
from config.errors import Forbidden, HallError, InvalidTransition, NotFound
from notifications.services import enqueue_agency_notice
from tenants.models import Agency, AgencyKind, the_oversight_agency
from workdays.rules import add_working_days

logger = logging.getLogger(__name__)

OVERSIGHT_ROLES = frozenset({Role.SUPERVISOR, Role.LEADER, Role.ADMIN})
ANSWERING_ROLES = frozenset({Role.HANDLER, Role.LEADER, Role.ADMIN})
MAX_CASES_PER_ITEM = 200

# Sweep rules: handling overdue by N days raises an item of the given kind, once per case and rule.
RULE_REMINDER = "handling_overdue_3d"
RULE_ORDER = "handling_overdue_10d"
REMINDER_AFTER_DAYS = 3
ORDER_AFTER_DAYS = 10
REMINDER_ANSWER_WORKING_DAYS = 3
ORDER_ANSWER_WORKING_DAYS = 5


def _require_oversight(actor: Actor) -> Agency:
    if actor.agency is None or actor.agency.kind != AgencyKind.OVERSIGHT or not actor.roles & OVERSIGHT_ROLES:
        raise Forbidden(_("只有督查机构具有相应角色的工作人员才能执行此操作。"), code="oversight_required")
    return actor.agency


def _oversight_agency() -> Agency | None:
    return the_oversight_agency()


# --- Reads ---------------------------------------------------------------------------------------


def log_case_read(*, actor: Actor, index: CaseIndex, reason: str) -> OversightReadLog:
    """Record that the oversight body opened a case: who, which, held by whom, why, from where."""
    _require_oversight(actor)
    reason = (reason or "").strip()
    if not reason:
        raise HallError(_("查阅信访件须说明事由。"), code="reason_required")
    return OversightReadLog.objects.create(
        user=actor.user,
        case_uuid=index.case_uuid,
        tracking_number=index.tracking_number,
        agency_id=index.holder_id,
        reason=reason[:200],
        ip_address=actor.ip,
    )


# --- The one write into a case -------------------------------------------------------------------


# --- Issue and answer ----------------------------------------------------------------------------


def _clean_uuids(case_uuids: Iterable) -> list[str]:
    seen: list[str] = []
    for value in case_uuids:
        try:
            text = str(uuid.UUID(str(value)))
        except ValueError:
            raise NotFound(_("找不到该信访件。")) from None
        if text not in seen:
            seen.append(text)
    return seen


def issue_supervision(
    *,
    actor: Actor,
    agency: Agency,
    case_uuids: Iterable,
    kind: str,
    message: str,
    answer_due: date,
    auto_rule: str = "",
    today: date | None = None,
) -> SupervisionItem:
    """Issue a reminder (催办) or a supervision order (督办单) to ``agency`` on cases it holds, to be
    answered by ``answer_due``; each case's timeline records it."""
    issuer = _oversight_agency() if actor.is_system else _require_oversight(actor)
    today = today or clock.today()
    if kind not in SupervisionKind.values:
        raise HallError(
            _("请选择催办或督办。"), code="kind_required", fields={"kind": _("请选择催办或督办。")}
        )
    message = (message or "").strip()
    if not message:
        raise HallError(
            _("请填写督办意见。"), code="message_required", fields={"message": _("请填写督办意见。")}
        )
    if answer_due is None or answer_due < today:
        raise HallError(
            _("反馈期限不能早于今天。"),
            code="answer_due_invalid",
            fields={"answer_due": _("反馈期限不能早于今天。")},
        )
    if not agency.is_case_holder:
        raise HallError(_("只能向信访事项承办单位督办。"), code="invalid_agency")
    wanted = _clean_uuids(case_uuids)
    if not wanted:
        raise HallError(
            _("请至少选择一件信访件。"), code="cases_required", fields={"cases": _("请至少选择一件信访件。")}
        )
    if len(wanted) > MAX_CASES_PER_ITEM:
        raise HallError(_("一次督办的信访件过多。"), code="too_many_cases")
    rows = {str(r.case_uuid): r for r in CaseIndex.objects.filter(case_uuid__in=wanted)}
    # A report against the issuer's own unit is not the issuer's to supervise, or to see (arts. 30, 46).
    hidden = (
        {str(u) for u in reports_against(issuer).values_list("case_uuid", flat=True)} if issuer else set()
    )
    cases = []
    for case_uuid in wanted:
        row = rows.get(case_uuid)
        if row is None or case_uuid in hidden:
            raise NotFound(_("找不到该信访件。"))
        if row.holder_id != agency.pk:
            raise HallError(
                _("信访件 %(n)s 不由该单位办理。") % {"n": row.tracking_number}, code="not_held_by_agency"
            )
        cases.append({"uuid": case_uuid, "tracking_number": row.tracking_number})

    with transaction.atomic():
        item = SupervisionItem.objects.create(
            kind=kind,
            agency=agency,
            cases=cases,
            message=message,
            answer_due=answer_due,
            issued_by=actor.user,
            auto_rule=auto_rule,
            auto_case_uuid=uuid.UUID(cases[0]["uuid"]) if auto_rule else None,
        )
        event_text = str(
            _("%(kind)s：%(message)s（请于%(due)s前反馈）")
            % {"kind": item.get_kind_display(), "message": message, "due": answer_due.isoformat()}
        )
        # Many cases in one transaction: locked in case_uuid order, the same order everywhere.
        for case in sorted(cases, key=lambda c: c["uuid"]):
            record_supervision_event(
                case_uuid=case["uuid"],
                actor=actor,
                agency_code=issuer.code if issuer else "",
                message=event_text,
                changes={"item": str(item.pk), "kind": kind, "answer_due": answer_due, "rule": auto_rule},
            )
        # The agency's staff hear of it after commit (inbox row and e-mail, by the worker).
        enqueue_agency_notice(
            agency_id=agency.pk,
            kind="supervision",
            key=f"supervision:{item.pk}",
            k=str(item.get_kind_display()),
            n="、".join(case["tracking_number"] for case in cases),
            d=answer_due.isoformat(),
        )
    return item


def answer_supervision(*, actor: Actor, item: SupervisionItem, text: str) -> SupervisionItem:
    """The agency answers an item addressed to it (once); each case's timeline records the answer."""
    text = (text or "").strip()
    if not text:
        raise HallError(
            _("请填写反馈情况。"), code="answer_required", fields={"answer": _("请填写反馈情况。")}
        )
    with transaction.atomic():
        locked = SupervisionItem.objects.select_for_update().select_related("agency").get(pk=item.pk)
        if actor.agency is None or actor.agency.pk != locked.agency_id or not actor.roles & ANSWERING_ROLES:
            raise NotFound(_("找不到该督办事项。"))
        if locked.answered_at is not None:
            raise InvalidTransition(_("该督办事项已经反馈。"), code="already_answered")
        locked.answer = text
        locked.answered_by = actor.user
        locked.answered_at = clock.now()
        locked.save(update_fields=["answer", "answered_by", "answered_at"])
        message = str(
            _("%(agency)s反馈%(kind)s：%(text)s")
            % {"agency": locked.agency.name_zh, "kind": locked.get_kind_display(), "text": text}
        )
        for case in locked.cases:
            record_supervision_event(
                case_uuid=case["uuid"],
                actor=actor,
                agency_code=locked.agency.code,
                message=message,
                changes={"item": str(locked.pk), "answered": True},
            )
    return locked


# --- The daily sweep -----------------------------------------------------------------------------


@dataclass
class SweepResult:
    reminders: list[str] = field(default_factory=list)  # tracking numbers
    orders: list[str] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # could not be closed (state changed meanwhile)


def _rule_for(overdue_days: int) -> tuple[str, str, int] | None:
    if overdue_days >= ORDER_AFTER_DAYS:
        return RULE_ORDER, SupervisionKind.ORDER, ORDER_ANSWER_WORKING_DAYS
    if overdue_days >= REMINDER_AFTER_DAYS:
        return RULE_REMINDER, SupervisionKind.REMINDER, REMINDER_ANSWER_WORKING_DAYS
    return None


def sweep_deadlines(*, today: date | None = None) -> SweepResult:
    """Raise automatic reminders and orders on overdue handling, and close cases whose petitioner's
    window for review has run out. Idempotent: a rule fires once per case; a closed case stays so."""
    today = today or clock.today()
    result = SweepResult()
    system = Actor.system()

    # 1. One query for every open case whose handling (art. 34) is overdue by 3 days or more; reports
    # against the oversight office's own unit are the discipline body's, never its (arts. 30, 46).
    issuer = _oversight_agency()
    overdue_rows = CaseIndex.objects.filter(
        is_open=True,
        next_due_kind="handling",
        next_due__lte=today - timedelta(days=REMINDER_AFTER_DAYS),
    )
    if issuer is not None:
        overdue_rows = overdue_rows.exclude(case_uuid__in=reports_against(issuer))
    overdue = list(overdue_rows.select_related("holder").order_by("next_due", "id"))
    fired = set(
        SupervisionItem.objects.filter(
            auto_case_uuid__in=[row.case_uuid for row in overdue], auto_rule__in=[RULE_REMINDER, RULE_ORDER]
        ).values_list("auto_rule", "auto_case_uuid")
    )
    for row in overdue:
        if row.next_due is None:  # filtered out above; says so to the type checker
            continue
        rule = _rule_for((today - row.next_due).days)
        if rule is None or (rule[0], row.case_uuid) in fired:
            continue
        name, kind, answer_days = rule
        message = str(
            _("信访件 %(n)s 已超过办理期限（%(due)s）%(days)s日，请抓紧办理并反馈。")
            % {"n": row.tracking_number, "due": row.next_due.isoformat(), "days": (today - row.next_due).days}
        )
        try:
            with transaction.atomic():
                issue_supervision(
                    actor=system,
                    agency=row.holder,
                    case_uuids=[row.case_uuid],
                    kind=kind,
                    message=message,
                    answer_due=add_working_days(today, answer_days),
                    auto_rule=name,
                    today=today,
                )
        except IntegrityError:
            continue  # another sweep raised it at the same moment (the unique constraint decides)
        (result.orders if kind == SupervisionKind.ORDER else result.reminders).append(row.tracking_number)

    # 2. One query for replied / reviewed cases whose petitioner's window has passed (arts. 35, 36).
    # The states and windows are the procedure's (cases.procedure); close_case checks the rest.
    passed = Q()
    for state, window in procedure.PETITIONER_WINDOWS.items():
        passed |= Q(state=state, **{f"{window}__lt": today})
    expired = CaseIndex.objects.filter(is_open=True).filter(passed)
    for case_uuid, tracking in expired.order_by("id").values_list("case_uuid", "tracking_number"):
        try:
            case_services.close_case(case_uuid=case_uuid, actor=system, today=today)
        except HallError as exc:
            logger.info("sweep: %s not closed: %s", tracking, exc.code)
            result.skipped.append(tracking)
            continue
        result.closed.append(tracking)
    return result
