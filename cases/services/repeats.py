"""Repeats and finality: the same matter filed again (信访工作条例 art. 19), after 三级终结 (art. 36) or after
a review window lapsed unused (arts. 35-36), the written notice that says so, and the bureau's ruling
on an automatic link.

Matching is cheap by construction: the candidates are picked in SQL (the same account, or the same ID
number for letters and visits entered without one; every type but reports alike; only matters that
are open, final or whose window lapsed), at most ``CANDIDATES`` of them, their texts read with one
query per schema, and compared by character-bigram containment, never by difflib.
"""

from __future__ import annotations

import functools
import operator
import re
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.base import DEFERRED
from django.utils.translation import gettext_lazy as _
from django_tenants.postgresql_backend.base import is_valid_schema_name

from accounts.models import User
from cases import clocks
from cases.index.models import CaseIndex, ProtectedIdentity
from cases.models import Case, CaseState, EventKind, PetitionType
from cases.procedure import check
from cases.services.core import Actor, _append_event, _locked, _notify, _now, _sync_index
from cases.services.documents import _issue_document
from config import clock
from config.compiled import CompiledQuery, update

CANDIDATES = 20
_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)
# Characters of petition boilerplate: a bigram made only of them says nothing about the matter.
_FILLER = frozenset("我们的了是在和与及对从起请求有关部门查处尽快某个一没有任何依据要希望反映情况问题小区住")


def _normalize(text: str) -> str:
    return _NOISE.sub("", text).lower()


# Every bigram made only of them, taken out of a text's bigrams in one set difference.
_FILLER_BIGRAMS = frozenset(a + b for a in _FILLER for b in _FILLER)


@functools.lru_cache(maxsize=128)  # at most ~2,000 bigrams each
def _shingles(text: str) -> frozenset[str]:
    """The text's character bigrams (cached: a filing compares its own text with up to CANDIDATES
    earlier ones, and a citizen's earlier texts come back at their next filing). Built by C loops
    (``map``, a set difference), not a Python loop per character: ~11 µs for a petition's body, ~49
    with the loop, and a filing takes the bigrams of up to 2 × CANDIDATES texts."""
    flat = _normalize(text)[:2000]
    return frozenset(map(operator.add, flat, flat[1:])) - _FILLER_BIGRAMS


