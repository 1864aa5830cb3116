"""Every change to a petition case goes through a function here.

Each action: checks the actor's role and the case's current state, locks the case (its public index
row first, then the case row in the holder's schema: one lock order everywhere), writes the change and
one timeline event, and updates the public CaseIndex in the same transaction. Side effects (e-mails,
notifications) run after commit.
"""

from __future__ import annotations

import json
import re
import secrets
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from difflib import SequenceMatcher
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_tenants.utils import schema_context

from accounts.access import agency_roles
from accounts.models import Role, User
from cases import clocks
from cases.audit import GENESIS, event_digest
from cases.index.models import CaseIndex, IdentityReadLog, ProtectedIdentity, ReporterDocument
from cases.models import (
    MAX_PEOPLE_COUNT,
    Attachment,
    Case,
    CaseEvent,
    CaseState,
    Channel,
    Document,
    EventKind,
    ExtensionStatus,
    HandlingOpinion,
    InternalNote,
    LawfulChannel,
    PetitionType,
    ReportStatus,
    RoutingMode,
    Satisfaction,
)
from config import clock, masking
from config.crypto import decrypt_text, encrypt_text
from config.errors import DeadlinePassed, Forbidden, HallError, InvalidTransition, NotFound
from tenants.models import Agency, AgencyKind, reportable_agencies, reported_unit_codes

PROTECTED_NAME = "（检举人信息受保护）"
# How documents kept in agency schemas address a reporter (检举控告): never by name (arts. 30, 46).
REPORTER_PLACEHOLDER = "检举人"
# Where the reporter's own named copies of documents are stored: not under any agency's prefix.
REPORTER_STORAGE_PREFIX = "vault"
STAFF_ROLES = frozenset({Role.HANDLER, Role.LEADER, Role.ADMIN})
DECIDING_ROLES = frozenset({Role.HANDLER, Role.LEADER})


# --- Actors -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Actor:
    """Who acts, for which agency, with which roles. Citizens act for no agency."""

    user: User | None
    agency: Agency | None = None
    roles: frozenset[str] = frozenset()
    ip: str | None = None

    @classmethod
    def citizen(cls, user: User, *, ip: str | None = None) -> Actor:
        return cls(user=user, ip=ip)

    @classmethod
    def staff(cls, user: User, agency: Agency, *, ip: str | None = None) -> Actor:
        return cls(user=user, agency=agency, roles=frozenset(agency_roles(user, agency)), ip=ip)

    @classmethod
    def from_request(cls, request) -> Actor:
        """The actor behind a web request: staff of the host's agency, or a citizen on the portal."""
        from config.net import client_ip

        ip = client_ip(request)
        tenant = getattr(request, "tenant", None)
        if tenant is None or not tenant.schema_name or tenant.kind == AgencyKind.PORTAL:
            return cls.citizen(request.user, ip=ip)
        return cls.staff(request.user, tenant, ip=ip)

    @classmethod
    def system(cls) -> Actor:
        return cls(user=None)

    @property
    def is_citizen(self) -> bool:
        return self.user is not None and self.agency is None

    @property
    def is_system(self) -> bool:
        return self.user is None


def _user(actor: Actor) -> User:
    if actor.user is None:
        raise Forbidden(_("此操作须由具体工作人员执行。"), code="person_required")
    return actor.user


def _require_staff_of(actor: Actor, agency: Agency, roles: frozenset[str] = DECIDING_ROLES) -> None:
    if actor.agency is None or actor.agency.pk != agency.pk or not actor.roles & roles:
        raise Forbidden(_("只有本单位具有相应角色的工作人员才能执行此操作。"), code="role_required")


def _require_bureau(actor: Actor, roles: frozenset[str] = DECIDING_ROLES) -> Agency:
    if actor.agency is None or actor.agency.kind != AgencyKind.BUREAU or not actor.roles & roles:
        raise Forbidden(_("只有信访局具有相应角色的工作人员才能执行此操作。"), code="bureau_required")
    return actor.agency


def _wrong_state_message(state: str) -> str:
    return gettext("此信访件当前状态为“%(state)s”，不能执行此操作。") % {"state": CaseState(state).label}


# Rendered when shown, in the reader's language (services run with the official language active).
_wrong_state = lazy(_wrong_state_message, str)


def _require_state(case: Case, *states: str) -> None:
    if case.state not in states:
        raise InvalidTransition(_wrong_state(case.state), state=case.state)


def _bureau() -> Agency:
    bureau = Agency.objects.filter(kind=AgencyKind.BUREAU, is_active=True).order_by("sort_order").first()
    if bureau is None:
        raise HallError(_("系统中没有信访局，无法分流信访事项。"), code="no_bureau", status=500)
    return bureau


def _discipline_body() -> Agency:
    """The city's 纪检监察机关, which handles reports the bureau may not (art. 22 ¶2, art. 30)."""
    body = Agency.objects.filter(kind=AgencyKind.DISCIPLINE, is_active=True).order_by("sort_order").first()
    if body is None:
        raise HallError(
            _("系统中没有纪检监察机关，无法办理对信访局的检举控告。"), code="no_discipline_body", status=500
        )
    return body


def _reported_unit(case: Case) -> frozenset[str]:
    """The codes of the unit a report is against, with everything that belongs to it (arts. 30, 46)."""
    return reported_unit_codes(case.reported_agency) if case.identity_protected else frozenset()


def _review_body(case: Case) -> Agency:
    """Who reviews (复查, 复核) for the level above: the bureau (arts. 35-36), unless the case is a report
    against the bureau, which then may not see it again (art. 46): the discipline body (art. 30)."""
    bureau = _bureau()
    if bureau.code in _reported_unit(case):
        return _discipline_body()
    return bureau


