"""Handling: assigning a handler, notes, extensions, the reply (答复), completion reports and signed
scans (arts. 32-33).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from django.utils.translation import gettext_lazy as _

from accounts.access import agency_roles
from accounts.models import Role, User
from cases import clocks
from cases.index.models import CaseIndex
from cases.models import (
    Case,
    CaseState,
    Document,
    EventKind,
    ExtensionStatus,
    HandlingOpinion,
    InternalNote,
    ReportStatus,
)
from cases.procedure import check
from cases.services.core import (
    Actor,
    _acting_agency,
    _append_event,
    _locked,
    _notify,
    _now,
    _review_body,
    _sync_index,
    _user,
)
from cases.services.delivery import start_answer_window
from cases.services.documents import _cn_date, _issue_document
from cases.services.intake import AttachmentInput
from config.compiled import update
from config.errors import HallError, InvalidTransition, NotFound
from tenants.models import Agency


def assign_handler(*, case_uuid: uuid.UUID, actor: Actor, handler: User) -> None:
    """Put a member of the holding agency on the case."""
    from cases.models import Assignment

    with _locked(case_uuid) as (index, case):
        holder = index.holder
        check("assign_handler", actor, index, case)
        if not agency_roles(handler, holder) & {Role.HANDLER, Role.LEADER}:
            raise HallError(_("承办人必须是本单位的工作人员。"), code="handler_not_member")
        now = _now()
        Assignment.objects.filter(case=case, active=True).update(active=False)
        Assignment.objects.create(
            case=case,
            handler_uuid=handler.uuid,
            handler_name=handler.display_name[:50],
            assigned_by_uuid=_user(actor).uuid,
            assigned_at=now,
        )
        case.handler_uuid = handler.uuid
        case.handler_name = handler.display_name[:50]
        case.save(update_fields=["handler_uuid", "handler_name"])
        _append_event(
            case,
            EventKind.HANDLER_ASSIGNED,
            actor,
            agency_code=holder.code,
            changes={"handler": handler.display_name},
            visible=False,
        )


def add_note(*, case_uuid: uuid.UUID, actor: Actor, text: str) -> InternalNote:
    if not text.strip():
        raise HallError(_("备注不能为空。"), code="empty_note")
    with _locked(case_uuid) as (index, case):
        check("note", actor, index, case)
        return InternalNote.objects.create(
            case=case,
            author_uuid=_user(actor).uuid,
            author_name=_user(actor).display_name[:50],
            text=text.strip(),
            created_at=_now(),
        )


def request_extension(*, case_uuid: uuid.UUID, actor: Actor, days: int, reason: str) -> None:
    """Art. 34: the handling period may be extended once, by at most 30 days, with approval."""
    if not 1 <= days <= clocks.MAX_EXTENSION_DAYS:
        raise HallError(_("延长期限为1至30日。"), code="invalid_extension_days")
    if not reason.strip():
        raise HallError(_("请写明延期理由，该理由将告知信访人。"), code="reason_required")
    with _locked(case_uuid) as (index, case):
        holder = index.holder
        check("request_extension", actor, index, case)
        case.extension_status = ExtensionStatus.REQUESTED
        case.extension_days = days
        case.extension_reason = reason
        case.save(update_fields=["extension_status", "extension_days", "extension_reason"])
        _append_event(
            case,
            EventKind.EXTENSION_REQUESTED,
            actor,
            agency_code=holder.code,
            changes={"days": days, "reason": reason},
            visible=False,
        )
        _sync_index(index, case, holder)


def decide_extension(*, case_uuid: uuid.UUID, actor: Actor, approve: bool, comment: str = "") -> None:
    """A leader approves (延期告知书 to the citizen, with the reason) or refuses the extension."""
    with _locked(case_uuid) as (index, case):
        holder = index.holder
        check("decide_extension", actor, index, case)
        if not approve:
            case.extension_status = ExtensionStatus.REFUSED
            case.save(update_fields=["extension_status"])
            _append_event(
                case,
                EventKind.EXTENSION_REFUSED,
                actor,
                agency_code=holder.code,
                changes={"comment": comment},
                visible=False,
            )
            _sync_index(index, case, holder)
            return
        if case.accepted_at is None or case.extension_days is None:  # cannot happen in state ACCEPTED
            raise InvalidTransition(_("延期申请不完整。"), code="extension_incomplete")
        case.extension_status = ExtensionStatus.APPROVED
        case.handling_due = clocks.handling_due(case.accepted_at, case.extension_days)
        case.save(update_fields=["extension_status", "handling_due"])
        doc = _issue_document(
            case,
            kind="extension_notice",
            agency=holder,
            actor=actor,
            fields={
                "reason": case.extension_reason,
                "new_deadline": _cn_date(case.handling_due),
                "days": str(case.extension_days),
            },
        )
        _append_event(
            case,
            EventKind.EXTENSION_APPROVED,
            actor,
            agency_code=holder.code,
            changes={"handling_due": case.handling_due, "days": case.extension_days, "document": doc.number},
            message=str(
                _("办理期限延长%(days)s日至%(due)s，理由：%(reason)s")
                % {
                    "days": case.extension_days,
                    "due": case.handling_due.isoformat(),
                    "reason": case.extension_reason,
                }
            ),
        )
        _sync_index(index, case, holder)
        _notify(index, EventKind.EXTENSION_APPROVED)


def _write_reply(
    case: Case,
    index: CaseIndex,
    holder: Agency,
    actor: Actor,
    *,
    opinion: str,
    text: str,
    kind: str,
    attachments: Sequence[AttachmentInput] = (),
) -> None:
    if opinion not in HandlingOpinion.values:
        raise HallError(_("请选择处理意见：予以支持、解释说明或不予支持。"), code="opinion_required")
    if len(text.strip()) < 10:
        raise HallError(_("请写明处理意见的事实、理由和依据（至少10个字）。"), code="reply_too_short")
    now = _now()
    case.state = CaseState.REPLIED
    case.opinion = opinion
    case.reply_text = text.strip()
    case.replied_at = now
    case.replied_by = holder.code  # its 上级机关 reviews it, never itself (art. 35)
    # Art. 35: the review window runs from the reply's delivery (cases.services.delivery).
    start_answer_window(case, answer="handling_opinion", published=now)
    if case.report_required:
        case.report_status = ReportStatus.NONE
    update(case)  # Django's UPDATE of the whole row, compiled once
    doc = _issue_document(
        case,
        kind="handling_opinion",
        agency=holder,
        actor=actor,
        fields={
            "opinion": case.reply_text,
            "outcome": opinion,
            # "自收到本意见书之日起30日内": the day is the delivery's, not known when it is issued.
            "review_deadline": "",
            "review_agency": _review_body(case, holder).told_as,
        },
    )
    for upload in attachments:
        # Files the agency sends with its reply (evidence, calculations): listed with the documents.
        Document.objects.create(
            case=case,
            kind="reply_attachment",
            title=upload.file_name,
            agency_code=holder.code,
            storage_key=upload.storage_key,
            file_name=upload.file_name,
            content_type=upload.content_type,
            size=upload.size,
            generated=False,
            created_at=case.replied_at,
            created_by_uuid=actor.user.uuid if actor.user else None,
        )
    _append_event(
        case,
        kind,
        actor,
        agency_code=holder.code,
        changes={"opinion": opinion, "document": doc.number},
        message=str(_("已出具信访处理意见（%(opinion)s）。") % {"opinion": HandlingOpinion(opinion).label}),
    )
    index.accepting_agency = index.accepting_agency or holder
    _sync_index(index, case, holder)
    _notify(index, kind)


def reply_case(
    *,
    case_uuid: uuid.UUID,
    actor: Actor,
    opinion: str,
    text: str,
    attachments: Sequence[AttachmentInput] = (),
) -> None:
    """信访处理意见书 (arts. 32-34): the written reply; the citizen's review window opens."""
    with _locked(case_uuid) as (index, case):
        holder = index.holder
        check("reply", actor, index, case)
        _write_reply(
            case,
            index,
            holder,
            actor,
            opinion=opinion,
            text=text,
            kind=EventKind.REPLIED,
            attachments=attachments,
        )


