"""Reading a year's calendar file: the State Council's holiday notice in the shape of data/cn-2026.json.

    {"year": 2026, "source": "...",
     "holidays": [["2026-10-01", "2026-10-07", "国庆节 National Day"], ...],
     "make_up_working_days": ["2026-10-10", ...]}

A make-up day may also be given as ``["2026-10-10", "国庆节调休上班"]``. Pure functions without models, so
the data migration can use them with its historical model.
"""

import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from config.errors import HallError

HOLIDAY = "holiday"
WORKDAY = "workday"
NAME_MAX_LENGTH = 60
# The longest official holiday block so far is 9 days (Spring Festival 2026); a longer span is a typo.
MAX_HOLIDAY_SPAN_DAYS = 31


class CalendarFileError(HallError):
    code = "calendar_file_invalid"


@dataclass(frozen=True)
class CalendarEntry:
    date: date
    kind: str
    name: str


@dataclass(frozen=True)
class CalendarFile:
    year: int
    source: str
    entries: tuple[CalendarEntry, ...]


def read_calendar_file(path: str | Path) -> CalendarFile:
    """Read and check a calendar file; raise CalendarFileError saying what is wrong and where."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CalendarFileError(_("找不到日历文件：%(path)s") % {"path": path}) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CalendarFileError(
            _("无法读取日历文件 %(path)s：%(error)s") % {"path": path, "error": exc}
        ) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CalendarFileError(
            _("日历文件不是有效的 JSON（第 %(line)s 行第 %(column)s 列）：%(error)s")
            % {"line": exc.lineno, "column": exc.colno, "error": exc.msg}
        ) from None
    return parse_calendar(data)


def parse_calendar(data: Any) -> CalendarFile:
    if not isinstance(data, dict):
        raise CalendarFileError(_("日历文件的顶层必须是一个 JSON 对象。"))
    year = data.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or not 1949 < year < 3000:
        raise CalendarFileError(_("“year” 必须是四位数的年份。"))
    source = data.get("source", "")
    if not isinstance(source, str):
        raise CalendarFileError(_("“source” 必须是文字。"))
    # A holiday block may reach into the neighbouring year (元旦 2023 began on 2022-12-31).
    earliest, latest = date(year - 1, 12, 1), date(year + 1, 1, 31)

    entries: dict[date, CalendarEntry] = {}

    def add(entry: CalendarEntry, where: str) -> None:
        if not earliest <= entry.date <= latest:
            raise CalendarFileError(
                _("%(where)s：日期 %(date)s 不在 %(year)s 年内。")
                % {"where": where, "date": entry.date.isoformat(), "year": year}
            )
        if entry.date in entries:
            raise CalendarFileError(
                _("%(where)s：日期 %(date)s 出现了不止一次。")
                % {"where": where, "date": entry.date.isoformat()}
            )
        entries[entry.date] = entry

    holidays = data.get("holidays")
    if not isinstance(holidays, list):
        raise CalendarFileError(_("“holidays” 必须是列表，每项为 [开始日期, 结束日期, 名称]。"))
    blocks: list[tuple[date, date, str]] = []
    for index, item in enumerate(holidays, start=1):
        where = _("holidays 第 %(index)s 项") % {"index": index}
        if not isinstance(item, list) or len(item) != 3:
            raise CalendarFileError(_("%(where)s：应为 [开始日期, 结束日期, 名称]。") % {"where": where})
        start, end, name = (
            _parse_date(item[0], where),
            _parse_date(item[1], where),
            _parse_name(item[2], where),
        )
        if end < start:
            raise CalendarFileError(_("%(where)s：结束日期早于开始日期。") % {"where": where})
        if (end - start).days >= MAX_HOLIDAY_SPAN_DAYS:
            raise CalendarFileError(
                _("%(where)s：假期超过 %(days)s 天，请检查日期。")
                % {"where": where, "days": MAX_HOLIDAY_SPAN_DAYS}
            )
        blocks.append((start, end, name))
        day = start
        while day <= end:
            add(CalendarEntry(day, HOLIDAY, name), where)
            day += timedelta(days=1)

    make_up = data.get("make_up_working_days", [])
    if not isinstance(make_up, list):
        raise CalendarFileError(_("“make_up_working_days” 必须是日期列表。"))
    for index, item in enumerate(make_up, start=1):
        where = _("make_up_working_days 第 %(index)s 项") % {"index": index}
        if isinstance(item, list) and len(item) == 2:
            day, name = _parse_date(item[0], where), _parse_name(item[1], where)
        else:
            day = _parse_date(item, where)
            name = _make_up_name(day, blocks)
        if day.weekday() < 5:
            raise CalendarFileError(
                _("%(where)s：%(date)s 不是周六或周日，调休上班日只能是周末。")
                % {"where": where, "date": day.isoformat()}
            )
        add(CalendarEntry(day, WORKDAY, name), where)

    return CalendarFile(
        year=year, source=source, entries=tuple(sorted(entries.values(), key=lambda e: e.date))
    )


def _parse_date(value: Any, where: str) -> date:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise CalendarFileError(
        _("%(where)s：“%(value)s” 不是 YYYY-MM-DD 格式的日期。") % {"where": where, "value": value}
    )


def _parse_name(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise CalendarFileError(_("%(where)s：名称不能为空。") % {"where": where})
    if len(value.strip()) > NAME_MAX_LENGTH:
        raise CalendarFileError(
            _("%(where)s：名称不能超过 %(max)s 个字符。") % {"where": where, "max": NAME_MAX_LENGTH}
        )
    return value.strip()


def _make_up_name(day: date, blocks: list[tuple[date, date, str]]) -> str:
    """Name a make-up day after the holiday it lengthens: the nearest block of the year."""
    if not blocks:
        return "调休上班"

    def distance(block: tuple[date, date, str]) -> int:
        start, end, _name = block
        return min(abs((start - day).days), abs((end - day).days))

    nearest = min(blocks, key=distance)[2]
    return f"{nearest}（调休上班）"[:NAME_MAX_LENGTH]