def _containment(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / min(len(a), len(b)) if a and b else 0.0


def resemblance(title_a: str, body_a: str, title_b: str, body_b: str) -> tuple[float, float]:
    """How alike two petitions are: (titles, bodies), each the bigram containment of one in the other.
    A title too short to mean anything ("投诉") counts 0."""
    titles_a, titles_b = _shingles(title_a), _shingles(title_b)
    title = _containment(titles_a, titles_b) if min(len(titles_a), len(titles_b)) >= 3 else 0.0
    return title, _containment(_shingles(body_a), _shingles(body_b))


def same_matter(title_a: str, body_a: str, title_b: str, body_b: str) -> bool:
    """Whether two petitions raise the same matter (same facts and reasons), reworded or not: titles
    and bodies alike, or the body itself (nearly) the same. The bureau confirms or undoes the link."""
    title, body = resemblance(title_a, body_a, title_b, body_b)
    return (title >= 0.4 and body >= 0.4) or body >= 0.8


@dataclass(frozen=True)
class PriorMatter:
    index: CaseIndex
    # "open" (art. 19: linked), "final" (三级终结, art. 36) or "lapsed" (the review or re-review window
    # ran out unused: the answer stands, arts. 35-36).
    kind: str


def _lapsed(today) -> Q:
    """Closed with the reply (no review asked: review_due never set) or the review opinion (no
    re-review asked) standing after the window ran out."""
    reply_stood = Q(review_due__isnull=True, review_request_due__lt=today, replied_at__isnull=False)
    review_stood = Q(review_due__isnull=False, rereview_due__isnull=True, rereview_request_due__lt=today)
    return Q(state=CaseState.CLOSED) & (reply_stood | review_stood)


def _case_texts(candidates: list[tuple]) -> dict[uuid.UUID, tuple[str, str]]:
    """The title and body of each candidate, from the schemas of the agencies holding them: one
    statement whatever the number of schemas (each part names its schema; no search_path switch)."""
    by_schema: dict[str, list[uuid.UUID]] = defaultdict(list)
    for row in candidates:
        by_schema[row[_SCHEMA]].append(row[_UUID])
    if not by_schema:
        return {}
    table = Case._meta.db_table
    parts, params = [], []
    for schema, ids in by_schema.items():
        if not is_valid_schema_name(schema):
            raise ValueError(f"invalid schema name {schema!r}")
        parts.append(f'SELECT id, title, body FROM "{schema}"."{table}" WHERE id = ANY(%s::uuid[])')  # noqa: S608
        params.append([str(i) for i in ids])
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        return {pk: (title, body) for pk, title, body in cursor.fetchall()}


def _candidates_of(shape: tuple[bool, bool, frozenset[str] | None], markers) -> QuerySet:
    """The person's earlier petitions that can decide a new one, newest first, at most CANDIDATES.

    ``shape``: (by account, by ID number, the reported unit's codes for a report, else None). The
    person is the account, or the same ID number (a letter or visit entered without an account is the
    same person's); a report is the same matter only as a report against the same unit (arts. 30,
    46); for every other type the type a petitioner picks does not change the matter. Decisive: open
    (art. 19), final (三级终结, art. 36) or with its window lapsed (arts. 35-36); never a merged or
    linked one.
    """
    by_account, by_id_number, reported_unit = shape
    who = Q(citizen_id=markers.citizen_id) if by_account else Q(pk__in=[])
    if by_id_number:
        who |= Q(petitioner_id_hash=markers.id_hash) & (Q(citizen__isnull=True) if by_account else Q())
    rows = CaseIndex.objects.filter(who)
    if reported_unit is not None:
        rows = rows.filter(
            petition_type=PetitionType.REPORT,
            case_uuid__in=ProtectedIdentity.objects.filter(reported_agency__in=sorted(reported_unit)).values(
                "case_uuid"
            ),
        )
    else:
        rows = rows.exclude(petition_type=PetitionType.REPORT)
    decisive = Q(is_open=True) | Q(state=CaseState.TERMINATED) | _lapsed(markers.today)
    return (
        rows.filter(decisive)
        .exclude(state__in=[CaseState.MERGED, CaseState.LINKED])
        .order_by("-submitted_at")
        .values_list(*_CANDIDATE_COLUMNS)[:CANDIDATES]
    )


# What the comparison and the notices read of a candidate (plain columns: no converters to apply).
_CANDIDATE_COLUMNS = (
    "id",
    "case_uuid",
    "tracking_number",
    "state",
    "is_open",
    "holder_id",
    "holder__schema_name",
)
_UUID, _STATE, _IS_OPEN, _SCHEMA = 1, 3, 4, 6
# Built and compiled once per shape (config.compiled): the markers are no citizen, hash or day a
# query compares otherwise.
_CANDIDATES = CompiledQuery(
    _candidates_of, citizen_id=-7_770_001, id_hash="\x00id-hash\x00", today=date(1, 1, 7)
)


def find_prior_matter(
    citizen: User | None,
    title: str,
    body: str,
    petition_type: str,
    *,
    id_hash: str = "",
    reported_unit: frozenset[str] = frozenset(),
) -> PriorMatter | None:
    """The same person's earlier petition on the same matter that decides this one: an open one first
    (art. 19), else a final one (art. 36) or one whose window lapsed (arts. 35-36)."""
    if citizen is None and not id_hash:
        return None
    shape = (
        citizen is not None,
        bool(id_hash),
        frozenset(reported_unit) if petition_type == PetitionType.REPORT else None,
    )
    candidates = _CANDIDATES.rows(
        shape, citizen_id=citizen.pk if citizen is not None else None, id_hash=id_hash, today=clock.today()
    )
    texts = _case_texts(candidates)
    final = None
    for row in candidates:
        prior = texts.get(row[_UUID])
        if prior is None or not same_matter(prior[0], prior[1], title, body):
            continue
        if row[_IS_OPEN]:
            return PriorMatter(_loaded(row), "open")
        if final is None:
            final = PriorMatter(_loaded(row), "final" if row[_STATE] == CaseState.TERMINATED else "lapsed")
    return final


def _loaded(row: tuple) -> CaseIndex:
    """The matching candidate as an index row loaded with those columns only (the rest deferred, read
    on first use, as with ``only()``)."""
    loaded = dict(zip(_CANDIDATE_COLUMNS, row, strict=True))
    values = [loaded.get(f.attname, DEFERRED) for f in CaseIndex._meta.concrete_fields]
    return CaseIndex.from_db(connection.alias, loaded.keys(), values)


# --- The written notices --------------------------------------------------------------------------


def issue_repeat_notice(case: Case, holder, original: CaseIndex) -> None:
    """重复信访告知书 (art. 19): the same matter is being handled as ``original``; not a new case."""
    _issue_document(
        case,
        kind="repeat_notice",
        agency=holder,
        actor=Actor.system(),
        fields={"original": original.tracking_number, "reason": ""},
    )


def issue_final_notice(case: Case, holder, prior: PriorMatter) -> None:
    """不再受理告知书: after 三级终结 (art. 36), or when the answer stood because its window lapsed."""
    _issue_document(
        case,
        kind="final_notice",
        agency=holder,
        actor=Actor.system(),
        fields={
            "original": prior.index.tracking_number,
            "reason": case.not_accepted_reason,
            "basis": prior.kind,
        },
    )


def final_reason(prior: PriorMatter) -> str:
    number = prior.index.tracking_number
    if prior.kind == "final":
        return str(_("同一事实和理由已于信访件 %(n)s 经复核终结，不再受理（第三十六条）。") % {"n": number})
    return str(
        _(
            "同一事实和理由已于信访件 %(n)s 作出处理（复查）意见，信访人在收到之日起30日内未请求复查"
            "（复核），该意见已生效，不再作为新的信访事项受理（第三十五、三十六条）。"
        )
        % {"n": number}
    )


# --- The bureau's ruling on a link ----------------------------------------------------------------


def confirm_link(*, case_uuid: uuid.UUID, actor: Actor) -> None:
    """The bureau confirms that the petition is the matter it was linked to (art. 19)."""
    with _locked(case_uuid) as (index, case):
        check("confirm_link", actor, index, case)
        original = CaseIndex.objects.filter(case_uuid=case.linked_to).first() if case.linked_to else None
        case.link_confirmed_at = _now()
        case.save(update_fields=["link_confirmed_at"])
        _append_event(
            case,
            EventKind.LINK_CONFIRMED,
            actor,
            agency_code=index.holder.code,
            changes={"linked_to": original.tracking_number if original else ""},
            message=str(
                _("信访局已确认该事项与信访件 %(n)s 为同一事项，并入原件办理（第十九条）。")
                % {"n": original.tracking_number if original else ""}
            ),
        )
        _sync_index(index, case, index.holder)
        _notify(index, EventKind.LINK_CONFIRMED)


def undo_link(*, case_uuid: uuid.UUID, actor: Actor, reason: str) -> None:
    """The bureau rules the petition a new matter after all: it is registered for routing, its routing
    clock running from today, the day of the ruling (art. 22)."""
    from config.errors import HallError

    if len(reason.strip()) < 5:
        raise HallError(
            _("请写明撤销关联的理由。"), code="reason_required", fields={"reason": _("请写明理由。")}
        )
    with _locked(case_uuid) as (index, case):
        check("undo_link", actor, index, case)
        original = CaseIndex.objects.filter(case_uuid=case.linked_to).first() if case.linked_to else None
        now = _now()
        case.state = CaseState.SUBMITTED
        case.linked_to = None
        case.closed_at = None
        case.link_confirmed_at = None
        case.routing_due = clocks.routing_due(now)
        update(case)  # Django's UPDATE of the whole row, compiled once
        _append_event(
            case,
            EventKind.LINK_UNDONE,
            actor,
            agency_code=index.holder.code,
            changes={"was_linked_to": original.tracking_number if original else "", "reason": reason.strip()},
            message=str(
                _("经信访局审核，该事项与信访件 %(n)s 不是同一事项，撤销关联，作为新的信访事项办理：%(r)s")
                % {"n": original.tracking_number if original else "", "r": reason.strip()}
            ),
        )
        _sync_index(index, case, index.holder)
        _notify(index, EventKind.LINK_UNDONE)