def _require_reviewer(
    actor: Actor, case: Case, holder: Agency, roles: frozenset[str] = DECIDING_ROLES
) -> None:
    reviewer = _review_body(case)
    if reviewer.kind == AgencyKind.BUREAU:
        _require_bureau(actor, roles)
    else:
        _require_staff_of(actor, reviewer, roles)
    _require_staff_of(actor, holder, roles)


# --- Locking, events, index -------------------------------------------------------------------------


@contextmanager
def _locked(case_uuid: uuid.UUID | str) -> Iterator[tuple[CaseIndex, Case]]:
    """Lock the index row, then the case row in its holder's schema, inside one transaction.

    What the case records (event messages, document titles) is written in the official language,
    whatever language the acting user reads.
    """
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        try:
            index = CaseIndex.objects.select_for_update().get(case_uuid=case_uuid)
        except (CaseIndex.DoesNotExist, ValueError):
            raise NotFound(_("找不到该信访件。")) from None
        holder = Agency.objects.get(pk=index.holder_id)
        index.holder = holder
        with schema_context(holder.schema_name):
            case = Case.objects.select_for_update().get(pk=index.case_uuid)
            yield index, case


def _now() -> datetime:
    return clock.now()


def _actor_label(actor: Actor) -> tuple[uuid.UUID | None, str, str]:
    if actor.user is None:
        return None, "system", ""
    role = ",".join(sorted(actor.roles)) if actor.agency else "citizen"
    return actor.user.uuid, actor.user.display_name[:50], role[:20]


def _append_event(
    case: Case,
    kind: str,
    actor: Actor,
    *,
    agency_code: str,
    changes: dict[str, Any] | None = None,
    message: str = "",
    visible: bool = True,
    at: datetime | None = None,
) -> CaseEvent:
    """Append one hash-chained event. The caller holds the case row lock, so seq cannot race."""
    last = CaseEvent.objects.filter(case=case).order_by("-seq").values_list("seq", "hash").first()
    seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS)
    actor_uuid, actor_name, actor_role = _actor_label(actor)
    ip_address = actor.ip
    if case.identity_protected and actor.is_citizen:
        # A reporter's name, account and address never enter an agency schema, not even as the author
        # of a step: one join with their ordinary petitions would name them (arts. 30, 46).
        actor_uuid, actor_name, ip_address = None, PROTECTED_NAME, None
    event = CaseEvent(
        case=case,
        seq=seq,
        kind=kind,
        at=at or _now(),
        agency_code=agency_code,
        actor_uuid=actor_uuid,
        actor_name=actor_name,
        actor_role=actor_role,
        ip_address=ip_address,
        changes=json.loads(json.dumps(changes or {}, default=str)),
        message=str(message),
        visible_to_citizen=visible,
        prev_hash=prev_hash,
    )
    event.hash = event_digest(event, prev_hash)
    event.save(force_insert=True)
    return event


def _sync_index(index: CaseIndex, case: Case, holder: Agency) -> None:
    due, due_kind = clocks.next_due(case)
    index.holder = holder
    index.state = case.state
    index.is_open = case.is_open
    index.title = case.title
    index.petition_type = case.petition_type
    index.is_public = case.is_public
    index.linked_to = case.linked_to
    index.received_at = case.received_at
    index.accepted_at = case.accepted_at
    index.acceptance_decided_at = case.acceptance_decided_at
    index.replied_at = case.replied_at
    index.closed_at = case.closed_at
    index.satisfaction = case.satisfaction
    index.report_status = case.report_status
    index.extended = case.extension_status == ExtensionStatus.APPROVED
    for name in (
        "routing_due",
        "acceptance_due",
        "objection_due",
        "handling_due",
        "review_request_due",
        "review_due",
        "rereview_request_due",
        "rereview_due",
    ):
        setattr(index, name, getattr(case, name))
    index.next_due = due
    index.next_due_kind = due_kind
    index.save()


def _notify(index: CaseIndex, event_kind: str) -> None:
    """Tell the citizen (inbox, e-mail, SMS by their choice), and the staff of the agency a case
    arrives at: the worker does it after commit, and nothing is enqueued if the transaction rolls
    back (notifications.services)."""
    from notifications.services import enqueue_agency_notice, enqueue_case_event

    if event_kind in (EventKind.SUBMITTED, EventKind.FORWARDED, EventKind.ASSIGNED):
        enqueue_agency_notice(
            agency_id=index.holder_id,
            kind="case_arrived",
            key=f"arrived:{index.case_uuid}:{event_kind}:{uuid.uuid4().hex}",
            n=index.tracking_number,
            t=index.title,
        )
    if index.citizen_id is None:
        return
    enqueue_case_event(case_uuid=index.case_uuid, citizen_id=index.citizen_id, event_kind=event_kind)


# --- Documents --------------------------------------------------------------------------------------


def _issue_document(
    case: Case, *, kind: str, agency: Agency, actor: Actor, fields: dict[str, str]
) -> Document:
    """Number, render and store an official document; record it on the case."""
    from documents.services import next_document_number, render_document
    from filestore.services import store_bytes

    now = _now()
    issued_on = timezone.localdate(now)
    number = next_document_number(
        agency_code=agency.code,
        agency_short=agency.short_name or agency.name_zh[:2],
        kind=kind,
        year=issued_on.year,
    )
    # A reporter is never named in a document kept in an agency schema (arts. 30, 46): that copy
    # addresses a placeholder, and the reporter's own named copy is kept with the vault (below).
    petitioner = REPORTER_PLACEHOLDER if case.identity_protected else case.petitioner_name

    def render(name: str) -> bytes:
        return render_document(
            kind=kind,
            number=number,
            agency_name=agency.name_zh,
            issued_on=issued_on,
            fields={
                "petitioner_name": name,
                "tracking_number": case.tracking_number,
                "title": case.title,
                **fields,
            },
        )

    data = render(petitioner)
    file_name = f"{number}.pdf"
    key = store_bytes(
        schema_name=agency.schema_name,
        category="documents",
        filename=file_name,
        data=data,
        content_type="application/pdf",
    )
    from documents.models import DocumentKind

    document = Document.objects.create(
        case=case,
        kind=kind,
        number=number,
        title=str(DocumentKind(kind).label),
        agency_code=agency.code,
        storage_key=key,
        file_name=file_name,
        size=len(data),
        generated=True,
        created_at=now,
        created_by_uuid=actor.user.uuid if actor.user else None,
    )
    if case.identity_protected and kind in REPORTER_ADDRESSED_KINDS:
        _store_reporter_copy(case, document, render)
    return document


