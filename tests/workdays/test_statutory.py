"""Years that staff have not entered (workdays.statutory), on real dates.

2027 facts used (none announced yet): 2027-01-01 is a Friday; 春节 (正月初一) is Saturday 6 February, so
除夕 is Friday 5 February; 清明 is 5 April; 端午 9 June; 中秋 15 September.
"""

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from chinese_calendar import constants

from cases import clocks
from workdays import rules
from workdays.services import add_calendar_day
from workdays.statutory import statutory_holidays, year_days

pytestmark = pytest.mark.django_db

CST = ZoneInfo("Asia/Shanghai")
SHARED_2026 = Path(__file__).resolve().parents[3] / "shared" / "calendar" / "cn-2026.json"
PROJECT_2026 = Path(__file__).resolve().parents[2] / "platform" / "workdays" / "data" / "cn-2026.json"


def at(y, m, d, hh=10):
    return datetime(y, m, d, hh, tzinfo=CST)


def _file_days(path: Path) -> tuple[set[date], set[date]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    holidays = set()
    for start, end, _name in data["holidays"]:
        day = date.fromisoformat(start)
        while day <= date.fromisoformat(end):
            holidays.add(day)
            day += timedelta(days=1)
    make_up = {date.fromisoformat(d if isinstance(d, str) else d[0]) for d in data["make_up_working_days"]}
    return holidays, make_up


def test_chinesecalendar_2026_equals_the_official_file_day_for_day():
    path = SHARED_2026 if SHARED_2026.exists() else PROJECT_2026
    holidays, make_up = _file_days(path)
    assert {d for d in constants.holidays if d.year == 2026} == holidays
    assert {d for d in constants.workdays if d.year == 2026} == make_up
    # And the package's year as the hall reads it.
    published = year_days(2026)
    assert not published.provisional
    assert set(published.holidays) == holidays and set(published.make_up_days) == make_up


@pytest.mark.parametrize("year", [2025, 2026])
def test_the_statutory_rule_finds_every_fixed_holiday_of_the_announced_years(year):
    # 全国年节及纪念日放假办法 (2024): the days it fixes are all rest days of the announced arrangement.
    fixed = statutory_holidays(year)
    assert len(fixed) == 13  # 1 + 4 + 1 + 2 + 1 + 1 + 3
    assert all(chinese_calendar.is_holiday(day) for day in fixed)


def test_2027_statutory_holidays():
    days = year_days(2027)
    assert days.provisional and not days.make_up_days
    assert sorted(days.holidays) == [
        date(2027, 1, 1),  # 元旦
        date(2027, 2, 5),  # 除夕
        date(2027, 2, 6),  # 正月初一
        date(2027, 2, 7),
        date(2027, 2, 8),  # 初三
        date(2027, 4, 5),  # 清明
        date(2027, 5, 1),
        date(2027, 5, 2),  # 劳动节
        date(2027, 6, 9),  # 端午
        date(2027, 9, 15),  # 中秋
        date(2027, 10, 1),
        date(2027, 10, 2),
        date(2027, 10, 3),  # 国庆
    ]
    assert "春节" in days.holidays[date(2027, 2, 5)]


def test_a_january_2027_deadline_skips_new_years_day():
    # Filed on Thursday 2026-12-17: + 15 days = Friday 2027-01-01, 元旦; Saturday and Sunday follow:
    # the routing period ends on Monday 2027-01-04 (it counted 01-01 as a working day before).
    assert clocks.routing_due(at(2026, 12, 17)) == date(2027, 1, 4)
    assert clocks.acceptance_due(at(2026, 12, 17)) == date(2027, 1, 4)
    # Received on Monday 2026-12-28: 5 working days are 12-29, 12-30, 12-31, (元旦) 01-04, 01-05.
    assert clocks.objection_due(at(2026, 12, 28)) == date(2027, 1, 5)
    assert rules.is_provisional(date(2027, 1, 4)) and not rules.is_provisional(date(2026, 12, 31))


def test_a_spring_festival_2027_deadline():
    # Received on Thursday 2027-01-21: + 15 days = Friday 02-05, 除夕; 02-05..02-08 rest: Tuesday 02-09.
    assert clocks.acceptance_due(at(2027, 1, 21)) == date(2027, 2, 9)
    # Accepted on 2026-12-08: + 60 days = Saturday 2027-02-06 (初一): the period ends on Tuesday 02-09.
    assert clocks.handling_due(at(2026, 12, 8)) == date(2027, 2, 9)


def test_entering_the_year_makes_it_final(bureau_leader):
    assert rules.is_provisional(date(2027, 1, 4))
    add_calendar_day(day=date(2027, 1, 1), kind="holiday", name="元旦", acting_user=bureau_leader)
    assert not rules.is_provisional(date(2027, 1, 4))
    assert rules.current_calendar().confirmed(2027)
    # What staff entered is the whole year now: 除夕 is an ordinary Friday until they enter it.
    assert rules.is_working_day(date(2027, 2, 5))


def test_a_past_year_uses_the_published_arrangement():
    # 2025: 春节 28 Jan – 4 Feb, with Sunday 26 Jan and Saturday 8 Feb worked (not in the database).
    assert not rules.is_working_day(date(2025, 2, 4))
    assert rules.is_working_day(date(2025, 1, 26))
    assert not rules.is_provisional(date(2025, 2, 4))