def submit_completion_report(*, case_uuid: uuid.UUID, actor: Actor, text: str) -> None:
    """交办 cases end with a completion report (办结报告) to the bureau."""
    if len(text.strip()) < 10:
        raise HallError(_("请写明办理结果（至少10个字）。"), code="report_too_short")
    with _locked(case_uuid) as (index, case):
        holder = index.holder
        check("completion_report", actor, index, case)
        case.report_status = ReportStatus.PENDING
        case.report_text = text.strip()
        # The first submission is the fact the timeliness KPI reads (办结报告按时率): a redo never moves it.
        case.report_submitted_at = case.report_submitted_at or _now()
        case.save(update_fields=["report_status", "report_text", "report_submitted_at"])
        _append_event(
            case,
            EventKind.REPORT_SUBMITTED,
            actor,
            agency_code=holder.code,
            visible=False,
            changes={"length": len(case.report_text)},
        )
        _sync_index(index, case, holder)
        _tell_agency(index, case.routed_by, "report_submitted", EventKind.REPORT_SUBMITTED)


def _tell_agency(index: CaseIndex, code: str, kind: str, step: str, **values: str) -> None:
    from notifications.services import enqueue_agency_notice

    agency = Agency.objects.filter(code=code).first() if code else None
    if agency is None:
        return
    enqueue_agency_notice(
        agency_id=agency.pk,
        kind=kind,
        key=f"{step[:8]}:{index.case_uuid}:{uuid.uuid4().hex[:16]}",  # a Notification key is ≤100
        n=index.tracking_number,
        t=index.title,
        **values,
    )


