"""Intake: a petition is filed online or registered from a letter, visit or call (arts. 17-21), and
a citizen claims one registered for them.
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django_tenants.utils import schema_context

from accounts.models import User
from cases import clocks
from cases.index.models import CaseIndex, ProtectedIdentity
from cases.models import (
    MAX_BODY_LENGTH,
    MAX_PEOPLE_COUNT,
    Attachment,
    Case,
    CaseState,
    Channel,
    EventKind,
    LawfulChannel,
    PetitionType,
)
from cases.services import repeats
from cases.services.core import (
    PROTECTED_NAME,
    REPORTER_STORAGE_PREFIX,
    STAFF_ROLES,
    Actor,
    _append_event,
    _bureau,
    _discipline_body,
    _locked,
    _new_chain,
    _notify,
    _now,
    _require_staff_of,
    _sync_index,
    _user,
)
from config.compiled import CompiledQuery, insert
from config.crypto import decrypt_text, encrypt_text, lookup_hash
from config.errors import Forbidden, HallError, NotFound
from tenants.models import Agency, AgencyKind, reportable_agencies, reported_unit_codes

# --- Filing -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttachmentInput:
    storage_key: str
    file_name: str
    content_type: str
    size: int


@dataclass(frozen=True)
class PetitionerInput:
    name: str
    id_number: str = ""
    phone: str = ""
    address: str = ""


@dataclass(frozen=True)
class SubmitResult:
    case_uuid: uuid.UUID
    tracking_number: str
    query_code: str
    state: str
    holder_code: str
    linked_to: uuid.UUID | None = None
    created: bool = True


@dataclass
class PetitionInput:
    petition_type: str
    title: str
    body: str
    location: str = ""
    people_count: int = 1
    is_public: bool = False
    reported_agency: str = ""
    attachments: Sequence[AttachmentInput] = field(default_factory=tuple)


_QUERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_NOISE = repeats._NOISE
_normalize = repeats._normalize


def same_matter(title_a: str, body_a: str, title_b: str, body_b: str) -> bool:
    """Whether two petitions raise the same matter (cases.services.repeats)."""
    return repeats.same_matter(title_a, body_a, title_b, body_b)


def _next_tracking_number(year: int) -> str:
    from cases.index.tracking import next_tracking_number

    return next_tracking_number(year)


def _find_prior_matter(
    citizen: User | None,
    petition: PetitionInput,
    *,
    reported_unit: frozenset[str] = frozenset(),
    id_hash: str = "",
) -> tuple[CaseIndex | None, CaseIndex | None]:
    """The person's open case of the same matter (art. 19) and a final one (art. 36, or a lapsed
    window: arts. 35-36), if any (cases.services.repeats)."""
    prior = repeats.find_prior_matter(
        citizen,
        petition.title,
        petition.body,
        petition.petition_type,
        id_hash=id_hash,
        reported_unit=reported_unit,
    )
    if prior is None:
        return None, None
    return (prior.index, None) if prior.kind == "open" else (None, prior.index)


def _validate_petition(petition: PetitionInput, petitioner: PetitionerInput) -> str:
    """Check what was filed; returns the reported unit's registry code for a report ("" otherwise)."""
    errors: dict[str, object] = {}
    reported = ""
    if petition.petition_type not in PetitionType.values:
        errors["petition_type"] = _("请选择信访类型。")
    elif petition.petition_type == PetitionType.REPORT:
        # 信访工作条例 arts. 30, 46: the reported unit decides where a report may never go, so it must
        # be a real agency of the registry, never free text ("GAJ", " gaj " name the same unit).
        reported = (petition.reported_agency or "").strip().lower()
        if not reported:
            errors["reported_agency"] = _("检举控告须选择被检举单位。")
        elif not reportable_agencies().filter(code=reported).exists():
            errors["reported_agency"] = _("没有代码为“%(code)s”的单位，请从列表中选择被检举单位。") % {
                "code": petition.reported_agency.strip()[:20]
            }
    if not petition.title.strip():
        errors["title"] = _("请填写标题。")
    elif len(petition.title) > 200:
        errors["title"] = _("标题不能超过200个字。")
    if len(petition.body.strip()) < 10:
        errors["body"] = _("请把事情经过和诉求写清楚（至少10个字）。")
    elif len(petition.body) > MAX_BODY_LENGTH:
        errors["body"] = format_lazy(_("内容不能超过{max}个字。"), max=MAX_BODY_LENGTH)
    if len(petition.location) > 200:
        errors["location"] = _("事发地点不能超过200个字。")
    if petition.people_count < 1:
        errors["people_count"] = _("涉及人数至少为1。")
    elif petition.people_count > MAX_PEOPLE_COUNT:
        errors["people_count"] = format_lazy(_("涉及人数不能超过{max}人。"), max=MAX_PEOPLE_COUNT)
    if not petitioner.name.strip():
        errors["petitioner"] = _("缺少信访人姓名。")
    if errors:
        raise HallError(_("提交的信访事项有需要修改的地方。"), code="invalid_petition", fields=errors)
    return reported


