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
from datetime import date

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from cases.access import reports_against
from cases.index.models import CaseIndex
from cases.oversight.models import OversightReadLog, SupervisionItem, SupervisionKind
from cases.services import Actor, record_supervision_event, sweep
from cases.services.sweep import SweepResult
from config import clock
from config.errors import Forbidden, HallError, InvalidTransition, NotFound
from notifications.services import enqueue_agency_notice
from tenants.models import Agency, AgencyKind, the_oversight_agency

logger = logging.getLogger(__name__)

OVERSIGHT_ROLES = frozenset({Role.SUPERVISOR, Role.LEADER, Role.ADMIN})
ANSWERING_ROLES = frozenset({Role.HANDLER, Role.LEADER, Role.ADMIN})
MAX_CASES_PER_ITEM = 200


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
        # The answer is a clock the sweep watches (procedure.CLOCKS "supervision").
        sweep.refresh_supervision_due([case["uuid"] for case in cases])
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
        sweep.refresh_supervision_due(locked.case_uuids)
    return locked


# --- The daily sweep -----------------------------------------------------------------------------
# Every declared clock (cases.procedure.CLOCKS), batched per agency: cases.services.sweep. The oversight
# ladder it applies (催办 at 3 days late, 督办单 at 10) is procedure.OVERSIGHT_LADDER.


def sweep_deadlines(*, today: date | None = None) -> SweepResult:
    """Plan today's sweep with one query over the index and enqueue one task per agency batch
    (cases.tasks.sweep_agency). Run inline (no broker, or tests) the batches' results are merged."""
    from celery.result import EagerResult

    from cases.tasks import sweep_agency

    today = today or clock.today()
    result = SweepResult()
    for agency_id, ids in sweep.plan(today):
        done = sweep_agency.delay(agency_id, today.isoformat(), ids)
        if isinstance(done, EagerResult):
            result.merge(done.get())
    return result
