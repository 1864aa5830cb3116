"""The shared core every stage stands on: who acts (Actor), the role and state checks, the lock
(index row first, then the case row in its holder's schema), the hash-chained event, the CaseIndex
sync, the after-commit notification and the one clock.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_tenants.utils import schema_context

from accounts.access import agency_roles
from accounts.models import Role, User
from cases import clocks
from cases.audit import GENESIS, event_digest
from cases.index.models import CaseIndex, ProtectedIdentity
from cases.models import (
    Case,
    CaseEvent,
    CaseState,
    EventKind,
    ExtensionStatus,
)
from config import clock
from config.compiled import fetch, insert, update
from config.errors import Forbidden, HallError, InvalidTransition, NotFound
from tenants.models import Agency, AgencyKind, ReviewBody, reported_unit_codes, the_bureau

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
        held = getattr(request, "agency_roles", None)  # staff_required read them for this request
        if held is not None:
            return cls(user=request.user, agency=tenant, roles=frozenset(held), ip=ip)
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


def _acting_agency(actor: Actor) -> Agency:
    """The agency an actor acts for (after ``cases.procedure.check`` admitted its staff)."""
    if actor.agency is None:
        raise Forbidden(_("只有本单位具有相应角色的工作人员才能执行此操作。"), code="role_required")
    return actor.agency


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
    bureau = the_bureau()
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


def _reported_unit_of(case_uuid: uuid.UUID) -> frozenset[str]:
    """The reported unit of the report filed as ``case_uuid`` (its vault row), empty for any other case."""
    vault = ProtectedIdentity.objects.filter(case_uuid=case_uuid).values_list("reported_agency", flat=True)
    return reported_unit_codes(vault.first() or "")


@dataclass(frozen=True)
class Reviewer:
    """The body that decides a review or re-review, and the hall agency whose staff decide for it
    (None: the body is outside the hall; the case is handed off and its result entered on return)."""

    body: ReviewBody
    agency: Agency | None

    @property
    def outside(self) -> bool:
        return self.agency is None

    @property
    def name(self) -> str:
        return self.body.name_zh

    @property
    def told_as(self) -> str:
        """The body as the petitioner is told: itself, and the hall agency that decides for it."""
        agency = self.agency
        if agency is None or agency.name_zh == self.name:
            return self.name
        if self.body.agency_id != agency.pk:  # the discipline body standing in (arts. 30, 46)
            return agency.name_zh
        return f"{self.name}（{agency.name_zh}承办）"


def review_body_of(agency: Agency) -> ReviewBody:
    """An agency's 上级机关: the body that reviews its replies (art. 35), as the bureau configured it,
    else the city's default for its kind."""
    if agency.review_body_id is not None:
        return ReviewBody.objects.select_related("agency", "above").get(pk=agency.review_body_id)
    from tenants.city import DEFAULT_REVIEW_BODY

    body = ReviewBody.objects.select_related("agency", "above").filter(
        code=DEFAULT_REVIEW_BODY.get(agency.kind, "")
    )
    found = body.first()
    if found is None:
        raise HallError(
            _("未设置%(agency)s的复查机关（上级机关）。") % {"agency": agency.name_zh},
            code="no_review_body",
            status=500,
        )
    return found


def _deciding(body: ReviewBody, case: Case | None, excluded: set[str]) -> Reviewer:
    """Who decides for ``body`` in the hall. The discipline body stands in for an agency that belongs
    to the unit a report is against (arts. 30, 46); a body whose deciding agency already decided this
    matter is left to the body itself, outside the hall: nobody decides twice (arts. 35-36)."""
    agency = body.agency
    if agency is not None and case is not None and agency.code in _reported_unit(case):
        agency = _discipline_body()
    if agency is not None and agency.code in excluded:
        agency = None
    return Reviewer(body, agency)


def _handled_by(case: Case, holder: Agency | None) -> str:
    return case.replied_by or (holder.code if holder is not None else "")