def _receipt_of(_shape, markers) -> QuerySet:
    """The receipt columns of the petition filed under one submission id."""
    return CaseIndex.objects.filter(case_uuid=markers.case_id).values_list(
        "citizen_id", "tracking_number", "query_code_encrypted", "state", "holder__code", "linked_to"
    )[:1]


# Compiled once (config.compiled): every filing asks, and almost always there is none.
_RECEIPT = CompiledQuery(_receipt_of, case_id=uuid.UUID(int=7))


def _already_submitted(case_id: uuid.UUID, citizen: User | None) -> SubmitResult | None:
    """The receipt of the petition already filed under this submission id, if any (only the columns
    the receipt shows: every filing asks, and almost always there is none)."""
    existing = _RECEIPT.rows(None, case_id=case_id)
    if not existing:
        return None
    citizen_id, tracking, query_code, state, holder_code, linked_to = existing[0]
    if citizen is None or citizen_id != citizen.pk:
        raise HallError(_("该提交编号已被使用，请刷新页面后重新提交。"), code="submission_id_taken")
    return SubmitResult(
        case_id, tracking, decrypt_text(query_code), state, holder_code, linked_to, created=False
    )


def submit_petition(
    *,
    actor: Actor,
    filed_with: Agency,
    petition: PetitionInput,
    petitioner: PetitionerInput,
    citizen: User | None = None,
    channel: str = Channel.ONLINE,
    submission_id: uuid.UUID | None = None,
    arrived_on: date | None = None,
) -> SubmitResult:
    """File a petition with the bureau or directly with an agency (民生服务室).

    A citizen files for themself online; bureau staff register a letter, visit or call on the
    citizen's behalf (art. 21), with ``citizen`` when the person has an account. ``submission_id``
    makes a double submit return the first petition instead of filing twice. ``arrived_on`` is the
    day a letter actually arrived (来信到达日期): its clocks run from that receipt (arts. 22-23).
    """
    if actor.is_citizen:
        citizen = actor.user
        channel = Channel.ONLINE
    else:
        _require_staff_of(actor, filed_with, STAFF_ROLES)
        if channel == Channel.ONLINE:
            raise HallError(_("工作人员代录时请选择来信、来访或来电渠道。"), code="channel_required")
    if not filed_with.is_case_holder or not filed_with.is_active:
        raise HallError(_("不能向该单位提交信访事项。"), code="invalid_agency")
    reported = _validate_petition(petition, petitioner)
    arrival = _arrival(channel, arrived_on)

    case_id = submission_id or uuid.uuid4()
    existing = _already_submitted(case_id, citizen)
    if existing is not None:
        return existing

    is_report = petition.petition_type == PetitionType.REPORT
    holder = _report_holder(filed_with, reported) if is_report else filed_with

    now = _now()
    # The ID number finds the same person's letters and visits entered without an account (arts. 19,
    # 36); a reporter's is kept out of the index altogether (arts. 30, 46).
    id_hash = lookup_hash(petitioner.id_number) if petitioner.id_number.strip() and not is_report else ""
    prior = repeats.find_prior_matter(
        citizen,
        petition.title,
        petition.body,
        petition.petition_type,
        id_hash=id_hash,
        reported_unit=reported_unit_codes(reported),
    )
    open_match = prior.index if prior is not None and prior.kind == "open" else None
    terminated_match = prior.index if prior is not None and prior.kind != "open" else None
    attachments = _neutral_attachments(petition.attachments) if is_report else list(petition.attachments)

    try:
        with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
            tracking = _next_tracking_number(timezone.localdate(now).year)
            query_code = "".join(secrets.choice(_QUERY_ALPHABET) for _i in range(8))
            state = CaseState.SUBMITTED if holder.kind == AgencyKind.BUREAU else CaseState.RECEIVED
            if open_match is not None:
                state = CaseState.LINKED
            elif terminated_match is not None:
                state = CaseState.NOT_ACCEPTED
            index = CaseIndex(
                case_uuid=case_id,
                tracking_number=tracking,
                query_code_encrypted=encrypt_text(query_code),
                citizen=citizen,
                holder=holder,
                filed_with=filed_with,
                petition_type=petition.petition_type,
                channel=channel,
                title=petition.title,
                petitioner_name=PROTECTED_NAME if is_report else petitioner.name,
                is_public=petition.is_public and not is_report,
                state=state,
                submitted_at=now,
                petitioner_id_hash=id_hash,
            )
            if is_report:
                ProtectedIdentity.objects.create(
                    case_uuid=case_id,
                    reported_agency=reported,
                    encrypted=encrypt_text(json.dumps(petitioner.__dict__, ensure_ascii=False)),
                )
            with schema_context(holder.schema_name):
                case = Case(
                    id=case_id,
                    tracking_number=tracking,
                    channel=channel,
                    # A reporter's account is known only to the public index (arts. 30, 46).
                    citizen_uuid=citizen.uuid if citizen and not is_report else None,
                    filed_with=filed_with.code,
                    petition_type=petition.petition_type,
                    title=petition.title.strip(),
                    body=petition.body.strip(),
                    location=petition.location.strip(),
                    people_count=petition.people_count,
                    is_public=petition.is_public and not is_report,
                    reported_agency=reported,
                    petitioner_name=PROTECTED_NAME if is_report else petitioner.name.strip(),
                    petitioner_id_number=""
                    if is_report
                    else encrypt_text(petitioner.id_number.strip().upper()),
                    petitioner_phone="" if is_report else petitioner.phone.strip(),
                    petitioner_address="" if is_report else petitioner.address.strip(),
                    identity_protected=is_report,
                    state=state,
                    submitted_at=now,
                    received_at=arrival or now,
                    arrived_on=arrived_on if channel == Channel.LETTER else None,
                )
                # Arts. 22-23: the clocks run from receipt, for a letter the day it arrived.
                if state == CaseState.SUBMITTED:
                    case.routing_due = clocks.routing_due(arrival or now)
                elif state == CaseState.RECEIVED:
                    case.acceptance_due = clocks.acceptance_due(arrival or now)
                insert(case)  # Django's INSERT, its text compiled once (config.compiled)
                _new_chain(case)
                Attachment.objects.bulk_create(
                    Attachment(
                        case=case,
                        storage_key=a.storage_key,
                        file_name=a.file_name,
                        content_type=a.content_type,
                        size=a.size,
                        uploaded_by="citizen" if actor.is_citizen else "staff",
                        protected=is_report,
                        created_at=now,
                    )
                    for a in attachments
                )
                _append_event(
                    case,
                    EventKind.SUBMITTED,
                    actor,
                    agency_code=holder.code,
                    at=now,
                    changes={
                        "channel": channel,
                        "filed_with": filed_with.code,
                        "attachments": len(attachments),
                    },
                    message=str(_("信访事项已提交，编号 %(n)s。") % {"n": tracking}),
                )
                if open_match is not None:
                    case.linked_to = open_match.case_uuid
                    case.closed_at = now
                    case.save(update_fields=["linked_to", "closed_at"])
                    _append_event(
                        case,
                        EventKind.LINKED,
                        Actor.system(),
                        agency_code=holder.code,
                        at=now,
                        changes={"linked_to": open_match.tracking_number},
                        message=str(
                            _(
                                "该事项与正在办理的信访件 %(n)s 相同，"
                                "不作为新的信访事项受理，已关联到原件（第十九条）。"
                            )
                            % {"n": open_match.tracking_number}
                        ),
                    )
                elif prior is not None and terminated_match is not None:
                    case.not_accepted_channel = (
                        LawfulChannel.FINAL if prior.kind == "final" else LawfulChannel.LAPSED
                    )
                    case.not_accepted_reason = repeats.final_reason(prior)
                    case.acceptance_decided_at = case.closed_at = now
                    case.save(
                        update_fields=[
                            "not_accepted_channel",
                            "not_accepted_reason",
                            "acceptance_decided_at",
                            "closed_at",
                        ]
                    )
                    _append_event(
                        case,
                        EventKind.NOT_ACCEPTED,
                        Actor.system(),
                        agency_code=holder.code,
                        at=now,
                        changes={"final_case": terminated_match.tracking_number},
                        message=case.not_accepted_reason,
                    )
            _sync_index(index, case, holder)
            if prior is not None:
                # The written notice, with its reason and article, in the petitioner's documents
                # (issued once the index names the petitioner: its delivery runs from publication).
                with schema_context(holder.schema_name):
                    if open_match is not None:
                        repeats.issue_repeat_notice(case, holder, open_match)
                    else:
                        repeats.issue_final_notice(case, holder, prior)
            if is_report:
                _drop_originals(petition.attachments, attachments)
            if open_match is not None:
                _record_repeat(open_match.case_uuid, tracking)
            _notify(index, EventKind.SUBMITTED)
            if prior is not None:
                _notify(index, EventKind.LINKED if open_match is not None else "final_not_accepted")
    except IntegrityError:
        # Two submits with the same id raced: the second waited on the first's unique key, which
        # has now committed; answer with the first petition.
        again = _already_submitted(case_id, citizen)
        if again is None:
            raise
        return again
    return SubmitResult(case_id, tracking, query_code, state, holder.code, case.linked_to)


