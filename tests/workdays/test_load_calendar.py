"""`manage.py load_calendar` and workdays.calendar_file: loading another year's official notice."""

import json
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from workdays import rules
from workdays.models import CalendarDay

pytestmark = pytest.mark.django_db

SHIPPED_2026 = Path(__file__).resolve().parents[2] / "platform" / "workdays" / "data" / "cn-2026.json"

# A made-up 2027 notice in the official format (2027-01-01 is a Friday).
NOTICE_2027 = {
    "source": "test notice",
    "year": 2027,
    "holidays": [
        ["2027-01-01", "2027-01-03", "元旦"],
        ["2027-10-01", "2027-10-07", "国庆节"],
    ],
    "make_up_working_days": ["2027-09-26", ["2027-10-09", "国庆节调休上班"]],
}


def write(tmp_path: Path, data, name: str = "cn-2027.json") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def load(path: Path) -> str:
    out = StringIO()
    call_command("load_calendar", str(path), stdout=out)
    return out.getvalue()


def calendar_of(year: int) -> list[tuple[date, str, str]]:
    return list(CalendarDay.objects.filter(date__year=year).values_list("date", "kind", "name"))


def test_loading_a_year_adds_its_days_and_deadlines_follow(tmp_path):
    assert rules.is_working_day(date(2027, 10, 4))  # a Monday, before the notice is loaded
    output = load(write(tmp_path, NOTICE_2027))
    assert "12 added" in output  # 3 + 7 holiday days, 2 make-up days
    assert len(calendar_of(2027)) == 12
    assert CalendarDay.objects.get(date=date(2027, 10, 9)).name == "国庆节调休上班"
    # A bare make-up date is named after the nearest holiday (国庆节 starts 5 days after 09-26).
    assert CalendarDay.objects.get(date=date(2027, 9, 26)).name == "国庆节（调休上班）"
    assert not rules.is_working_day(date(2027, 10, 4))
    # 2027-09-16 + 15 = 10-01 (holiday); 10-01..10-07 rest -> Friday 10-08.
    assert rules.period_end(date(2027, 9, 16), 15) == date(2027, 10, 8)
    # 2027 is untouched by the load of other years and vice versa.
    assert len(calendar_of(2026)) == 39


def test_loading_the_same_file_twice_changes_nothing(tmp_path):
    path = write(tmp_path, NOTICE_2027)
    load(path)
    before = calendar_of(2027)
    output = load(path)
    assert "0 added, 0 updated, 0 removed, 12 unchanged" in output
    assert calendar_of(2027) == before


def test_the_shipped_2026_file_matches_what_the_migration_loaded():
    output = load(SHIPPED_2026)
    assert "0 added, 0 updated, 0 removed, 39 unchanged" in output


def test_a_corrected_notice_replaces_the_year(tmp_path):
    load(write(tmp_path, NOTICE_2027))
    corrected = {
        **NOTICE_2027,
        "holidays": [["2027-01-01", "2027-01-01", "元旦"], ["2027-10-01", "2027-10-07", "国庆"]],
    }
    output = load(write(tmp_path, corrected))
    # 01-02 and 01-03 go; the seven National Day days are renamed, and so is the bare make-up day 09-26
    # named after them; 01-01 and the explicitly named 10-09 stay.
    assert "0 added, 8 updated, 2 removed, 2 unchanged" in output
    assert not CalendarDay.objects.filter(date=date(2027, 1, 2)).exists()
    assert CalendarDay.objects.get(date=date(2027, 10, 3)).name == "国庆"
    assert rules.is_working_day(date(2027, 1, 2)) is False  # still a Saturday, now an ordinary one


def test_a_holiday_reaching_into_the_previous_year_is_accepted(tmp_path):
    notice = {"year": 2027, "holidays": [["2026-12-31", "2027-01-01", "元旦"]], "make_up_working_days": []}
    load(write(tmp_path, notice))
    assert CalendarDay.objects.get(date=date(2026, 12, 31)).name == "元旦"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"year": 2027, "holidays": [', "JSON"),
        ([2027], "JSON 对象"),
        ({"holidays": []}, "year"),
        ({"year": 2027}, "holidays"),
        ({"year": 2027, "holidays": [["2027-10-01", "2027-10-07"]]}, "holidays 第 1 项"),
        ({"year": 2027, "holidays": [["2027-10-01", "2027-13-07", "国庆节"]]}, "2027-13-07"),
        ({"year": 2027, "holidays": [["2027-10-07", "2027-10-01", "国庆节"]]}, "结束日期早于开始日期"),
        ({"year": 2027, "holidays": [["2027-10-01", "2027-10-07", ""]]}, "名称不能为空"),
        ({"year": 2027, "holidays": [["2028-10-01", "2028-10-07", "国庆节"]]}, "不在 2027 年内"),
        (
            {
                "year": 2027,
                "holidays": [["2027-10-01", "2027-10-07", "国庆节"], ["2027-10-07", "2027-10-08", "x"]],
            },
            "出现了不止一次",
        ),
        # 2027-10-11 is a Monday: already a working day.
        ({"year": 2027, "holidays": [], "make_up_working_days": ["2027-10-11"]}, "不是周六或周日"),
        ({"year": 2027, "holidays": [], "make_up_working_days": "2027-10-09"}, "make_up_working_days"),
    ],
)
def test_a_bad_file_is_refused_with_a_clear_error_and_nothing_changes(tmp_path, content, message):
    load(write(tmp_path, NOTICE_2027, "good.json"))
    before = calendar_of(2027)
    with pytest.raises(CommandError, match=message):
        load(write(tmp_path, content, "bad.json"))
    assert calendar_of(2027) == before


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(CommandError, match="找不到日历文件"):
        load(tmp_path / "nowhere.json")


def test_loading_is_all_or_nothing(tmp_path, monkeypatch):
    from workdays import services

    load(write(tmp_path, NOTICE_2027))
    before = calendar_of(2027)
    calls = {"n": 0}
    real_create = CalendarDay.objects.create

    def failing_create(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        return real_create(**kwargs)

    monkeypatch.setattr(services.CalendarDay.objects, "create", failing_create)
    notice = {**NOTICE_2027, "holidays": [["2027-05-01", "2027-05-05", "劳动节"]], "make_up_working_days": []}
    with pytest.raises(RuntimeError):
        load(write(tmp_path, notice, "partial.json"))
    assert calendar_of(2027) == before