# The documents addressed to the petitioner: a reporter gets a copy that names them (arts. 30, 46).
REPORTER_ADDRESSED_KINDS = frozenset(
    {
        "forward_notice",
        "acceptance_notice",
        "non_acceptance_notice",
        "extension_notice",
        "handling_opinion",
        "review_opinion",
        "rereview_opinion",
        "not_accepted_by_bureau",
    }
)


def _store_reporter_copy(case: Case, document: Document, render) -> None:
    """The reporter's named copy, in the public schema beside the vault, under a non-agency prefix."""
    from filestore.services import store_bytes

    name = protected_identity(case.pk).get("name") or REPORTER_PLACEHOLDER
    data = render(name)
    key = store_bytes(
        schema_name=REPORTER_STORAGE_PREFIX,
        category="documents",
        filename=document.file_name,
        data=data,
        content_type="application/pdf",
    )
    ReporterDocument.objects.create(
        case_uuid=case.pk,
        document_id=document.pk,
        kind=document.kind,
        number=document.number,
        storage_key=key,
        file_name=document.file_name,
        size=len(data),
        created_at=document.created_at,
    )


def _cn_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


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
_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)


def _normalize(text: str) -> str:
    return _NOISE.sub("", text).lower()


def same_matter(title_a: str, body_a: str, title_b: str, body_b: str) -> bool:
    """Whether two petitions raise the same matter (same facts and reasons), by text similarity."""
    titles = SequenceMatcher(None, _normalize(title_a), _normalize(title_b)).ratio()
    bodies = SequenceMatcher(None, _normalize(body_a)[:2000], _normalize(body_b)[:2000]).ratio()
    return (titles >= 0.8 and bodies >= 0.6) or bodies >= 0.9


def _next_tracking_number(year: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO public.caseindex_trackingsequence (year, last) VALUES (%s, 1) "
            "ON CONFLICT (year) DO UPDATE SET last = caseindex_trackingsequence.last + 1 RETURNING last",
            [year],
        )
        (number,) = cursor.fetchone()
    return f"SMX-{year}-{number:06d}"


def _find_prior_matter(citizen: User, petition: PetitionInput) -> tuple[CaseIndex | None, CaseIndex | None]:
    """The citizen's open case of the same matter (art. 19) and a terminated one (art. 36), if any."""
    candidates = list(
        CaseIndex.objects.filter(citizen=citizen, petition_type=petition.petition_type)
        .exclude(state__in=[CaseState.MERGED, CaseState.LINKED])
        .select_related("holder")
        .order_by("-submitted_at")[:50]
    )
    open_match = terminated_match = None
    for index in candidates:
        if SequenceMatcher(None, _normalize(index.title), _normalize(petition.title)).ratio() < 0.5:
            continue
        with schema_context(index.holder.schema_name):
            prior = Case.objects.filter(pk=index.case_uuid).values("title", "body").first()
        if prior is None or not same_matter(prior["title"], prior["body"], petition.title, petition.body):
            continue
        if index.is_open and open_match is None:
            open_match = index
        elif index.state == CaseState.TERMINATED and terminated_match is None:
            terminated_match = index
    return open_match, terminated_match


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
    if petition.people_count < 1:
        errors["people_count"] = _("涉及人数至少为1。")
    elif petition.people_count > MAX_PEOPLE_COUNT:
        errors["people_count"] = format_lazy(_("涉及人数不能超过{max}人。"), max=MAX_PEOPLE_COUNT)
    if not petitioner.name.strip():
        errors["petitioner"] = _("缺少信访人姓名。")
    if errors:
        raise HallError(_("提交的信访事项有需要修改的地方。"), code="invalid_petition", fields=errors)
    return reported