def _arrival(channel: str, arrived_on: date | None) -> datetime | None:
    """The moment a letter counts as received: its arrival day (at this time of day), never later
    than now nor in the future (art. 21: staff register what arrived)."""
    if arrived_on is None or channel != Channel.LETTER:
        return None
    now = _now()
    today = timezone.localdate(now)
    if arrived_on > today or arrived_on < today - timedelta(days=366):
        message = _("来信到达日期须在一年内且不晚于今天。")
        raise HallError(message, code="invalid_arrival_date", fields={"arrived_on": message})
    if arrived_on == today:
        return now
    local = timezone.localtime(now)
    return local.replace(year=arrived_on.year, month=arrived_on.month, day=arrived_on.day)


def _report_holder(filed_with: Agency, reported: str) -> Agency:
    """Where a report is filed: never with the unit reported against (art. 46). Filed with that unit,
    it goes to the bureau; against the bureau itself, to the discipline body (art. 22 ¶2, art. 30)."""
    unit = reported_unit_codes(reported)
    if _bureau().code in unit:
        # Against the bureau, wherever it was filed: only the discipline body can route or handle it,
        # since every other holder's way on goes through the bureau (art. 22 ¶2, art. 30).
        return _discipline_body()
    for candidate in (filed_with, _bureau(), _discipline_body()):
        if candidate.code not in unit:
            return candidate
    raise HallError(_("没有可以办理该检举控告的机关。"), code="no_report_holder", status=500)