def return_completion_report(*, case_uuid: uuid.UUID, actor: Actor, reason: str) -> None:
    """退回重办 (art. 22(三)): the bureau sends the 办结报告 back with its reason; the agency redoes it
    and reports again (its staff hear of it). The first submission stays the one the KPI counts."""
    if len(reason.strip()) < 5:
        raise HallError(
            _("退回办结报告时请写明理由。"), code="reason_required", fields={"reason": _("请写明理由。")}
        )
    with _locked(case_uuid) as (index, case):
        holder = index.holder
        check("return_report", actor, index, case)
        bureau = _acting_agency(actor)
        case.report_status = ReportStatus.RETURNED
        case.report_return_reason = reason.strip()
        case.save(update_fields=["report_status", "report_return_reason"])
        _append_event(
            case,
            EventKind.REPORT_RETURNED,
            actor,
            agency_code=bureau.code,
            changes={"reason": case.report_return_reason},
            message=str(_("信访局退回办结报告，要求重新办理：%(r)s") % {"r": case.report_return_reason}),
            visible=False,
        )
        _sync_index(index, case, holder)
        _tell_agency(
            index, holder.code, "report_returned", EventKind.REPORT_RETURNED, r=case.report_return_reason
        )


def decide_completion_report(*, case_uuid: uuid.UUID, actor: Actor, accept: bool, comment: str = "") -> None:
    with _locked(case_uuid) as (index, case):
        holder = index.holder
        check("decide_report", actor, index, case)
        bureau = _acting_agency(actor)
        if not accept and not comment.strip():
            raise HallError(_("退回办结报告时请写明理由。"), code="reason_required")
        case.report_status = ReportStatus.ACCEPTED if accept else ReportStatus.RETURNED
        if not accept:
            case.report_return_reason = comment.strip()
        case.save(update_fields=["report_status", "report_return_reason"])
        _append_event(
            case,
            EventKind.REPORT_ACCEPTED if accept else EventKind.REPORT_RETURNED,
            actor,
            agency_code=bureau.code,
            changes={"comment": comment},
            visible=False,
        )
        _sync_index(index, case, holder)
        if not accept:
            _tell_agency(index, holder.code, "report_returned", EventKind.REPORT_RETURNED, r=comment.strip())


def upload_signed_document(
    *, case_uuid: uuid.UUID, actor: Actor, document_id: uuid.UUID, upload: AttachmentInput
) -> Document:
    """A signed, stamped scan supersedes the generated document (both are kept)."""
    with _locked(case_uuid) as (index, case):
        holder = index.holder
        check("upload_scan", actor, index, case)
        original = Document.objects.filter(case=case, pk=document_id, agency_code=holder.code).first()
        if original is None:
            raise NotFound(_("找不到要替换的文书。"))
        now = _now()
        original.superseded = True
        original.save(update_fields=["superseded"])
        scan = Document.objects.create(
            case=case,
            kind=original.kind,
            number=original.number,
            title=original.title,
            agency_code=holder.code,
            storage_key=upload.storage_key,
            file_name=upload.file_name,
            content_type=upload.content_type,
            size=upload.size,
            generated=False,
            supersedes=original.pk,
            # The same document: what was delivered stays delivered, on the same day (arts. 35-36).
            delivered_on=original.delivered_on,
            delivery_method=original.delivery_method,
            service_due=original.service_due,
            created_at=now,
            created_by_uuid=actor.user.uuid if actor.user else None,
        )
        _append_event(
            case,
            EventKind.DOCUMENT_ADDED,
            actor,
            agency_code=holder.code,
            changes={"number": original.number, "scan": str(scan.pk)},
            message=str(_("上传了 %(n)s 的签章文本。") % {"n": original.number}),
        )
        return scan