def _already_submitted(case_id: uuid.UUID, citizen: User | None) -> SubmitResult | None:
    existing = CaseIndex.objects.filter(case_uuid=case_id).select_related("holder").first()
    if existing is None:
        return None
    if citizen is None or existing.citizen_id != citizen.pk:
        raise HallError(_("该提交编号已被使用，请刷新页面后重新提交。"), code="submission_id_taken")
    return SubmitResult(
        existing.case_uuid,
        existing.tracking_number,
        decrypt_text(existing.query_code_encrypted),
        existing.state,
        existing.holder.code,
        existing.linked_to,
        created=False,
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
) -> SubmitResult:
    """File a petition with the bureau or directly with an agency (民生服务室).

    A citizen files for themself online; bureau staff register a letter, visit or call on the
    citizen's behalf (art. 21), with ``citizen`` when the person has an account. ``submission_id``
    makes a double submit return the first petition instead of filing twice.
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

    case_id = submission_id or uuid.uuid4()
    existing = _already_submitted(case_id, citizen)
    if existing is not None:
        return existing

    is_report = petition.petition_type == PetitionType.REPORT
    holder = _report_holder(filed_with, reported) if is_report else filed_with

    now = _now()
    open_match = terminated_match = None
    if citizen is not None:
        open_match, terminated_match = _find_prior_matter(citizen, petition)
    if is_report and open_match is not None and open_match.holder.code in reported_unit_codes(reported):
        open_match = None  # never tell the reported unit that its reporter wrote again (art. 46)
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
                    received_at=now,
                )
                if state == CaseState.SUBMITTED:
                    case.routing_due = clocks.routing_due(now)
                elif state == CaseState.RECEIVED:
                    case.acceptance_due = clocks.acceptance_due(now)
                case.save(force_insert=True)
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
                elif terminated_match is not None:
                    case.not_accepted_channel = LawfulChannel.FINAL
                    case.not_accepted_reason = str(
                        _("同一事实和理由已于信访件 %(n)s 经复核终结，不再受理（第三十六条）。")
                        % {"n": terminated_match.tracking_number}
                    )
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
            if is_report:
                _drop_originals(petition.attachments, attachments)
            if open_match is not None:
                _record_repeat(open_match.case_uuid, tracking)
            _notify(index, EventKind.SUBMITTED)
    except IntegrityError:
        # Two submits with the same id raced: the second waited on the first's unique key, which
        # has now committed; answer with the first petition.
        again = _already_submitted(case_id, citizen)
        if again is None:
            raise
        return again
    return SubmitResult(case_id, tracking, query_code, state, holder.code, case.linked_to)


def _report_holder(filed_with: Agency, reported: str) -> Agency:
    """Where a report is filed: never with the unit reported against (art. 46). Filed with that unit,
    it goes to the bureau; against the bureau itself, to the discipline body (art. 22 ¶2, art. 30)."""
    unit = reported_unit_codes(reported)
    for candidate in (filed_with, _bureau(), _discipline_body()):
        if candidate.code not in unit:
            return candidate
    raise HallError(_("没有可以办理该检举控告的机关。"), code="no_report_holder", status=500)


def _neutral_attachments(attachments: Sequence[AttachmentInput]) -> list[AttachmentInput]:
    """A reporter's materials under neutral names: the original file name (often the reporter's own
    name) never reaches an agency schema, neither as the name nor inside the storage key (art. 46).
    The file is copied to a neutral key; the caller removes the original after commit."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    renamed = []
    for number, upload in enumerate(attachments, start=1):
        extension = upload.file_name.rpartition(".")[2].lower() if "." in upload.file_name else ""
        extension = extension if extension.isascii() and extension.isalnum() and len(extension) <= 8 else ""
        neutral = f"report-material-{number}" + (f".{extension}" if extension else "")
        key = upload.storage_key
        if default_storage.exists(key):
            folder = key.rsplit("/", 2)[0]
            with default_storage.open(key, "rb") as stored:
                content = ContentFile(stored.read(), name=neutral)
            content.content_type = upload.content_type  # type: ignore[attr-defined]
            key = default_storage.save(f"{folder}/{uuid.uuid4().hex}/{neutral}", content).replace("\\", "/")
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


def _in_schema_save(case: Case, agency: Agency, fields: list[str]) -> None:
    with schema_context(agency.schema_name):
        case.save(update_fields=fields)


# --- Bureau actions ---------------------------------------------------------------------------------


def register_case(*, case_uuid: uuid.UUID, actor: Actor) -> None:
    """登记 (art. 21): the bureau records an arrived petition. Its routing clock runs from receipt."""
    with _locked(case_uuid) as (index, case):
        holder = index.holder
        _require_bureau(actor, STAFF_ROLES)
        _require_staff_of(actor, holder, STAFF_ROLES)
        _require_state(case, CaseState.SUBMITTED)
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

    交办 carries a deadline and, when asked, a completion report back to the bureau.
    """
    if mode not in RoutingMode.values:
        raise HallError(_("请选择转送或交办。"), code="invalid_mode")
    with _locked(case_uuid) as (index, case):
        bureau = index.holder
        _require_bureau(actor)
        _require_staff_of(actor, bureau)
        _require_state(case, CaseState.SUBMITTED, CaseState.REGISTERED)
        _check_target(case, source=bureau, target=target)
        now = _now()
        if mode == RoutingMode.ASSIGN:
            if assignment_due is None or assignment_due <= timezone.localdate(now):
                raise HallError(_("交办须指定今天以后的办结期限。"), code="assignment_due_required")
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
        case.acceptance_due = clocks.acceptance_due(now)
        case.objection_due = clocks.objection_due(now)
        case.save()
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
        _require_staff_of(actor, holder)
        _require_state(case, CaseState.RECEIVED, CaseState.SIGNED)
        if case.routed_by:
            raise InvalidTransition(_("信访局转来的事项请通过“分流异议”退回。"), code="use_objection")
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
        _require_bureau(actor)
        _require_staff_of(actor, bureau)
        _require_state(case, CaseState.SUBMITTED, CaseState.REGISTERED)
        now = _now()
        case.registered_at = case.registered_at or now
        case.routed_at = case.acceptance_decided_at = case.accepted_at = now
        _write_reply(case, index, bureau, actor, opinion=opinion, text=text, kind=EventKind.REPLIED_DIRECTLY)


def _check_refusal(channel: str, reason: str) -> None:
    if channel not in LawfulChannel.values:
        raise HallError(_("请选择应当通过的法定途径。"), code="channel_required")
    if not reason.strip():
        raise HallError(_("请写明不予受理的理由。"), code="reason_required")


def _refuse(
    case: Case,
    index: CaseIndex,
    agency: Agency,
    actor: Actor,
    *,
    channel: str,
    reason: str,
    doc_kind: str,
    event_kind: str,
) -> None:
    """Close the case as not accepted, with the notice that names the lawful channel (诉访分离)."""
    now = _now()
    case.state = CaseState.NOT_ACCEPTED
    case.acceptance_decided_at = case.closed_at = now
    case.not_accepted_channel = channel
    case.not_accepted_reason = reason
    case.save()
    label = LawfulChannel(channel).label
    doc = _issue_document(
        case, kind=doc_kind, agency=agency, actor=actor, fields={"channel": str(label), "reason": reason}
    )
    _append_event(
        case,
        event_kind,
        actor,
        agency_code=agency.code,
        changes={"channel": channel, "document": doc.number},
        message=str(
            _("不予受理，请通过%(channel)s途径解决：%(reason)s") % {"channel": label, "reason": reason}
        ),
    )
    _sync_index(index, case, agency)
    _notify(index, event_kind)


def not_accept_by_bureau(*, case_uuid: uuid.UUID, actor: Actor, channel: str, reason: str) -> None:
    """诉访分离 (art. 31): not a petition matter; the petitioner is told the lawful channel."""
    _check_refusal(channel, reason)
    with _locked(case_uuid) as (index, case):
        bureau = index.holder
        _require_bureau(actor)
        _require_staff_of(actor, bureau)
        _require_state(case, CaseState.SUBMITTED, CaseState.REGISTERED)
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
    with _locked(case_uuid) as (index, case):
        bureau = index.holder
        _require_bureau(actor)
        _require_staff_of(actor, bureau)
        _require_state(case, CaseState.SUBMITTED, CaseState.REGISTERED)
        if case.identity_protected != (target_index.petition_type == PetitionType.REPORT):
            # A report merged with an ordinary petition (or one into a report) would tie the reporter
            # to a named petitioner (arts. 30, 46).
            raise HallError(_("检举控告件只能与检举控告件合并。"), code="merge_report_mismatch")
        if target_index.holder.code in _reported_unit(case):
            raise Forbidden(
                _("依据《信访工作条例》第四十六条，不得将检举控告材料转给被检举单位。"),
                code="reported_agency",
            )
        now = _now()
        case.state = CaseState.MERGED
        case.merged_into = target_index.case_uuid
        case.routed_at = case.closed_at = now
        case.save()
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
        _require_staff_of(actor, holder, STAFF_ROLES)
        _require_state(case, CaseState.RECEIVED)
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
        _require_staff_of(actor, holder)
        _require_state(case, CaseState.RECEIVED, CaseState.SIGNED)
        if not case.routed_by:
            raise InvalidTransition(_("直接向本单位提出的事项请使用“移交信访局”。"), code="not_routed")
        if case.objection_due is None or clock.today() > case.objection_due:
            raise DeadlinePassed(_("分流异议须在收到之日起5个工作日内提出，期限已过。"))
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
    agency keeps it and its acceptance clock continues."""
    with _locked(case_uuid) as (index, case):
        holder = index.holder
        bureau = _require_bureau(actor)
        _require_state(case, CaseState.OBJECTED)
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
            case.state = CaseState.SIGNED
            case.save(update_fields=["state"])
            _append_event(
                case,
                EventKind.OBJECTION_REJECTED,
                actor,
                agency_code=bureau.code,
                changes={"comment": comment},
                visible=False,
            )
            _sync_index(index, case, holder)