def _neutral_attachments(attachments: Sequence[AttachmentInput]) -> list[AttachmentInput]:
    """A reporter's materials under neutral names: the original file name (often the reporter's own
    name) never reaches an agency schema, neither as the name nor inside the storage key (art. 46).
    The file is copied to a neutral key; the caller removes the original after commit."""
    from django.core.files.storage import default_storage

    from filestore.services import store_bytes

    renamed = []
    for number, upload in enumerate(attachments, start=1):
        extension = upload.file_name.rpartition(".")[2].lower() if "." in upload.file_name else ""
        extension = extension if extension.isascii() and extension.isalnum() and len(extension) <= 8 else ""
        neutral = f"report-material-{number}" + (f".{extension}" if extension else "")
        key = upload.storage_key
        if default_storage.exists(key):
            with default_storage.open(key, "rb") as stored:
                data = stored.read()
            # Under the vault's prefix, never an agency's (staff intake stores under the intake
            # agency's, which may be the unit reported): a tenant's files are listed by its prefix.
            key = store_bytes(
                schema_name=REPORTER_STORAGE_PREFIX,
                category="attachments",
                filename=neutral,
                data=data,
                content_type=upload.content_type,
            )
        renamed.append(AttachmentInput(key, neutral, upload.content_type, upload.size))
    return renamed