# While a page asks which steps are allowed (procedure.allowed_actions), the reviewers of the case are
# worked out once: several steps' rules ask who reviews and who re-reviews the same case.
_reviewers: ContextVar[dict | None] = ContextVar("hall_reviewers", default=None)


@contextmanager
def reviewers_kept() -> Iterator[None]:
    """Keep each case's reviewer and re-reviewer for the duration of the block (nothing changes them
    inside it: the block only reads)."""
    token = _reviewers.set({})
    try:
        yield
    finally:
        _reviewers.reset(token)


def _kept(kind: str, case: Case, holder: Agency | None, find: Callable[[], Reviewer]) -> Reviewer:
    kept = _reviewers.get()
    if kept is None:
        return find()
    key = (
        kind,
        case.pk,
        case.review_body,
        case.rereview_body,
        case.replied_by,
        holder.pk if holder else None,
    )
    if key not in kept:
        kept[key] = find()
    return kept[key]


def _review_body(case: Case, holder: Agency | None = None) -> Reviewer:
    """Who reviews (复查, art. 35): the level above the body that handled the matter, as recorded when
    the review was requested, or (before) as the handler's 上级机关 is configured now."""
    return _kept("review", case, holder, lambda: _find_review_body(case, holder))


def _find_review_body(case: Case, holder: Agency | None) -> Reviewer:
    handler = _handled_by(case, holder)
    if case.review_body:
        body = ReviewBody.objects.select_related("agency", "above").get(code=case.review_body)
    else:
        agency = Agency.objects.get(code=handler) if handler else holder
        if agency is None:
            raise HallError(_("无法确定复查机关。"), code="no_review_body", status=500)
        body = review_body_of(agency)
    return _deciding(body, case, {handler} if handler else set())


def _rereview_body(case: Case, holder: Agency | None = None) -> Reviewer:
    """Who re-reviews (复核, art. 36): the level above the review body, never the reviewer nor the
    handler."""
    return _kept("rereview", case, holder, lambda: _find_rereview_body(case, holder))


def _find_rereview_body(case: Case, holder: Agency | None) -> Reviewer:
    review = _review_body(case, holder)
    if case.rereview_body:
        body = ReviewBody.objects.select_related("agency", "above").get(code=case.rereview_body)
    elif review.body.above_id is not None:
        body = ReviewBody.objects.select_related("agency", "above").get(pk=review.body.above_id)
    else:
        raise HallError(
            _("未设置%(body)s的上一级机关，无法确定复核机关。") % {"body": review.name},
            code="no_rereview_body",
            status=500,
        )
    excluded = {code for code in (_handled_by(case, holder), review.agency and review.agency.code) if code}
    return _deciding(body, case, excluded)


def review_chain_problems(agency: Agency) -> list[str]:
    """What is wrong with the review chain of ``agency``'s replies: empty when review and re-review are
    each decided by a different body, neither by the one that handled it (arts. 35-36). The settings
    refuse a chain with problems; the procedure never relies on it being right (``_deciding``)."""
    body = review_body_of(agency)
    problems: list[str] = []
    if body.agency_id == agency.pk:
        problems.append(str(_("%(agency)s不能复查自己的处理意见。") % {"agency": agency.name_zh}))
    above = body.above
    if above is None:
        problems.append(str(_("%(body)s没有上一级机关，无法复核。") % {"body": body.name_zh}))
    elif above.pk == body.pk or (
        above.agency_id is not None and above.agency_id in (agency.pk, body.agency_id)
    ):
        problems.append(str(_("复核机关不能是复查机关或原办理机关。")))
    return problems


# --- Locking, events, index -------------------------------------------------------------------------


