"""The daily sweep over every clock the procedure declares (cases.procedure.CLOCKS).

For each clock running on an open case: a reminder to the responsible agency a configurable number of
working days before its last day (settings.HALL_SWEEP_REMINDER_WORKING_DAYS), an overdue flag the day
after it, then the oversight ladder (催办, then 督办单); a petitioner's window that ran out closes the
case (arts. 35-36). Nothing here knows a clock by name: the declaration says what each one does.

How it runs (Celery beat, cases.oversight.tasks.sweep_deadlines):

1. ``plan``: ONE query for the rows whose ``sweep_next`` has come, across all agencies, grouped by
   holder into batches; it reads SweepAgenda, the index of ``sweep_next`` that triggers keep (so that
   moving ``sweep_next`` is a HOT update of CaseIndex, without an entry in each of its indexes).
2. ``sweep_batch`` (one task per agency batch): one transaction that locks the batch's rows, records
   each action in ``ClockAlert`` (unique per case, clock, last day and action; ``ON CONFLICT DO
   NOTHING``) and acts only on what was new: timeline events and supervision items in bulk, one
   notice per agency, closes, and ``sweep_next`` moved past what was done. Run twice → one effect;
   interrupted → rolled back whole, and the re-run ends the same.
3. Steady state: a row flagged and escalated has nothing left (``sweep_next`` NULL) and is never read
   again until a write changes its clocks (``_sync_index`` sets ``sweep_next`` from ``sweep_from``);
   a quiet row is read first on its reminder day.

``sweep_case_by_case`` is the reference: every open row, every clock, one case at a time through the
ordinary services. The tests check that the batched sweep does exactly what it does.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import uuid
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django_tenants.utils import schema_context

from cases.audit import GENESIS, event_digest
from cases.index.models import CaseIndex, ClockAlert, SweepAgenda
from cases.models import Case, CaseEvent, CaseState, EventKind
from cases.procedure import CLOCKS, Clock, Escalation, refusal
from cases.services.core import Actor, _actor_label, _now, _sync_index
from config import clock as hall_clock
from workdays.rules import WorkCalendar, current_calendar

log = logging.getLogger(__name__)

Action = ClockAlert.Action
# The longest a reminder lead can stretch in calendar days: its working days, the weekends between
# them and the longest run of public holidays (春节, 国庆: 8-9 days with their weekends). A bound used
# where SQL brings ``sweep_next`` forward without the calendar.
_REST_SPAN_DAYS = 12


def clocks() -> tuple[Clock, ...]:
    """The declared clocks whose due-date column the index has (a clock declared ahead of its column,
    such as the 交办 report before the assignment work lands, is skipped until it exists)."""
    columns = {f.name for f in CaseIndex._meta.get_fields()}
    return tuple(c for c in CLOCKS if c.due_field in columns)


def lead(clock: Clock) -> int:
    """Working days before the last day that a duty is reminded (0: not reminded)."""
    if clock.overdue != "flag":
        return 0
    return settings.HALL_SWEEP_REMINDER_WORKING_DAYS if clock.remind_before is None else clock.remind_before


def reminder_day(calendar: WorkCalendar, due: date, days: int) -> date:
    """The first day from which at most ``days`` working days are left: working days after it, up to
    and including ``due`` (02-26 for a deadline on 03-02 2026 with 3 days: 02-27, the make-up 02-28,
    03-02)."""
    day, left = due, 0
    for _step in range(400):
        left += calendar.is_working_day(day)
        if left > days:
            return day
        day -= timedelta(days=1)
    return day


def sweep_from(row, calendar: WorkCalendar | None = None) -> date | None:
    """The first day on which the sweep has something to do on ``row``: the earliest reminder day or
    day after a deadline of its running clocks (every write sets it; None: no clock runs)."""
    days = []
    for clock in clocks():
        if clock.runs_on(row):
            due = getattr(row, clock.due_field)
            if lead(clock):
                calendar = calendar or current_calendar()
                days.append(reminder_day(calendar, due, lead(clock)))
            else:
                days.append(due + timedelta(days=1))
    return min(days) if days else None


@dataclass(frozen=True)
class Step:
    """One thing due today on one clock of one case."""

    clock: str
    due: date
    action: str
    escalation: Escalation | None = None


def plan_row(
    row,
    today: date,
    calendar: WorkCalendar,
    *,
    watched: tuple[Clock, ...] | None = None,
    reminder_days: dict[tuple[date, int], date] | None = None,
) -> tuple[list[Step], date | None]:
    """What the declaration says is due on ``row`` today (whether done already or not: ClockAlert
    decides), and the next day anything new can be due.

    A batch passes ``watched`` (``clocks()``, read once) and a ``reminder_days`` memo: thousands of
    rows share a few dozen last days, and counting working days back is the costly part."""
    steps: list[Step] = []
    later: list[date] = []
    for clock in clocks() if watched is None else watched:
        if not clock.runs_on(row):
            continue
        due: date = getattr(row, clock.due_field)
        if clock.overdue == "close":
            if today > due:
                steps.append(Step(clock.name, due, Action.CLOSED))
            else:
                later.append(due + timedelta(days=1))
            continue
        if today <= due:
            days = lead(clock)
            remind_on = None
            if days and reminder_days is None:
                remind_on = reminder_day(calendar, due, days)
            elif days and reminder_days is not None:
                remind_on = reminder_days.get((due, days))
                if remind_on is None:
                    remind_on = reminder_days[due, days] = reminder_day(calendar, due, days)
            if remind_on is not None and today >= remind_on:
                steps.append(Step(clock.name, due, Action.REMINDED))
            later.append(
                remind_on if remind_on is not None and today < remind_on else due + timedelta(days=1)
            )
            continue
        steps.append(Step(clock.name, due, Action.OVERDUE))
        late = (today - due).days
        # Only the highest step reached: a case first seen ten days late gets the order alone.
        reached = [e for e in clock.ladder if e.after_days <= late]
        if reached:
            steps.append(Step(clock.name, due, reached[-1].kind, reached[-1]))
        ahead = [e for e in clock.ladder if e.after_days > late]
        if ahead:
            later.append(due + timedelta(days=ahead[0].after_days))
    return steps, min(later) if later else None


def rule_name(clock: str, escalation: Escalation) -> str:
    """The SupervisionItem.auto_rule of an escalation: once per case and rule (``handling_overdue_3d``)."""
    return f"{clock}_overdue_{escalation.after_days}d"


@dataclass
class SweepResult:
    reminders: list[str] = field(default_factory=list)  # tracking numbers given a 催办
    orders: list[str] = field(default_factory=list)  # and a 督办单
    closed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # could not be closed (state changed meanwhile)
    alerts: list[tuple[str, str, str]] = field(default_factory=list)  # (tracking, clock, action)

    def merge(self, other: dict[str, list]) -> None:
        for name in ("reminders", "orders", "closed", "skipped"):
            getattr(self, name).extend(other.get(name, []))
        self.alerts.extend(tuple(a) for a in other.get("alerts", []))

    def as_dict(self) -> dict[str, list]:
        return {
            "reminders": self.reminders,
            "orders": self.orders,
            "closed": self.closed,
            "skipped": self.skipped,
            "alerts": [list(a) for a in self.alerts],
        }


# --- 1. The plan: one query over the index ------------------------------------------------------------


def plan_query(today: date):
    """The agenda's rows due by ``today``, (holder id, CaseIndex id), read from its day index alone
    (``sweep_agenda_day`` carries both columns)."""
    return (
        SweepAgenda.objects.filter(sweep_next__lte=today)
        .order_by("holder_id", "index_id")
        .values_list("holder_id", "index_id")
    )


def plan(today: date, *, batch_size: int | None = None) -> list[tuple[int, list[int]]]:
    """[(holder id, [CaseIndex ids])]: the rows with work today, across all agencies, in batches."""
    batch_size = batch_size or settings.HALL_SWEEP_BATCH_SIZE
    rows = plan_query(today)
    per_agency: dict[int, list[int]] = defaultdict(list)
    for holder_id, row_id in rows.iterator(chunk_size=5000):
        per_agency[holder_id].append(row_id)
    return [
        (holder_id, ids[start : start + batch_size])
        for holder_id, ids in per_agency.items()
        for start in range(0, len(ids), batch_size)
    ]


# --- 2. One agency's batch, in one transaction -------------------------------------------------------


# The columns of a CaseIndex row that every clock's rules read besides its due date.
_ROW_COLUMNS = (
    "id",
    "case_uuid",
    "tracking_number",
    "holder_id",
    "state",
    "is_open",
    "report_status",
    "supervision_due",
)


class SweptRow:
    """The columns of a CaseIndex row that the clocks read (``Clock.runs_on``, ``plan_row``), read
    and locked by one statement: a batch makes thousands of these, and a full model instance of the
    index's fifty-odd columns cost more than everything else the sweep does in Python. A close reads
    the whole row (its guards and ``_sync_index`` need it); see ``_lock_rows``.

    Each set of due-date columns gets its subclass with one slot per column (``row_class``): a column
    that was not read is not there, so a rule that starts reading another one fails loudly instead of
    reading None."""

    __slots__ = _ROW_COLUMNS
    columns: tuple[str, ...] = _ROW_COLUMNS
    id: int
    case_uuid: uuid.UUID
    tracking_number: str
    holder_id: int
    state: str
    is_open: bool
    report_status: str
    supervision_due: date | None

    def __init__(self, values: tuple) -> None:
        for name, value in zip(self.columns, values, strict=True):
            setattr(self, name, value)

    @property
    def pk(self) -> int:
        return self.id


@functools.cache
def row_class(due_fields: tuple[str, ...]) -> type[SweptRow]:
    fields = tuple(f for f in dict.fromkeys(due_fields) if f not in _ROW_COLUMNS)
    return type("SweptRow", (SweptRow,), {"__slots__": fields, "columns": (*_ROW_COLUMNS, *fields)})


def _lock_rows(agency_id: int, index_ids: list[int], watched: tuple[Clock, ...]) -> list[SweptRow]:
    """The batch's rows as they are now (a case written since the plan is judged on its new state),
    locked in case_uuid order as every multi-case change locks them: the services lock the index row
    first, so nothing changes these cases until we commit. One statement, the clocks' columns only."""
    cls = row_class(tuple(c.due_field for c in watched))
    columns = ", ".join(f'"{name}"' for name in cls.columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM {CaseIndex._meta.db_table}"  # noqa: S608 - names from the model
            " WHERE id = ANY(%s::bigint[]) AND holder_id = %s AND is_open ORDER BY case_uuid FOR UPDATE",
            [index_ids, agency_id],
        )
        return [cls(values) for values in cursor.fetchall()]


