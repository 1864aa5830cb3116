"""workdays.rules against the official 2026 calendar that the data migration loads.

Expected dates are worked out by hand from the 2026 notice (holidays 01-01..01-03, 02-15..02-23,
04-04..04-06, 05-01..05-05, 06-19..06-21, 09-25..09-27, 10-01..10-07; make-up working days 01-04 (Sun),
02-14 (Sat), 02-28 (Sat), 05-09 (Sat), 09-20 (Sun), 10-10 (Sat)) and the week (2026-01-01 is a Thursday).
"""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import transaction

from workdays import rules
from workdays.models import CalendarDay
from workdays.rules import DeadlineStatus, WorkCalendar

pytestmark = pytest.mark.django_db


def test_the_data_migration_loads_the_2026_notice():
    # 3 + 9 + 3 + 5 + 3 + 3 + 7 holiday days, 6 make-up days.
    assert CalendarDay.objects.filter(date__year=2026, kind="holiday").count() == 33
    assert CalendarDay.objects.filter(date__year=2026, kind="workday").count() == 6
    assert CalendarDay.objects.get(date=date(2026, 10, 3)).name == "国庆节 National Day"
    assert "春节" in CalendarDay.objects.get(date=date(2026, 2, 14)).name


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 3, 9), True),  # an ordinary Monday
        (date(2026, 3, 7), False),  # an ordinary Saturday
        (date(2026, 3, 8), False),  # an ordinary Sunday
        (date(2026, 10, 1), False),  # National Day, a Thursday
        (date(2026, 10, 3), False),  # a Saturday inside the National Day holiday
        (date(2026, 10, 8), True),  # the Thursday after it
        (date(2026, 10, 10), True),  # a Saturday worked as a make-up day
        (date(2026, 10, 11), False),  # the Sunday after it rests as usual
        (date(2026, 1, 4), True),  # a Sunday worked as a make-up day for New Year
        (date(2026, 2, 23), False),  # the Monday that ends the Spring Festival holiday
        # 2027 is not entered yet: its statutory holidays still count (元旦, a Friday), provisionally.
        (date(2027, 1, 1), False),
        (date(2027, 1, 4), True),  # the Monday after: no 调休 is known before the notice
    ],
)
def test_is_working_day(day, working):
    assert rules.is_working_day(day) is working


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        # 09-16 + 15 = 10-01, National Day; 10-01..10-07 rest, so the period ends on Thursday 10-08.
        (date(2026, 9, 16), 15, date(2026, 10, 8)),
        # 09-20 + 15 = 10-05, inside the holiday: also 10-08.
        (date(2026, 9, 20), 15, date(2026, 10, 8)),
        # 09-26 + 15 = Sunday 10-11, a rest day: rolls to Monday 10-12.
        (date(2026, 9, 26), 15, date(2026, 10, 12)),
        # 09-25 + 15 = Saturday 10-10, a make-up working day: does not roll.
        (date(2026, 9, 25), 15, date(2026, 10, 10)),
        # 03-02 + 15 = Tuesday 03-17, an ordinary working day.
        (date(2026, 3, 2), 15, date(2026, 3, 17)),
        # 03-06 + 15 = Saturday 03-21, an ordinary weekend: rolls to Monday 03-23.
        (date(2026, 3, 6), 15, date(2026, 3, 23)),
        # 02-01 + 15 = 02-16, Spring Festival (02-15..02-23): rolls to Tuesday 02-24.
        (date(2026, 2, 1), 15, date(2026, 2, 24)),
        # 02-13 + 15 = Saturday 02-28, a make-up day: stays.
        (date(2026, 2, 13), 15, date(2026, 2, 28)),
        # 2025-12-17 + 15 = 2026-01-01; 01-01..01-03 rest; Sunday 01-04 is a make-up working day.
        (date(2025, 12, 17), 15, date(2026, 1, 4)),
        # 60-day handling period: 08-02 + 29 = 08-31, + 30 = 09-30, + 1 = 10-01 -> rolls to 10-08.
        (date(2026, 8, 2), 60, date(2026, 10, 8)),
        # The starting day itself may be a rest day: only the last day matters. 10-03 + 30 = 11-02, Monday.
        (date(2026, 10, 3), 30, date(2026, 11, 2)),
    ],
)
def test_period_end_counts_calendar_days_and_rolls_past_rest_days(start, days, expected):
    assert rules.period_end(start, days) == expected


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        # From Thursday 02-12: 02-13 Fri (1), 02-14 make-up Sat (2), 02-15..02-23 holiday,
        # 02-24 Tue (3), 02-25 (4), 02-26 Thu (5).
        (date(2026, 2, 12), 5, date(2026, 2, 26)),
        # From Tuesday 02-24: 02-25 (1), 02-26 (2), 02-27 Fri (3), 02-28 make-up Sat (4), Sunday 03-01 rests,
        # 03-02 Mon (5).
        (date(2026, 2, 24), 5, date(2026, 3, 2)),
        # Receipt on 09-30 (objection window, art. 23): 10-08 (1), 10-09 (2), 10-10 make-up Sat (3),
        # 10-12 Mon (4), 10-13 Tue (5).
        (date(2026, 9, 30), 5, date(2026, 10, 13)),
        # Starting inside the holiday: the first working day after it is 02-24.
        (date(2026, 2, 20), 1, date(2026, 2, 24)),
        # An ordinary week: Friday 03-06 -> 03-09, 10, 11, 12, 13.
        (date(2026, 3, 6), 5, date(2026, 3, 13)),
        (date(2026, 3, 6), 0, date(2026, 3, 6)),
    ],
)
def test_add_working_days_skips_rest_days_and_counts_make_up_days(start, days, expected):
    assert rules.add_working_days(start, days) == expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2026, 2, 12), date(2026, 2, 26), 5),  # the Spring Festival example above
        (date(2026, 2, 26), date(2026, 2, 12), -5),  # reversed
        (date(2026, 2, 15), date(2026, 2, 23), 0),  # nothing but holiday after the 15th
        (date(2026, 10, 10), date(2026, 10, 10), 0),  # the start day is never counted
        (date(2026, 10, 9), date(2026, 10, 10), 1),  # ... but a make-up day at the end is
        # A whole year: 261 weekdays (52 weeks + Thursday 12-31), less 19 holidays on weekdays
        # (2 + 6 + 1 + 3 + 1 + 1 + 5), plus 6 make-up days = 248.
        (date(2025, 12, 31), date(2026, 12, 31), 248),
    ],
)
def test_working_days_between(start, end, expected):
    assert rules.working_days_between(start, end) == expected


