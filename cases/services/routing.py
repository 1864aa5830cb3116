"""Routing: the bureau registers, forwards, sends back, replies directly, refuses or merges a case
(arts. 21-22), the receiving agency signs it or objects to the routing; moving a case between agency
schemas is one transaction.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tenants.utils import schema_context

from cases import clocks
from cases.index.models import CaseIndex
from cases.models import (
    Attachment,
    Case,
    CaseEvent,
    CaseState,
    Document,
    EventKind,
    PetitionType,
    RoutingMode,
)
from cases.procedure import check
from cases.services.acceptance import _check_refusal, _refuse
from cases.services.core import (
    Actor,
    _acting_agency,
    _append_event,
    _bureau,
    _locked,
    _notify,
    _now,
    _reported_unit,
    _reported_unit_of,
    _sync_index,
)
from cases.services.documents import _cn_date, _issue_document
from cases.services.handling import _write_reply
from cases.services.intake import _record_repeat
from config.compiled import update
from config.errors import Forbidden, HallError, NotFound
from tenants.models import Agency

# --- Moving a case between agency schemas -----------------------------------------------------------


def _copy_rows(case: Case, target: Agency) -> None:
    """Write the case and its citizen-facing records into the target schema (same UUIDs).

    Internal notes and handler assignments stay with the agency that wrote them.
    """
    events = list(CaseEvent.objects.filter(case=case).order_by("seq"))
    documents = list(Document.objects.filter(case=case))
    attachments = list(Attachment.objects.filter(case=case))
    with schema_context(target.schema_name):
        stale = Case.objects.filter(pk=case.pk)
        if stale.exists():
            # The target held this case before (e.g. the bureau, now reviewing): replace its copy with
            # the full history while keeping its own notes.
            CaseEvent.objects.filter(case_id=case.pk).delete()
            Document.objects.filter(case_id=case.pk).delete()
            Attachment.objects.filter(case_id=case.pk).delete()
            case.save(force_update=True)
        else:
            case.save(force_insert=True)
        _write_children(events, documents, attachments)


def _write_children(
    events: list[CaseEvent], documents: list[Document], attachments: list[Attachment]
) -> None:
    CaseEvent.objects.bulk_create(events)
    Document.objects.bulk_create(documents)
    Attachment.objects.bulk_create(attachments)


def _check_target(case: Case, *, source: Agency, target: Agency) -> None:
    if target.pk == source.pk:
        raise HallError(_("不能转给本单位。"), code="same_agency")
    if not target.is_case_holder or not target.is_active:
        raise HallError(_("不能转给该单位。"), code="invalid_agency")
    if target.code in _reported_unit(case):
        # 信访工作条例 art. 46: nor to anything that belongs to the reported unit.
        raise Forbidden(
            _("依据《信访工作条例》第四十六条，不得将检举控告材料转给被检举单位。"), code="reported_agency"
        )


def _transfer(
    index: CaseIndex,
    case: Case,
    *,
    source: Agency,
    target: Agency,
    actor: Actor,
    out_kind: str,
    new_state: str,
    changes: dict[str, Any],
    message: str,
) -> Case:
    """Move a locked case from ``source``'s schema to ``target``'s, atomically.

    The caller is inside ``_locked``: the whole move is one transaction across the two schemas of
    one database. Order: write the out-event in the source; copy the full record to the target; mark
    the source row as a stub; repoint the index. An error anywhere rolls all of it back.
    """
    _check_target(case, source=source, target=target)
    now = _now()
    _append_event(
        case,
        out_kind,
        actor,
        agency_code=source.code,
        changes={"to": target.code, **changes},
        message=message,
        at=now,
    )
    case.state = new_state
    case.received_at = now
    case.signed_at = None
    case.handler_uuid = None
    case.handler_name = ""
    _copy_rows(case, target)
    with schema_context(target.schema_name):
        _append_event(
            case,
            EventKind.TRANSFERRED_IN,
            actor,
            agency_code=target.code,
            at=now,
            changes={"from": source.code},
            visible=False,
        )
    # The stub in the source schema: the record as it was when it left, marked transferred.
    Case.objects.filter(pk=case.pk).update(state=CaseState.TRANSFERRED)
    _sync_index(index, case, target)
    return case


# --- Bureau actions ---------------------------------------------------------------------------------


def register_case(*, case_uuid: uuid.UUID, actor: Actor) -> None:
    """登记 (art. 21): the bureau records an arrived petition. Its routing clock runs from receipt."""
    with _locked(case_uuid) as (index, case):
        holder = index.holder
        check("register", actor, index, case)
        case.state = CaseState.REGISTERED
        case.registered_at = _now()
        case.save(update_fields=["state", "registered_at"])
        _append_event(
            case, EventKind.REGISTERED, actor, agency_code=holder.code, message=str(_("信访局已登记。"))
        )
        _sync_index(index, case, holder)
        _notify(index, EventKind.REGISTERED)


def forward_case(
    *,
    case_uuid: uuid.UUID,
    actor: Actor,
    target: Agency,
    mode: str = RoutingMode.FORWARD,
    assignment_due: date | None = None,
    report_required: bool = False,
    message: str = "",
) -> None:
    """转送 or 交办 (art. 22): move the case to the agency with jurisdiction.

    交办 carries a deadline and always a completion report (办结报告) back to the bureau by it
    (art. 22(三)): ``report_required`` is kept only for the callers that still send it.
    """
    if mode not in RoutingMode.values:
        raise HallError(_("请选择转送或交办。"), code="invalid_mode")
    with _locked(case_uuid) as (index, case):
        bureau = index.holder
        check("route", actor, index, case)
        _check_target(case, source=bureau, target=target)
        now = _now()
        if mode == RoutingMode.ASSIGN:
            if assignment_due is None or assignment_due <= timezone.localdate(now):
                raise HallError(_("交办须指定今天以后的办结期限。"), code="assignment_due_required")
            # 信访工作条例 art. 22(三): the assigned agency reports back by the deadline, always.
            report_required = True
        else:
            assignment_due, report_required = None, False
        if case.registered_at is None:
            case.registered_at = now
        case.routed_at = now
        case.routing_mode = mode
        case.routed_by = bureau.code
        case.assignment_due = assignment_due
        case.report_required = report_required
        case.report_status = ""
        case.report_due = assignment_due
        case.report_submitted_at = None
        case.acceptance_due = clocks.acceptance_due(now)
        case.objection_due = clocks.objection_due(now)
        case.objection_ruled_at = None  # a new receipt: its clocks run from it (art. 23)
        update(case)  # Django's UPDATE of the whole row, compiled once
        kind = EventKind.ASSIGNED if mode == RoutingMode.ASSIGN else EventKind.FORWARDED
        text = (
            _("信访局已将信访事项交办%(agency)s办理。")
            if mode == RoutingMode.ASSIGN
            else _("信访局已将信访事项转送%(agency)s办理。")
        ) % {"agency": target.name_zh}
        doc_kind = "assignment_order" if mode == RoutingMode.ASSIGN else "forward_notice"
        doc = _issue_document(
            case,
            kind=doc_kind,
            agency=bureau,
            actor=actor,
            fields={
                "target_agency": target.name_zh,
                "deadline": _cn_date(assignment_due) if assignment_due else "",
                "reason": message,
            },
        )
        case = _transfer(
            index,
            case,
            source=bureau,
            target=target,
            actor=actor,
            out_kind=kind,
            new_state=CaseState.RECEIVED,
            changes={
                "mode": mode,
                "assignment_due": assignment_due,
                "report_required": report_required,
                "document": doc.number,
            },
            message=str(text),
        )
        _notify(index, kind)


def send_to_bureau(*, case_uuid: uuid.UUID, actor: Actor, reason: str) -> None:
    """A petition filed directly with an agency that is not its business goes to the bureau."""
    with _locked(case_uuid) as (index, case):
        holder = index.holder
        check("send_to_bureau", actor, index, case)
        if not reason.strip():
            raise HallError(_("请说明不属于本单位职责的理由。"), code="reason_required")
        bureau = _bureau()
        now = _now()
        case.routing_due = clocks.routing_due(now)
        case.acceptance_due = case.objection_due = None
        _transfer(
            index,
            case,
            source=holder,
            target=bureau,
            actor=actor,
            out_kind=EventKind.SENT_TO_BUREAU,
            new_state=CaseState.SUBMITTED,
            changes={"reason": reason},
            message=str(_("%(agency)s认为不属于本单位职责，已移交信访局分流。") % {"agency": holder.name_zh}),
        )


def reply_directly(*, case_uuid: uuid.UUID, actor: Actor, opinion: str, text: str) -> None:
    """The bureau answers the petition itself (e.g. a consultation) with a handling opinion."""
    with _locked(case_uuid) as (index, case):
        bureau = index.holder
        check("reply_directly", actor, index, case)
        now = _now()
        case.registered_at = case.registered_at or now
        case.routed_at = case.acceptance_decided_at = case.accepted_at = now
        _write_reply(case, index, bureau, actor, opinion=opinion, text=text, kind=EventKind.REPLIED_DIRECTLY)


def not_accept_by_bureau(*, case_uuid: uuid.UUID, actor: Actor, channel: str, reason: str) -> None:
    """诉访分离 (art. 31): not a petition matter; the petitioner is told the lawful channel."""
    _check_refusal(channel, reason)
    with _locked(case_uuid) as (index, case):
        bureau = index.holder
        check("not_accept_by_bureau", actor, index, case)
        case.registered_at = case.registered_at or _now()
        case.routed_at = _now()
        _refuse(
            case,
            index,
            bureau,
            actor,
            channel=channel,
            reason=reason,
            doc_kind="not_accepted_by_bureau",
            event_kind=EventKind.NOT_ACCEPTED_BY_BUREAU,
        )


def merge_case(*, case_uuid: uuid.UUID, actor: Actor, into_tracking_number: str) -> None:
    """Merge a duplicate into an existing case (the petitioner is told which)."""
    target_index = CaseIndex.objects.filter(tracking_number=into_tracking_number.strip()).first()
    if target_index is None:
        raise NotFound(_("找不到编号为 %(n)s 的信访件。") % {"n": into_tracking_number})
    if str(target_index.case_uuid) == str(case_uuid):
        raise HallError(_("不能与自身合并。"), code="same_case")
    # One transaction: the merged case and the repeat noted on the kept one commit together. Both index
    # rows are locked first, in case_uuid order, so two merges of the same pair cannot deadlock.
    with transaction.atomic():
        pair = sorted([str(case_uuid), str(target_index.case_uuid)])
        list(CaseIndex.objects.select_for_update().filter(case_uuid__in=pair).order_by("case_uuid"))
        _merge_locked(case_uuid, actor, target_index)


def _merge_locked(case_uuid: uuid.UUID, actor: Actor, target_index: CaseIndex) -> None:
    with _locked(case_uuid) as (index, case):
        bureau = index.holder
        check("merge", actor, index, case)
        if case.identity_protected != (target_index.petition_type == PetitionType.REPORT):
            # A report merged with an ordinary petition (or one into a report) would tie the reporter
            # to a named petitioner (arts. 30, 46).
            raise HallError(_("检举控告件只能与检举控告件合并。"), code="merge_report_mismatch")
        if target_index.holder.code in _reported_unit(case):
            raise Forbidden(
                _("依据《信访工作条例》第四十六条，不得将检举控告材料转给被检举单位。"),
                code="reported_agency",
            )
        if case.identity_protected and _reported_unit_of(target_index.case_uuid) != _reported_unit(case):
            # Merged into a report against another unit, this one would follow it there (art. 46).
            raise HallError(_("检举控告件只能与检举同一单位的检举控告件合并。"), code="merge_report_mismatch")
        now = _now()
        case.state = CaseState.MERGED
        case.merged_into = target_index.case_uuid
        case.routed_at = case.closed_at = now
        update(case)  # Django's UPDATE of the whole row, compiled once
        _append_event(
            case,
            EventKind.MERGED,
            actor,
            agency_code=bureau.code,
            changes={"into": target_index.tracking_number},
            message=str(_("与信访件 %(n)s 为同一事项，已合并办理。") % {"n": target_index.tracking_number}),
        )
        _sync_index(index, case, bureau)
        _notify(index, EventKind.MERGED)
    _record_repeat(target_index.case_uuid, index.tracking_number)


# --- Agency actions ---------------------------------------------------------------------------------


def sign_case(*, case_uuid: uuid.UUID, actor: Actor) -> None:
    """签收: the agency acknowledges receipt of a routed or directly filed petition."""
    with _locked(case_uuid) as (index, case):
        holder = index.holder
        check("sign", actor, index, case)
        case.state = CaseState.SIGNED
        case.signed_at = _now()
        case.save(update_fields=["state", "signed_at"])
        _append_event(
            case,
            EventKind.SIGNED,
            actor,
            agency_code=holder.code,
            message=str(_("%(agency)s已签收。") % {"agency": holder.name_zh}),
        )
        _sync_index(index, case, holder)


def object_to_routing(*, case_uuid: uuid.UUID, actor: Actor, reason: str) -> None:
    """Art. 23: within 5 working days of receipt, a wrongly routed matter is sent back to the bureau."""
    if not reason.strip():
        raise HallError(_("请写明异议理由。"), code="reason_required")
    with _locked(case_uuid) as (index, case):
        holder = index.holder
        check("object", actor, index, case)
        case.state = CaseState.OBJECTED
        case.objection_reason = reason
        case.signed_at = case.signed_at or _now()
        case.save(update_fields=["state", "objection_reason", "signed_at"])
        _append_event(
            case,
            EventKind.OBJECTED,
            actor,
            agency_code=holder.code,
            changes={"reason": reason},
            visible=False,
        )
        _sync_index(index, case, holder)


def decide_objection(*, case_uuid: uuid.UUID, actor: Actor, approve: bool, comment: str = "") -> None:
    """The bureau rules on an objection: approved → back to the bureau for routing; refused → the
    agency keeps it and its acceptance clock runs again from the ruling (art. 23)."""
    with _locked(case_uuid) as (index, case):
        holder = index.holder
        check("decide_objection", actor, index, case)
        bureau = _acting_agency(actor)
        if approve:
            now = _now()
            case.routing_due = clocks.routing_due(now)
            case.acceptance_due = case.objection_due = None
            case.routing_mode = ""
            case.routed_by = ""
            case.routed_at = None
            _transfer(
                index,
                case,
                source=holder,
                target=bureau,
                actor=actor,
                out_kind=EventKind.OBJECTION_APPROVED,
                new_state=CaseState.REGISTERED,
                changes={"comment": comment},
                message=str(
                    _("经审核，该事项不属于%(agency)s职责，由信访局重新分流。") % {"agency": holder.name_zh}
                ),
            )
        else:
            # 信访工作条例 art. 23: the agency tells the petitioner within 15 days of receiving the matter,
            # and objects within 5 working days, the bureau verifying (核实) the objection. Until the
            # ruling the matter was not the agency's to decide; refused, it comes back to the agency on
            # the day of the ruling, and its 15 days run from then: a ruling after the first deadline
            # does not make the agency late.
            now = _now()
            case.state = CaseState.SIGNED
            case.objection_ruled_at = now
            case.acceptance_due = clocks.acceptance_due(now)
            case.save(update_fields=["state", "objection_ruled_at", "acceptance_due"])
            _append_event(
                case,
                EventKind.OBJECTION_REJECTED,
                actor,
                agency_code=bureau.code,
                changes={"comment": comment, "acceptance_due": case.acceptance_due},
                visible=False,
            )
            _sync_index(index, case, holder)