def _oversight():
    from tenants.models import the_oversight_agency

    return the_oversight_agency()


def _hidden_from_oversight(issuer, case_uuids: list) -> set[uuid.UUID]:
    """Reports against the oversight office's own unit are the discipline body's (arts. 30, 46)."""
    from cases.access import reports_against

    if issuer is None or not case_uuids:
        return set()
    return set(reports_against(issuer).filter(case_uuid__in=case_uuids).values_list("case_uuid", flat=True))


def _insert_alerts(rows: list[tuple[uuid.UUID, int, str, date, str]], today: date) -> list[int]:
    """Insert (case_uuid, holder, clock, due, action); return the positions in ``rows`` of those that
    were new (one statement, one array per column: nothing to format per row; integers back, not the
    keys to parse and match)."""
    if not rows:
        return []
    table = ClockAlert._meta.db_table
    case_uuids, holders, clock_names, dues, actions = (list(column) for column in zip(*rows, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH v AS (SELECT * FROM unnest(%s::uuid[], %s::bigint[], %s::text[], %s::date[], %s::text[])"  # noqa: S608
            "   WITH ORDINALITY AS v(case_uuid, holder_id, clock, due, action, n)),"
            f' new AS (INSERT INTO {table} (case_uuid, holder_id, clock, due, action, "on")'
            "   SELECT case_uuid, holder_id, clock, due, action, %s::date FROM v"
            "   ON CONFLICT (case_uuid, clock, due, action) DO NOTHING"
            "   RETURNING case_uuid, clock, due, action)"
            " SELECT v.n - 1 FROM v JOIN new ON (new.case_uuid, new.clock, new.due, new.action)"
            "   = (v.case_uuid, v.clock, v.due, v.action)",
            [[str(u) for u in case_uuids], holders, clock_names, dues, actions, today],
        )
        return [n for (n,) in cursor.fetchall()]


@dataclass(frozen=True)
class NewEvent:
    case: Case
    kind: str
    agency_code: str
    message: Any
    changes: dict


def _append_events(events: list[NewEvent]) -> None:
    """Hash-chained events in two statements (the last of each case's chain, then one insert), in the
    order given; the caller holds the case rows' locks, so the sequence numbers cannot race."""
    if not events:
        return
    last: dict[uuid.UUID, tuple[int, str]] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT ON (case_id) case_id, seq, hash FROM {CaseEvent._meta.db_table}"  # noqa: S608
            " WHERE case_id = ANY(%s) ORDER BY case_id, seq DESC",
            [list({e.case.pk for e in events})],
        )
        for case_id, seq, digest in cursor.fetchall():
            last[case_id] = (seq, digest)
    actor_uuid, actor_name, actor_role = _actor_label(Actor.system())
    at = _now()
    rows = []
    for new in events:
        seq, prev_hash = last.get(new.case.pk, (0, GENESIS))
        event = CaseEvent(
            case=new.case,
            seq=seq + 1,
            kind=new.kind,
            at=at,
            agency_code=new.agency_code,
            actor_uuid=actor_uuid,
            actor_name=actor_name,
            actor_role=actor_role,
            changes=json.loads(json.dumps(new.changes, default=str)),
            message=str(new.message),
            visible_to_citizen=new.kind != EventKind.SUPERVISION,
            prev_hash=prev_hash,
        )
        event.hash = event_digest(event, prev_hash)
        last[new.case.pk] = (event.seq, event.hash)
        rows.append(event)
    CaseEvent.objects.bulk_create(rows)


# The index columns a close changes (the rest of _sync_index's columns stay as they were).
_CLOSE_FIELDS = ("state", "is_open", "closed_at", "next_due", "next_due_kind", "sweep_next", "updated_at")


def sweep_batch(*, agency_id: int, today: date, index_ids: list[int]) -> dict[str, list]:
    """Do what is due today on these rows of one agency (one transaction; see the module docstring).

    The public reads and writes come first, then one visit to the agency's schema, then the index:
    each step a statement or two for the whole batch."""
    from cases.oversight.models import SupervisionItem
    from tenants.models import Agency, AgencyKind

    result = SweepResult()
    system = Actor.system()
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        calendar = current_calendar()
        agencies = list(
            Agency.objects.filter(Q(pk=agency_id) | Q(kind=AgencyKind.OVERSIGHT, is_active=True)).order_by(
                "sort_order"
            )
        )
        agency = next(a for a in agencies if a.pk == agency_id)
        issuer = next((a for a in agencies if a.kind == AgencyKind.OVERSIGHT), None)
        watched = clocks()
        rows = _lock_rows(agency_id, index_ids, watched)
        memo: dict[tuple[date, int], date] = {}
        planned = {
            row.id: plan_row(row, today, calendar, watched=watched, reminder_days=memo) for row in rows
        }
        # A close is checked and written on the whole row (already locked above).
        closing = [row.id for row in rows if any(s.action == Action.CLOSED for s in planned[row.id][0])]
        whole = {r.pk: r for r in CaseIndex.objects.filter(pk__in=closing)} if closing else {}
        for full in whole.values():
            full.holder = agency
        escalating = [r.case_uuid for r in rows if any(s.escalation for s in planned[r.pk][0])]
        hidden = _hidden_from_oversight(issuer, escalating)
        fired = (
            set(
                SupervisionItem.objects.filter(auto_case_uuid__in=escalating).values_list(
                    "auto_rule", "auto_case_uuid"
                )
            )
            if escalating
            else set()
        )
        wanted: list[tuple[uuid.UUID, int, str, date, str]] = []
        wanted_steps: list[tuple[SweptRow, Step]] = []
        for row in rows:
            for step in planned[row.pk][0]:
                if step.escalation and (
                    row.case_uuid in hidden
                    or (rule_name(step.clock, step.escalation), row.case_uuid) in fired
                ):
                    continue
                # The close is the procedure's step, checked on the index row (it carries the state,
                # the rating and the windows the guard reads: procedure.window_open).
                if step.action == Action.CLOSED:
                    full = whole[row.id]
                    if refusal("close", system, full, full, today) is not None:  # type: ignore[arg-type]
                        result.skipped.append(row.tracking_number)
                        continue
                wanted.append((row.case_uuid, agency_id, step.clock, step.due, step.action))
                wanted_steps.append((row, step))
        new = _insert_alerts(wanted, today)
        # In case_uuid order (the rows' order), then clock and action, as the reference does them.
        done = [
            wanted_steps[n]
            for n in sorted(
                new, key=lambda n: (wanted_steps[n][0].case_uuid.bytes, wanted[n][2], wanted[n][4])
            )
        ]

        # Escalations: one supervision item per case and rule.
        items, escalated_rows = [], []
        for row, step in done:
            if step.escalation is None:
                continue
            esc = step.escalation
            answer_due = calendar.add_working_days(today, esc.answer_working_days)
            message = str(
                _("信访件 %(n)s 已超过%(clock)s期限（%(due)s）%(days)s日，请抓紧办理并反馈。")
                % {
                    "n": row.tracking_number,
                    "clock": _label(step.clock),
                    "due": step.due.isoformat(),
                    "days": (today - step.due).days,
                }
            )
            items.append(
                SupervisionItem(
                    id=uuid.uuid4(),
                    kind=esc.kind,
                    agency=agency,
                    cases=[{"uuid": str(row.case_uuid), "tracking_number": row.tracking_number}],
                    message=message,
                    answer_due=answer_due,
                    issued_by=None,
                    issued_at=_now(),
                    auto_rule=rule_name(step.clock, esc),
                    auto_case_uuid=row.case_uuid,
                )
            )
            escalated_rows.append(row)
            (result.orders if esc.kind == "order" else result.reminders).append(row.tracking_number)
        if items:
            SupervisionItem.objects.bulk_create(items)
        closes = [whole[row.id] for row, step in done if step.action == Action.CLOSED]

        # One visit to the agency's schema: lock the cases written to, their events, the closes.
        touched = sorted({r.case_uuid for r in escalated_rows} | {r.case_uuid for r in closes})
        if touched:
            now = _now()
            with schema_context(agency.schema_name):
                cases = {
                    c.pk: c for c in Case.objects.select_for_update().filter(pk__in=touched).order_by("pk")
                }
                events = []
                for row, item in zip(escalated_rows, items, strict=True):
                    events.append(
                        NewEvent(
                            cases[row.case_uuid],
                            EventKind.SUPERVISION,
                            issuer.code if issuer else "",
                            _("%(kind)s：%(message)s（请于%(due)s前反馈）")
                            % {
                                "kind": item.get_kind_display(),
                                "message": item.message,
                                "due": item.answer_due.isoformat(),
                            },
                            {
                                "item": str(item.pk),
                                "kind": item.kind,
                                "answer_due": item.answer_due,
                                "rule": item.auto_rule,
                            },
                        )
                    )
                # 信访工作条例 arts. 35-36: the petitioner's window ran out; the case closes.
                for index in closes:
                    case = cases[index.case_uuid]
                    case.state, case.closed_at = CaseState.CLOSED, now
                    events.append(NewEvent(case, EventKind.CLOSED, agency.code, _("信访事项已办结。"), {}))
                if closes:
                    _set_columns(Case, [cases[r.case_uuid] for r in closes], ("state", "closed_at"))
                _append_events(events)
            for index in closes:
                _sync_index(index, cases[index.case_uuid], agency, save=False)
                index.updated_at = now
                result.closed.append(index.tracking_number)
            if closes:
                _set_columns(CaseIndex, closes, _CLOSE_FIELDS)

        result.alerts.extend((row.tracking_number, step.clock, step.action) for row, step in done)
        closed = {r.case_uuid for r in closes}
        escalated = {r.case_uuid for r in escalated_rows}
        if items:
            # A closed row keeps the close's sweep_next; its supervision_due is refreshed apart (rare).
            refresh_supervision_due(sorted(escalated & closed), bring_forward=False)
            # The answer just ordered is a clock of its own: the next day is counted with it.
            for row, item in zip(escalated_rows, items, strict=True):
                row.supervision_due = min(d for d in (row.supervision_due, item.answer_due) if d)
                planned[row.pk] = (
                    planned[row.pk][0],
                    plan_row(row, today, calendar, watched=watched, reminder_days=memo)[1],
                )
        _move_sweep_next(rows, planned, closed, escalated - closed)
        _tell_agency(agency_id, today, done, items)
    return result.as_dict()


def _label(clock_name: str) -> str:
    from cases.procedure import CLOCKS_BY_NAME

    return str(CLOCKS_BY_NAME[clock_name].label)


def _set_columns(model, objs: list, fields: tuple[str, ...]) -> None:
    """``bulk_update`` in one ``UPDATE ... FROM unnest(...)``: one array per column instead of a
    ``CASE WHEN pk = ...`` per row and column, which Django builds (slowly) and the server parses.
    In the current search path (an agency's schema for Case)."""
    if not objs:
        return
    meta = model._meta
    columns = [meta.pk, *(meta.get_field(name) for name in fields)]
    arrays = [
        [column.get_db_prep_value(getattr(obj, column.attname), connection) for obj in objs]
        for column in columns
    ]
    names = [column.column for column in columns]
    sets = ", ".join(f'"{name}" = v."{name}"' for name in names[1:])
    unnest = ", ".join(f"%s::{column.db_type(connection)}[]" for column in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f'UPDATE "{meta.db_table}" AS t SET {sets}'  # noqa: S608
            f" FROM unnest({unnest}) AS v({', '.join(f'{chr(34)}{n}{chr(34)}' for n in names)})"
            f' WHERE t."{names[0]}" = v."{names[0]}"',
            arrays,
        )


def _move_sweep_next(
    rows: list[SweptRow], planned: dict, closed: set, supervised: Collection = frozenset()
) -> None:
    """Each row's ``sweep_next`` to the next day anything new can be due, and on the rows given a
    催办/督办单 (``supervised``) ``supervision_due`` as refresh_supervision_due sets it: one statement,
    so each row is written once (every write of a row adds an entry to each of the index's indexes
    unless PostgreSQL can make it a HOT update). The arrays keep the planner on the primary key."""
    from cases.oversight.models import SupervisionItem

    values = [
        (row.pk, planned[row.pk][1], row.case_uuid in supervised)
        for row in rows
        if row.case_uuid not in closed
    ]
    if not values:
        return
    with connection.cursor() as cursor:
        if not supervised:  # most batches: no answer to look up
            cursor.execute(
                f"UPDATE {CaseIndex._meta.db_table} AS i SET sweep_next = v.next"  # noqa: S608
                " FROM unnest(%s::bigint[], %s::date[]) AS v(id, next) WHERE i.id = v.id",
                [[pk for pk, _n, _s in values], [n for _pk, n, _s in values]],
            )
            return
        cursor.execute(
            f"WITH due AS MATERIALIZED ({_OPEN_ANSWERS_SQL % SupervisionItem._meta.db_table})"  # noqa: S608
            f" UPDATE {CaseIndex._meta.db_table} AS i SET sweep_next = v.next,"
            " supervision_due = CASE WHEN v.supervised"
            "   THEN (SELECT due.due FROM due WHERE due.case_uuid = i.case_uuid::text)"
            "   ELSE i.supervision_due END"
            " FROM unnest(%s::bigint[], %s::date[], %s::boolean[]) AS v(id, next, supervised)"
            " WHERE i.id = v.id",
            [
                [str(u) for u in sorted(supervised)],
                [pk for pk, _n, _s in values],
                [n for _pk, n, _s in values],
                [s for _pk, _n, s in values],
            ],
        )


# The earliest answer due of the unanswered 催办/督办单 naming each of the cases %%s (text[]), as
# (case_uuid text, due): one pass over the open items, not one per case (``cases`` is a JSON list).
_OPEN_ANSWERS_SQL = (
    "SELECT c->>'uuid' AS case_uuid, min(t.answer_due) AS due FROM %s AS t"
    " CROSS JOIN LATERAL jsonb_array_elements(t.cases) AS c"
    " WHERE t.answered_at IS NULL AND c->>'uuid' = ANY(%%s::text[]) GROUP BY 1"
)


def refresh_supervision_due(case_uuids: list, *, bring_forward: bool = True) -> None:
    """Set ``supervision_due`` on these rows to the earliest unanswered 催办/督办单 answer, and bring
    ``sweep_next`` forward to it (one statement)."""
    from cases.oversight.models import SupervisionItem

    if not case_uuids:
        return
    days = 2 * settings.HALL_SWEEP_REMINDER_WORKING_DAYS + _REST_SPAN_DAYS if bring_forward else None
    uuids = [str(u) for u in case_uuids]
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH due AS MATERIALIZED ({_OPEN_ANSWERS_SQL % SupervisionItem._meta.db_table})"  # noqa: S608
            f" UPDATE {CaseIndex._meta.db_table} AS i SET supervision_due = s.due,"
            " sweep_next = CASE WHEN s.due IS NULL OR %s::int IS NULL THEN i.sweep_next"
            "   ELSE LEAST(i.sweep_next, s.due - %s::int) END"
            " FROM (SELECT u.id, due.due FROM "
            f"{CaseIndex._meta.db_table} AS u LEFT JOIN due ON due.case_uuid = u.case_uuid::text"
            "   WHERE u.case_uuid = ANY(%s::uuid[])) AS s"
            " WHERE i.id = s.id",
            [uuids, days, days, uuids],
        )