@pytest.mark.parametrize("bad", [-1, 1.5, "5", True])
def test_a_period_must_be_a_whole_number_of_days(bad):
    with pytest.raises(ValueError, match="whole number"):
        rules.period_end(date(2026, 3, 2), bad)
    with pytest.raises(ValueError, match="whole number"):
        rules.add_working_days(date(2026, 3, 2), bad)


DUE = date(2026, 10, 8)


@pytest.mark.parametrize(
    ("today", "completed_on", "soon_days", "expected"),
    [
        (date(2026, 10, 20), date(2026, 10, 8), 3, DeadlineStatus.MET),  # done on the last day
        (date(2026, 10, 20), date(2026, 9, 1), 3, DeadlineStatus.MET),  # done early
        (date(2026, 10, 20), date(2026, 10, 9), 3, DeadlineStatus.MET_LATE),  # one day late
        (date(2026, 10, 5), date(2026, 10, 9), 3, DeadlineStatus.MET_LATE),  # completion decides, not today
        (date(2026, 10, 9), None, 3, DeadlineStatus.OVERDUE),  # open after 24:00 on the due date
        (date(2026, 10, 8), None, 3, DeadlineStatus.DUE_SOON),  # open on the last day
        (date(2026, 10, 5), None, 3, DeadlineStatus.DUE_SOON),  # 3 days left
        (date(2026, 10, 4), None, 3, DeadlineStatus.RUNNING),  # 4 days left
        (date(2026, 10, 7), None, 0, DeadlineStatus.RUNNING),  # no warning window
        (date(2026, 10, 8), None, 0, DeadlineStatus.DUE_SOON),
    ],
)
def test_deadline_status(today, completed_on, soon_days, expected):
    assert rules.deadline_status(DUE, today=today, completed_on=completed_on, soon_days=soon_days) == expected


def test_deadline_status_labels_are_chinese_by_default():
    assert str(DeadlineStatus.OVERDUE.label) == "已逾期"
    assert str(DeadlineStatus.MET_LATE.label) == "逾期完成"


def test_days_left():
    assert rules.days_left(DUE, today=date(2026, 10, 5)) == 3
    assert rules.days_left(DUE, today=DUE) == 0
    assert rules.days_left(DUE, today=date(2026, 10, 10)) == -2