def _drop_originals(originals: Sequence[AttachmentInput], kept: Sequence[AttachmentInput]) -> None:
    from django.core.files.storage import default_storage

    stale = [a.storage_key for a in originals if a.storage_key not in {k.storage_key for k in kept}]

    def drop() -> None:
        for key in stale:
            default_storage.delete(key)

    transaction.on_commit(drop)


def _record_repeat(original_uuid: uuid.UUID, repeat_tracking: str) -> None:
    with _locked(original_uuid) as (index, original):
        _append_event(
            original,
            EventKind.REPEAT_RECEIVED,
            Actor.system(),
            agency_code=index.holder.code,
            changes={"repeat": repeat_tracking},
            visible=True,
            message=str(
                _("收到同一信访人就同一事项的重复信访 %(n)s，已并入本件办理。") % {"n": repeat_tracking}
            ),
        )


# --- Citizen actions --------------------------------------------------------------------------------


def claim_petition(*, actor: Actor, tracking_number: str, query_code: str) -> uuid.UUID:
    """A citizen takes over online a petition staff registered for them from a letter, visit or
    call (art. 21): the tracking number and query code they were given prove it is theirs."""
    import hmac

    if not actor.is_citizen:
        raise Forbidden(_("请以信访人本人的账户认领。"), code="citizen_required")
    user = _user(actor)
    found = CaseIndex.objects.filter(tracking_number=tracking_number.strip().upper()).first()
    if found is None or not hmac.compare_digest(
        decrypt_text(found.query_code_encrypted), query_code.strip().upper()
    ):
        raise NotFound(_("编号或查询码不正确。"))
    with _locked(found.case_uuid) as (index, case):
        if index.citizen_id == user.pk:
            return index.case_uuid
        if index.citizen_id is not None:
            # Someone's own online petition, or one already claimed: the same answer as a wrong code.
            raise NotFound(_("编号或查询码不正确。"))
        index.citizen = user
        if not case.identity_protected:
            # A reporter's account stays in the public index only (arts. 30, 46).
            case.citizen_uuid = user.uuid
            case.save(update_fields=["citizen_uuid"])
        _append_event(
            case,
            EventKind.CLAIMED,
            actor,
            agency_code=index.holder.code,
            message=str(_("信访人已在网上信访大厅认领本件，此后可在网上查看办理情况。")),
        )
        _sync_index(index, case, index.holder)
        return index.case_uuid