def _tell_agency(agency_id: int, today: date, done: list, items: list) -> None:
    """One notice per agency and batch: what falls due soon and what is late (after commit)."""
    from notifications.services import enqueue_agency_notice

    alerts = [(row, step) for row, step in done if step.action in (Action.REMINDED, Action.OVERDUE)]
    if alerts:
        listing = "；".join(
            f"{row.tracking_number} {_label(step.clock)} {step.due.isoformat()}"
            + ("（已超期）" if step.action == Action.OVERDUE else "")
            for row, step in alerts[:50]
        )
        digest = hashlib.sha256(listing.encode()).hexdigest()[:16]
        enqueue_agency_notice(
            agency_id=agency_id,
            kind="deadline_alert",
            key=f"sweep:{agency_id}:{today.isoformat()}:{digest}",
            d=today.isoformat(),
            c=str(sum(1 for _r, s in alerts if s.action == Action.REMINDED)),
            o=str(sum(1 for _r, s in alerts if s.action == Action.OVERDUE)),
            n=listing,
        )
    if items:
        enqueue_agency_notice(
            agency_id=agency_id,
            kind="supervision",
            key=f"supervision:{items[0].pk}",
            k=str(items[0].get_kind_display())
            if len({i.kind for i in items}) == 1
            else str(_("催办/督办单")),
            n="、".join(item.cases[0]["tracking_number"] for item in items[:50]),
            d=min(item.answer_due for item in items).isoformat(),
        )