@contextmanager
def _locked(case_uuid: uuid.UUID | str) -> Iterator[tuple[CaseIndex, Case]]:
    """Lock the index row, then the case row in its holder's schema, inside one transaction.

    What the case records (event messages, document titles) is written in the official language,
    whatever language the acting user reads.
    """
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        # The three reads compiled once (config.compiled.fetch): every step of a case runs them.
        try:
            index = fetch(CaseIndex, for_update=True, case_uuid=case_uuid)
        except (CaseIndex.DoesNotExist, ValueError):
            raise NotFound(_("找不到该信访件。")) from None
        holder = fetch(Agency, pk=index.holder_id)
        index.holder = holder
        with schema_context(holder.schema_name):
            case = fetch(Case, for_update=True, pk=index.case_uuid)
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
    """Append one hash-chained event. The caller holds the case row lock, so seq cannot race.

    The chain's head is read from the database, except on a case this transaction just inserted
    (``_new_chain``): there the head is the one this function last appended, kept on the instance.
    """
    head = getattr(case, "_event_head", None)
    if head is None:
        last = CaseEvent.objects.filter(case=case).order_by("-seq").values_list("seq", "hash").first()
        seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS)
    else:
        seq, prev_hash = head[0] + 1, head[1]
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
    insert(event)  # Django's INSERT, its text compiled once (config.compiled)
    if head is not None:
        case._event_head = (seq, event.hash)  # type: ignore[attr-defined]
    return event


def _new_chain(case: Case) -> None:
    """``case`` was inserted by this transaction: it has no events yet, and every event appended to it
    here goes through this instance (``_append_event`` keeps the head on it, no SELECT)."""
    case._event_head = (0, GENESIS)  # type: ignore[attr-defined]


def _sync_index(index: CaseIndex, case: Case, holder: Agency, *, save: bool = True) -> None:
    due, due_kind = clocks.next_due(case)
    index.holder = holder
    index.state = case.state
    index.is_open = case.is_open
    index.title = case.title
    index.petition_type = case.petition_type
    index.is_public = case.is_public
    index.linked_to = case.linked_to
    index.received_at = case.received_at
    index.routed_at = case.routed_at
    index.accepted_at = case.accepted_at
    index.acceptance_decided_at = case.acceptance_decided_at
    index.replied_at = case.replied_at
    index.routed_at = case.routed_at
    index.reviewed_at = case.reviewed_at
    index.rereviewed_at = case.rereviewed_at
    index.closed_at = case.closed_at
    index.satisfaction = case.satisfaction
    index.report_status = case.report_status
    index.report_due = case.report_due
    index.report_submitted_at = case.report_submitted_at
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
    from cases.services.sweep import sweep_from

    # Any change may start or stop a clock: the sweep looks at the row again from this day.
    index.sweep_next = sweep_from(index)
    if save and index._state.adding:
        insert(index)  # a filing's new row: Django's INSERT, its text compiled once (config.compiled)
    elif save:  # the sweep saves the rows it closed in one statement
        update(index)  # Django's UPDATE of the whole row, its text compiled once (config.compiled)


def _notify(index: CaseIndex, event_kind: str) -> None:
    """Tell the citizen (inbox, e-mail, SMS by their choice), and the staff of the agency a case
    arrives at: the worker does it after commit, and nothing is enqueued if the transaction rolls
    back (notifications.services)."""
    from notifications.services import enqueue_step

    staff = None
    if event_kind in (EventKind.SUBMITTED, EventKind.FORWARDED, EventKind.ASSIGNED):
        staff = {
            "agency_id": index.holder_id,
            "kind": "case_arrived",
            "key": f"arrived:{index.case_uuid}:{event_kind}:{uuid.uuid4().hex}",
            "n": index.tracking_number,
            "t": index.title,
        }
    citizen = None
    if index.citizen_id is not None:
        citizen = {"case_uuid": index.case_uuid, "citizen_id": index.citizen_id, "event_kind": event_kind}
    enqueue_step(agency_notice=staff, case_event=citizen)  # one message for both


def _in_schema_save(case: Case, agency: Agency, fields: list[str]) -> None:
    with schema_context(agency.schema_name):
        case.save(update_fields=fields)