def accept_case(*, case_uuid: uuid.UUID, actor: Actor, message: str = "") -> None:
    """受理 (art. 23): issues the acceptance notice; the 60-day handling clock starts (art. 34)."""
    with _locked(case_uuid) as (index, case):
        holder = index.holder
        _require_staff_of(actor, holder)
        _require_state(case, CaseState.RECEIVED, CaseState.SIGNED)
        now = _now()
        case.state = CaseState.ACCEPTED
        case.signed_at = case.signed_at or now
        case.accepted_at = case.acceptance_decided_at = now
        case.handling_due = clocks.handling_due(now)
        case.save()
        doc = _issue_document(
            case,
            kind="acceptance_notice",
            agency=holder,
            actor=actor,
            fields={
                "deadline": _cn_date(case.handling_due),
                "reason": message,
            },
        )
        _append_event(
            case,
            EventKind.ACCEPTED,
            actor,
            agency_code=holder.code,
            changes={"handling_due": case.handling_due, "document": doc.number},
            message=str(
                _("%(agency)s已受理，将于%(due)s前书面答复。")
                % {"agency": holder.name_zh, "due": case.handling_due.isoformat()}
            ),
        )
        index.accepting_agency = holder
        _sync_index(index, case, holder)
        _notify(index, EventKind.ACCEPTED)


def not_accept_case(*, case_uuid: uuid.UUID, actor: Actor, channel: str, reason: str) -> None:
    """不予受理 (art. 23/31): the non-acceptance notice names the lawful channel."""
    _check_refusal(channel, reason)
    with _locked(case_uuid) as (index, case):
        holder = index.holder
        _require_staff_of(actor, holder)
        _require_state(case, CaseState.RECEIVED, CaseState.SIGNED)
        case.signed_at = case.signed_at or _now()
        _refuse(
            case,
            index,
            holder,
            actor,
            channel=channel,
            reason=reason,
            doc_kind="non_acceptance_notice",
            event_kind=EventKind.NOT_ACCEPTED,
        )