# --- The reference: every open row, one case at a time -----------------------------------------------


def sweep_case_by_case(*, today: date | None = None) -> dict[str, list]:
    """The same sweep without the plan, the batches or bulk writes: every open row, every clock, each
    action through the ordinary services (issue_supervision, close_case). Slow; the tests' yardstick."""
    from cases.oversight.models import SupervisionItem
    from cases.oversight.services import issue_supervision
    from cases.services.review import close_case
    from config.errors import HallError

    today = today or hall_clock.today()
    calendar = current_calendar()
    result = SweepResult()
    issuer = _oversight()
    system = Actor.system()
    for row in CaseIndex.objects.filter(is_open=True).select_related("holder").order_by("case_uuid"):
        steps, _next = plan_row(row, today, calendar)
        for step in steps:
            if step.escalation and row.case_uuid in _hidden_from_oversight(issuer, [row.case_uuid]):
                continue
            if ClockAlert.objects.filter(
                case_uuid=row.case_uuid, clock=step.clock, due=step.due, action=step.action
            ).exists():
                continue
            if step.action == Action.CLOSED:
                try:
                    close_case(case_uuid=row.case_uuid, actor=system, today=today)
                except HallError:
                    result.skipped.append(row.tracking_number)
                    continue
                result.closed.append(row.tracking_number)
            elif step.escalation:
                rule = rule_name(step.clock, step.escalation)
                if SupervisionItem.objects.filter(auto_rule=rule, auto_case_uuid=row.case_uuid).exists():
                    continue
                issue_supervision(
                    actor=system,
                    agency=row.holder,
                    case_uuids=[row.case_uuid],
                    kind=step.escalation.kind,
                    message=f"{row.tracking_number} {step.clock} {step.due}",
                    answer_due=calendar.add_working_days(today, step.escalation.answer_working_days),
                    auto_rule=rule,
                    today=today,
                )
                (result.orders if step.escalation.kind == "order" else result.reminders).append(
                    row.tracking_number
                )
            ClockAlert.objects.create(
                case_uuid=row.case_uuid,
                holder_id=row.holder_id,
                clock=step.clock,
                due=step.due,
                action=step.action,
                on=today,
            )
            result.alerts.append((row.tracking_number, step.clock, step.action))
    return result.as_dict()


def alert_rows(case_uuids: Any = None) -> set[tuple]:
    """Every ClockAlert as (case_uuid, clock, due, action): what the two sweeps are compared by."""
    rows = ClockAlert.objects.all()
    if case_uuids is not None:
        rows = rows.filter(case_uuid__in=case_uuids)
    return set(rows.values_list("case_uuid", "clock", "due", "action"))
