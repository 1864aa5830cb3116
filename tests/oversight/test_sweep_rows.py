"""What the batched sweep relies on to stay cheap per row: the narrow rows it locks (``SweptRow``) plan
exactly as the index's model rows do, and the alert insert reports which of the batch's actions were new
by their positions."""

import uuid
from datetime import date

import pytest
from django.db import transaction

from cases.index.models import CaseIndex, ClockAlert
from cases.services import sweep
from tests.oversight import test_sweep_clocks as hand_built
from workdays.rules import current_calendar

# The hand-built set around 春节 and its fixtures, shared with test_sweep_clocks.
AFTER_SPRING_FESTIVAL, DAYS = hand_built.AFTER_SPRING_FESTIVAL, hand_built.DAYS
the_set, with_supervision = hand_built.the_set, hand_built.with_supervision


def test_a_swept_row_plans_what_the_index_row_plans(with_supervision):
    rows = with_supervision
    calendar = current_calendar()
    watched = sweep.clocks()
    memo: dict = {}
    by_holder: dict[int, list[int]] = {}
    for row in rows.values():
        by_holder.setdefault(row.holder_id, []).append(row.pk)
    for day in (*DAYS, date(2026, 4, 28), date(2026, 5, 6)):
        for holder_id, ids in by_holder.items():
            with transaction.atomic():
                swept = sweep._lock_rows(holder_id, ids, watched)
            full = {r.pk: r for r in CaseIndex.objects.filter(pk__in=ids, is_open=True)}
            assert [r.pk for r in swept] == sorted(full, key=lambda pk: full[pk].case_uuid)
            for row in swept:
                index = full[row.pk]
                assert (row.case_uuid, row.tracking_number, row.supervision_due) == (
                    index.case_uuid,
                    index.tracking_number,
                    index.supervision_due,
                )
                assert sweep.plan_row(row, day, calendar, watched=watched, reminder_days=memo) == (
                    sweep.plan_row(index, day, calendar)
                ), (day, index.tracking_number)


def test_a_swept_row_has_no_column_it_did_not_read(with_supervision):
    row = with_supervision["handling"]
    with transaction.atomic():
        (swept,) = sweep._lock_rows(row.holder_id, [row.pk], sweep.clocks())
    assert swept.handling_due == row.handling_due
    # A rule that starts reading another column fails loudly here instead of reading None.
    with pytest.raises(AttributeError):
        _ = swept.title


def test_the_alert_insert_reports_the_new_ones_by_position(agency_a):
    one, two = uuid.uuid4(), uuid.uuid4()
    day = AFTER_SPRING_FESTIVAL
    first = [
        (one, agency_a.pk, "handling", date(2026, 2, 23), "overdue"),
        (two, agency_a.pk, "acceptance", date(2026, 2, 26), "reminded"),
    ]
    assert sorted(sweep._insert_alerts(first, day)) == [0, 1]
    again = [
        (two, agency_a.pk, "acceptance", date(2026, 2, 26), "reminded"),  # done already
        (one, agency_a.pk, "handling", date(2026, 2, 23), "reminder"),  # new: the 催办
        (one, agency_a.pk, "handling", date(2026, 2, 23), "overdue"),  # done already
    ]
    assert sweep._insert_alerts(again, day) == [1]
    assert sweep._insert_alerts([], day) == []
    assert ClockAlert.objects.filter(case_uuid__in=[one, two]).count() == 3