@time_machine.travel(datetime(2026, 10, 7, 17, 30, tzinfo=UTC), tick=False)
def test_local_today_is_the_date_in_shanghai(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    # 17:30 UTC on 10-07 is 01:30 on 10-08 in Shanghai (UTC+8): the 10-07 deadline has passed there.
    assert rules.local_today() == date(2026, 10, 8)
    assert rules.deadline_status(date(2026, 10, 7), today=rules.local_today()) == DeadlineStatus.OVERDUE


def test_a_snapshot_answers_without_the_database():
    calendar = WorkCalendar.from_days([(date(2027, 1, 1), "holiday"), (date(2027, 1, 9), "workday")])
    assert not calendar.is_working_day(date(2027, 1, 1))  # Friday, holiday
    assert calendar.is_working_day(date(2027, 1, 9))  # Saturday, make-up
    assert calendar.covers(2027) and not calendar.covers(2028)
    # Thursday 2026-12-31 + 1 = Friday 2027-01-01, a holiday; weekend follows; Monday 01-04.
    assert calendar.period_end(date(2026, 12, 31), 1) == date(2027, 1, 4)


# --- the calendar kept in memory -------------------------------------------------------------------


def test_saving_or_deleting_a_day_is_seen_at_once():
    monday = date(2026, 3, 2)
    assert rules.is_working_day(monday)
    assert rules.period_end(date(2026, 2, 15), 15) == monday  # 02-15 + 15 = Monday 03-02

    day = CalendarDay.objects.create(date=monday, kind="holiday", name="临时假日")
    assert not rules.is_working_day(monday)
    assert rules.period_end(date(2026, 2, 15), 15) == monday + timedelta(days=1)

    day.kind = "workday"
    day.save()
    assert rules.is_working_day(monday)

    day.delete()
    assert rules.is_working_day(monday)
    assert not rules.is_working_day(date(2026, 10, 1))


def test_an_edit_made_by_another_process_is_seen_through_the_version_token():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    saturday = date(2026, 3, 7)
    assert not rules.is_working_day(saturday)  # warms this process's copy
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        assert not rules.is_working_day(saturday)
    selects = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    assert len(selects) == 1 and "workdays_calendarversion" in selects[0]  # the token check only

    # Another process writes with plain SQL (no signal fires here) and changes the token, as
    # bump_calendar_version does in its transaction.
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO workdays_calendarday (date, kind, name, created_at)"
            " VALUES (%s, 'workday', %s, now())",
            [saturday, "另一进程"],
        )
        cursor.execute("UPDATE workdays_calendarversion SET token = %s WHERE id = 1", ["other-process-token"])
    with transaction.atomic():  # the next unit of work (the test itself runs in one transaction)
        assert rules.is_working_day(saturday)


def test_one_atomic_block_reads_the_token_once_and_sees_its_own_edit():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    saturday = date(2026, 3, 7)
    with transaction.atomic():
        with CaptureQueriesContext(connection) as queries:
            assert not rules.is_working_day(saturday)
            assert rules.period_end(saturday, 15) == date(2026, 3, 23)
            assert not rules.is_working_day(saturday)
        tokens = [q["sql"] for q in queries.captured_queries if "workdays_calendarversion" in q["sql"]]
        assert len(tokens) == 1, tokens
        # An edit in the same block (bump_calendar_version) is seen by the block's next read.
        CalendarDay.objects.create(date=saturday, kind="workday", name="调休上班")
        assert rules.is_working_day(saturday)


def test_a_rolled_back_edit_does_not_linger_in_memory():
    from django.db import transaction

    monday = date(2026, 3, 2)
    with pytest.raises(RuntimeError), transaction.atomic():
        CalendarDay.objects.create(date=monday, kind="holiday", name="撤销")
        assert not rules.is_working_day(monday)  # cached under the new, uncommitted token
        raise RuntimeError("roll back")
    assert rules.is_working_day(monday)


def test_blocks_one_after_the_other_are_told_apart_even_at_the_same_address():
    """The per-block token check is keyed by the block itself: a block that ended is freed and the
    next one is often made at the same address, and keyed by its id() the new block looked like the
    one already checked, so an edit committed in between went unseen (the version-token test above
    failed so, now and then)."""
    keys = []
    with transaction.atomic():
        for _ in range(20):
            with transaction.atomic():
                keys.append(rules._transaction_key())
    assert None not in keys
    assert all(a != b for a, b in zip(keys, keys[1:], strict=False))
