"""The rest days of a year that staff have not entered: announced ones from the published schedule of
past years, or else the fixed statutory holidays, which make every deadline over that year provisional.

Each year the State Council announces its holiday arrangement (国务院办公厅关于某年部分节假日安排的通知),
with the make-up working days (调休) that lengthen the holidays; staff enter it (workdays.services). Until
they do, a year is counted with:

1. the arrangement already published, for the past years the ``chinesecalendar`` package carries
   (2004 to 2026 in version 1.11; its 2026 equals shared/calendar/cn-2026.json day for day, a test
   checks it). Those deadlines are final;
2. otherwise the days 全国年节及纪念日放假办法 (as amended by State Council decree 795 of 2024, in force
   since 2025-01-01) fixes for every year, art. 2: 元旦 1 January; 春节 four days, 除夕 (the eve) and
   the first three days of the first lunar month; 清明节 the day of the 清明 solar term; 劳动节 1 and
   2 May; 端午节 the 5th day of the 5th lunar month; 中秋节 the 15th day of the 8th lunar month; 国庆节
   1 to 3 October. Those deadlines are provisional: the announced arrangement adds make-up days and
   the 补假 of art. 6 (a holiday on a weekend is made up on a working day chosen by the notice), which
   no rule fixes in advance.

Lunar dates come from ``lunardate``; the 清明 solar term from ``chinese_calendar.get_solar_terms``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar
from chinese_calendar import constants as published
from lunardate import LunarDate

HOLIDAY = "holiday"
WORKDAY = "workday"
# The 2024 amendment (春节 and 劳动节 one day longer) applies from this year on.
AMENDED_SINCE = 2025

# chinese_calendar names its days in English; the hall shows them in Chinese as the notices do.
_PUBLISHED_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


@dataclass(frozen=True)
class YearDays:
    """One year's exceptions to the week, and whether they are final."""

    year: int
    holidays: dict[date, str]
    make_up_days: dict[date, str]
    provisional: bool


def _lunar(year: int, month: int, day: int) -> date:
    return LunarDate(year, month, day).to_solar_date()


def _qingming(year: int) -> date:
    # 清明 falls on 4, 5 or 6 April.
    terms = chinese_calendar.get_solar_terms(date(year, 4, 1), date(year, 4, 10))
    return next(day for day, name in terms if name == "清明")


def statutory_holidays(year: int) -> dict[date, str]:
    """The fixed holidays of 全国年节及纪念日放假办法 art. 2 (as amended 2024) in ``year``."""
    new_year = _lunar(year, 1, 1)
    days: dict[date, str] = {date(year, 1, 1): "元旦"}
    # 春节: 除夕 and 正月初一 to 初三 (four days since 2025; before, 初一 to 初三).
    first = -1 if year >= AMENDED_SINCE else 0
    for offset in range(first, 3):
        days[new_year + timedelta(days=offset)] = "春节"
    days[_qingming(year)] = "清明节"
    for day in range(1, 3 if year >= AMENDED_SINCE else 2):
        days[date(year, 5, day)] = "劳动节"
    days[_lunar(year, 5, 5)] = "端午节"
    # 中秋 may fall inside 国庆 (2025: 6 October); the day keeps the first name given.
    days.setdefault(_lunar(year, 8, 15), "中秋节")
    for day in range(1, 4):
        days.setdefault(date(year, 10, day), "国庆节")
    return {day: f"{name}（法定，暂定）" for day, name in sorted(days.items())}


def _published(year: int) -> YearDays | None:
    """The arrangement chinese_calendar carries for ``year``, or None for a year it does not know."""
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return None

    def named(days: dict[date, str]) -> dict[date, str]:
        return {
            day: _PUBLISHED_NAMES.get(name, name) for day, name in sorted(days.items()) if day.year == year
        }

    make_up = named(published.workdays)
    return YearDays(
        year,
        named(published.holidays),
        {day: f"{name}（调休上班）" for day, name in make_up.items()},
        provisional=False,
    )


@lru_cache(maxsize=64)
def year_days(year: int) -> YearDays:
    """The rest days of a year not entered by staff: published (final) or statutory (provisional)."""
    return _published(year) or YearDays(year, statutory_holidays(year), {}, provisional=True)