def assign_handler(*, case_uuid: uuid.UUID, actor: Actor, handler: User) -> None:
    """Put a member of the holding agency on the case."""
    from cases.models import Assignment

    with _locked(case_uuid) as (index, case):
        holder = index.holder
        _require_staff_of(actor, holder, frozenset({Role.LEADER, Role.ADMIN, Role.HANDLER}))
        if not agency_roles(handler, holder) & {Role.HANDLER, Role.LEADER}:
            raise HallError(_("承办人必须是本单位的工作人员。"), code="handler_not_member")
        if not case.is_open:
            raise InvalidTransition(_("已办结的信访件不能再指定承办人。"))
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
        _require_staff_of(actor, index.holder, STAFF_ROLES)
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
        _require_staff_of(actor, holder)
        _require_state(case, CaseState.ACCEPTED)
        if case.extension_status in (ExtensionStatus.REQUESTED, ExtensionStatus.APPROVED):
            raise InvalidTransition(_("办理期限只能延长一次。"), code="extension_once")
        if case.handling_due is None or clock.today() > case.handling_due:
            raise DeadlinePassed(_("办理期限已过，不能再申请延期。"))
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
        _require_staff_of(actor, holder, frozenset({Role.LEADER}))
        _require_state(case, CaseState.ACCEPTED)
        if case.extension_status != ExtensionStatus.REQUESTED:
            raise InvalidTransition(_("没有待审批的延期申请。"), code="no_extension_request")
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
    case.review_request_due = clocks.review_request_due(now)
    if case.report_required:
        case.report_status = ReportStatus.NONE
    case.save()
    doc = _issue_document(
        case,
        kind="handling_opinion",
        agency=holder,
        actor=actor,
        fields={
            "opinion": case.reply_text,
            "outcome": opinion,
            "review_deadline": _cn_date(case.review_request_due),
            "review_agency": reviewer.name_zh if (reviewer := _review_body(case)).pk != holder.pk else "",
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
        _require_staff_of(actor, holder)
        _require_state(case, CaseState.ACCEPTED)
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
        _require_staff_of(actor, holder)
        if not case.report_required:
            raise InvalidTransition(_("该事项不需要报送办结报告。"), code="no_report_required")
        if case.replied_at is None:
            raise InvalidTransition(_("出具处理意见后才能报送办结报告。"), code="reply_first")
        if case.report_status in (ReportStatus.PENDING, ReportStatus.ACCEPTED):
            raise InvalidTransition(_("办结报告已报送。"), code="report_exists")
        case.report_status = ReportStatus.PENDING
        case.report_text = text.strip()
        case.save(update_fields=["report_status", "report_text"])
        _append_event(
            case,
            EventKind.REPORT_SUBMITTED,
            actor,
            agency_code=holder.code,
            visible=False,
            changes={"length": len(case.report_text)},
        )
        _sync_index(index, case, holder)


def decide_completion_report(*, case_uuid: uuid.UUID, actor: Actor, accept: bool, comment: str = "") -> None:
    with _locked(case_uuid) as (index, case):
        holder = index.holder
        bureau = _require_bureau(actor)
        if case.report_status != ReportStatus.PENDING:
            raise InvalidTransition(_("没有待审核的办结报告。"), code="no_pending_report")
        if not accept and not comment.strip():
            raise HallError(_("退回办结报告时请写明理由。"), code="reason_required")
        case.report_status = ReportStatus.ACCEPTED if accept else ReportStatus.RETURNED
        case.save(update_fields=["report_status"])
        _append_event(
            case,
            EventKind.REPORT_ACCEPTED if accept else EventKind.REPORT_RETURNED,
            actor,
            agency_code=bureau.code,
            changes={"comment": comment},
            visible=False,
        )
        _sync_index(index, case, holder)


def upload_signed_document(
    *, case_uuid: uuid.UUID, actor: Actor, document_id: uuid.UUID, upload: AttachmentInput
) -> Document:
    """A signed, stamped scan supersedes the generated document (both are kept)."""
    with _locked(case_uuid) as (index, case):
        holder = index.holder
        _require_staff_of(actor, holder)
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


def _require_owner(actor: Actor, index: CaseIndex) -> None:
    if not actor.is_citizen or index.citizen_id != actor.user.pk:  # type: ignore[union-attr]
        raise NotFound(_("找不到该信访件。"))


def evaluate_case(*, case_uuid: uuid.UUID, actor: Actor, satisfaction: str, comment: str = "") -> None:
    """The petitioner rates the reply (满意 / 基本满意 / 不满意), once."""
    if satisfaction not in Satisfaction.values:
        raise HallError(_("请选择满意、基本满意或不满意。"), code="satisfaction_required")
    with _locked(case_uuid) as (index, case):
        _require_owner(actor, index)
        if case.replied_at is None:
            raise InvalidTransition(_("收到答复后才能评价。"), code="not_replied")
        if case.satisfaction:
            raise InvalidTransition(_("已经评价过了。"), code="already_evaluated")
        case.satisfaction = satisfaction
        case.satisfaction_comment = comment.strip()
        case.evaluated_at = _now()
        case.save(update_fields=["satisfaction", "satisfaction_comment", "evaluated_at"])
        _append_event(
            case,
            EventKind.EVALUATED,
            actor,
            agency_code=index.holder.code,
            changes={"satisfaction": satisfaction},
            message=str(_("信访人评价：%(s)s") % {"s": Satisfaction(satisfaction).label}),
        )
        _sync_index(index, case, index.holder)


def request_review(*, case_uuid: uuid.UUID, actor: Actor, reason: str) -> None:
    """复查 (art. 35): within 30 days of the reply; the bureau, acting for the level above, reviews."""
    if len(reason.strip()) < 5:
        raise HallError(_("请写明不服处理意见的理由。"), code="reason_required")
    with _locked(case_uuid) as (index, case):
        _require_owner(actor, index)
        _require_state(case, CaseState.REPLIED)
        if case.review_request_due is None or clock.today() > case.review_request_due:
            raise DeadlinePassed(_("申请复查须在收到书面答复之日起30日内提出，期限已过。"))
        now = _now()
        case.review_requested_at = now
        case.review_request_reason = reason.strip()
        case.review_due = clocks.review_due(now)
        holder = index.holder
        bureau = _review_body(case)
        if holder.pk == bureau.pk:
            case.state = CaseState.REVIEW_REQUESTED
            case.save()
            _append_event(
                case,
                EventKind.REVIEW_REQUESTED,
                actor,
                agency_code=holder.code,
                changes={"reason": case.review_request_reason},
                message=str(_("信访人申请复查。")),
            )
            _sync_index(index, case, holder)
        else:
            _transfer(
                index,
                case,
                source=holder,
                target=bureau,
                actor=actor,
                out_kind=EventKind.REVIEW_REQUESTED,
                new_state=CaseState.REVIEW_REQUESTED,
                changes={"reason": case.review_request_reason},
                message=str(
                    _("信访人申请复查，由信访局办理。")
                    if bureau.kind == AgencyKind.BUREAU
                    else _("信访人申请复查，由%(agency)s办理。") % {"agency": bureau.name_zh}
                ),
            )
        _notify(index, EventKind.REVIEW_REQUESTED)


def answer_review(*, case_uuid: uuid.UUID, actor: Actor, opinion: str, text: str) -> None:
    """复查意见 within 30 days of the request; the re-review window opens."""
    if opinion not in HandlingOpinion.values:
        raise HallError(_("请选择复查意见。"), code="opinion_required")
    if len(text.strip()) < 10:
        raise HallError(_("请写明复查意见的事实、理由和依据（至少10个字）。"), code="reply_too_short")
    with _locked(case_uuid) as (index, case):
        holder = index.holder
        _require_reviewer(actor, case, holder)
        _require_state(case, CaseState.REVIEW_REQUESTED)
        now = _now()
        case.state = CaseState.REVIEWED
        case.review_opinion = opinion
        case.review_text = text.strip()
        case.reviewed_at = now
        case.rereview_request_due = clocks.rereview_request_due(now)
        case.save()
        doc = _issue_document(
            case,
            kind="review_opinion",
            agency=holder,
            actor=actor,
            fields={
                "opinion": case.review_text,
                "outcome": opinion,
                "rereview_deadline": _cn_date(case.rereview_request_due),
            },
        )
        _append_event(
            case,
            EventKind.REVIEWED,
            actor,
            agency_code=holder.code,
            changes={"opinion": opinion, "document": doc.number},
            message=str(_("已出具复查意见（%(o)s）。") % {"o": HandlingOpinion(opinion).label}),
        )
        _sync_index(index, case, holder)
        _notify(index, EventKind.REVIEWED)


def request_rereview(*, case_uuid: uuid.UUID, actor: Actor, reason: str) -> None:
    """复核 (art. 36): within 30 days of the review opinion."""
    if len(reason.strip()) < 5:
        raise HallError(_("请写明不服复查意见的理由。"), code="reason_required")
    with _locked(case_uuid) as (index, case):
        _require_owner(actor, index)
        _require_state(case, CaseState.REVIEWED)
        if case.rereview_request_due is None or clock.today() > case.rereview_request_due:
            raise DeadlinePassed(_("申请复核须在收到复查意见之日起30日内提出，期限已过。"))
        now = _now()
        case.state = CaseState.REREVIEW_REQUESTED
        case.rereview_requested_at = now
        case.rereview_request_reason = reason.strip()
        case.rereview_due = clocks.rereview_due(now)
        case.save()
        _append_event(
            case,
            EventKind.REREVIEW_REQUESTED,
            actor,
            agency_code=index.holder.code,
            changes={"reason": case.rereview_request_reason},
            message=str(_("信访人申请复核。")),
        )
        _sync_index(index, case, index.holder)
        _notify(index, EventKind.REREVIEW_REQUESTED)


def answer_rereview(*, case_uuid: uuid.UUID, actor: Actor, opinion: str, text: str) -> None:
    """复核意见: final. The same facts and reasons are not accepted again (三级终结, art. 36)."""
    if opinion not in HandlingOpinion.values:
        raise HallError(_("请选择复核意见。"), code="opinion_required")
    if len(text.strip()) < 10:
        raise HallError(_("请写明复核意见的事实、理由和依据（至少10个字）。"), code="reply_too_short")
    with _locked(case_uuid) as (index, case):
        holder = index.holder
        _require_reviewer(actor, case, holder, frozenset({Role.LEADER}))
        _require_state(case, CaseState.REREVIEW_REQUESTED)
        now = _now()
        case.state = CaseState.TERMINATED
        case.rereview_opinion = opinion
        case.rereview_text = text.strip()
        case.rereviewed_at = case.closed_at = now
        case.save()
        doc = _issue_document(
            case,
            kind="rereview_opinion",
            agency=holder,
            actor=actor,
            fields={
                "opinion": case.rereview_text,
                "outcome": opinion,
            },
        )
        _append_event(
            case,
            EventKind.REREVIEWED,
            actor,
            agency_code=holder.code,
            changes={"opinion": opinion, "document": doc.number},
            message=str(_("已出具复核意见，信访事项终结；同一事实和理由不再受理。")),
        )
        _sync_index(index, case, holder)
        _notify(index, EventKind.REREVIEWED)


def close_case(*, case_uuid: uuid.UUID, actor: Actor, today: date | None = None) -> None:
    """办结: after the reply (or review opinion) once the petitioner's window has run out, or once the
    petitioner has said they are satisfied."""
    with _locked(case_uuid) as (index, case):
        holder = index.holder
        if not actor.is_system:
            _require_staff_of(actor, holder)
        _require_state(case, CaseState.REPLIED, CaseState.REVIEWED)
        today = today or clock.today()
        window = case.review_request_due if case.state == CaseState.REPLIED else case.rereview_request_due
        satisfied = case.satisfaction in (Satisfaction.SATISFIED, Satisfaction.BASICALLY)
        if not satisfied and window is not None and today <= window:
            raise InvalidTransition(_("信访人申请复查或复核的期限尚未届满，暂不能办结。"), code="window_open")
        case.state = CaseState.CLOSED
        case.closed_at = _now()
        case.save(update_fields=["state", "closed_at"])
        _append_event(
            case, EventKind.CLOSED, actor, agency_code=holder.code, message=str(_("信访事项已办结。"))
        )
        _sync_index(index, case, holder)


# --- Calendar changes ------------------------------------------------------------------------------

_DEADLINE_FIELDS = (
    "routing_due",
    "acceptance_due",
    "objection_due",
    "handling_due",
    "review_request_due",
    "review_due",
    "rereview_request_due",
    "rereview_due",
)


def recompute_deadlines(*, case_uuid: uuid.UUID) -> dict[str, tuple[date | None, date | None]]:
    """Recount the clocks still running on an open case after staff edited the working-day calendar
    (a holiday or make-up day added or removed). Returns {field: (before, after)} for what moved."""
    with _locked(case_uuid) as (index, case):
        if not case.is_open:
            return {}
        before = {name: getattr(case, name) for name in _DEADLINE_FIELDS}
        state = case.state
        if state in (CaseState.SUBMITTED, CaseState.REGISTERED) and case.received_at:
            case.routing_due = clocks.routing_due(case.received_at)
        if state in (CaseState.RECEIVED, CaseState.SIGNED, CaseState.OBJECTED) and case.received_at:
            case.acceptance_due = clocks.acceptance_due(case.received_at)
            if case.routed_by:
                case.objection_due = clocks.objection_due(case.received_at)
        if state == CaseState.ACCEPTED and case.accepted_at:
            extra = (case.extension_days or 0) if case.extension_status == ExtensionStatus.APPROVED else 0
            case.handling_due = clocks.handling_due(case.accepted_at, extra)
        if state == CaseState.REPLIED and case.replied_at:
            case.review_request_due = clocks.review_request_due(case.replied_at)
        if state == CaseState.REVIEW_REQUESTED and case.review_requested_at:
            case.review_due = clocks.review_due(case.review_requested_at)
        if state == CaseState.REVIEWED and case.reviewed_at:
            case.rereview_request_due = clocks.rereview_request_due(case.reviewed_at)
        if state == CaseState.REREVIEW_REQUESTED and case.rereview_requested_at:
            case.rereview_due = clocks.rereview_due(case.rereview_requested_at)
        moved = {
            name: (before[name], getattr(case, name))
            for name in _DEADLINE_FIELDS
            if before[name] != getattr(case, name)
        }
        if not moved:
            return {}
        case.save(update_fields=list(moved))
        _append_event(
            case,
            EventKind.DEADLINES_RECALCULATED,
            Actor.system(),
            agency_code=index.holder.code,
            changes={name: {"from": old, "to": new} for name, (old, new) in moved.items()},
            message=str(
                _("因节假日安排调整，期限重新计算：%(list)s")
                % {"list": "；".join(f"{old} → {new}" for old, new in moved.values())}
            ),
        )
        _sync_index(index, case, index.holder)
        return moved


# --- Supervision -----------------------------------------------------------------------------------


def record_supervision_event(
    *, case_uuid: uuid.UUID | str, actor: Actor, agency_code: str, message: str, changes: dict
) -> None:
    """A 督办 step on the case's timeline (staff only): a reminder or order issued, or an agency's
    answer. The one write oversight makes to a case: the case record itself is untouched, the event
    is locked and chained like every other. Who may issue or answer is the supervision app's rule."""
    if not actor.is_system and actor.agency is None:
        raise Forbidden(_("只有工作人员可以记录督办情况。"), code="staff_required")
    with _locked(case_uuid) as (_index, case):
        _append_event(
            case,
            EventKind.SUPERVISION,
            actor,
            agency_code=agency_code,
            changes=changes,
            message=message,
            visible=False,
        )


# --- Protected identities ---------------------------------------------------------------------------


def protected_identity(case_uuid: uuid.UUID) -> dict[str, str]:
    """Internal: the vault's content, for documents addressed to the reporter. Not for display."""
    vault = ProtectedIdentity.objects.filter(case_uuid=case_uuid).first()
    return json.loads(decrypt_text(vault.encrypted)) if vault else {}


def read_protected_identity(*, case_uuid: uuid.UUID, actor: Actor, purpose: str) -> dict[str, str]:
    """A reporter's identity for staff who may see it; every read is logged (arts. 30, 46)."""
    if not purpose.strip():
        raise HallError(_("查看检举人身份信息须说明用途。"), code="purpose_required")
    vault = ProtectedIdentity.objects.filter(case_uuid=case_uuid).first()
    index = CaseIndex.objects.filter(case_uuid=case_uuid).select_related("holder").first()
    if vault is None or index is None:
        raise NotFound(_("找不到该信访件。"))
    if actor.agency is None or actor.agency.code in reported_unit_codes(vault.reported_agency):
        # arts. 30, 46: the reported unit and everything that belongs to it (信访局督查室 for 信访局).
        raise Forbidden(_("被检举单位不得查看检举人信息。"), code="reported_agency")
    if actor.agency.pk != index.holder_id and actor.agency.kind != AgencyKind.OVERSIGHT:
        raise NotFound(_("找不到该信访件。"))
    if not actor.roles & (STAFF_ROLES | {Role.SUPERVISOR}):
        raise Forbidden(_("没有查看权限。"))
    IdentityReadLog.objects.create(
        case_uuid=case_uuid,
        user=actor.user,
        agency_code=actor.agency.code,
        purpose=purpose.strip()[:200],
        ip_address=actor.ip,
    )
    # What a handler needs to contact the reporter; the ID number stays masked (config.masking).
    return masking.reveal_contact(json.loads(decrypt_text(vault.encrypted)))


def petitioner_for_staff(case: Case, viewer: Agency, *, contact: bool = False) -> dict[str, str]:
    """What a staff surface may show of the petitioner, masked by config.masking; nothing at all of a
    reporter (arts. 30, 46).

    ``contact``: the holding agency's own case page, whose handler calls the petitioner and posts the
    written notices and opinions (arts. 23, 32), gets name, phone and address in full. Every other
    surface (the API, oversight, a stub kept after forwarding) gets them masked. The ID number is
    masked on every surface.
    """
    if case.identity_protected:
        return {"name": PROTECTED_NAME, "id_number": "", "phone": "", "address": "", "protected": "1"}
    return {
        "name": case.petitioner_name if contact else masking.mask_name(case.petitioner_name),
        "id_number": masking.mask_id_number(decrypt_text(case.petitioner_id_number)),
        "phone": case.petitioner_phone if contact else masking.mask_phone(case.petitioner_phone),
        "address": case.petitioner_address if contact else masking.mask_address(case.petitioner_address),
        "protected": "",
    }
