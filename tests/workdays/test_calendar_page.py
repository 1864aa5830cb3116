"""The staff page that keeps the calendar (/calendar/ in the bureau's and the oversight body's workspaces)."""

from datetime import date

import pytest
from django.conf import settings

from accounts.models import Role
from tests.conftest import make_staff
from workdays import rules
from workdays.models import CalendarDay

pytestmark = pytest.mark.django_db

URL = "/calendar/"


@pytest.fixture
def bureau_admin(bureau):
    return make_staff("admin@xfj.test", bureau, Role.ADMIN)


@pytest.fixture
def oversight_leader(oversight):
    return make_staff("leader@dcs.test", oversight, Role.LEADER)


def test_admin_sees_the_years_days(host_client, bureau, bureau_admin):
    response = host_client(bureau, bureau_admin).get(URL, {"year": "2026"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "2026 年工作日历" in page
    assert "2026-10-01" in page and "国庆节 National Day" in page
    assert "2026-10-10" in page and "调休上班日" in page
    assert "2026 年共 39 个特殊日期" in page
    assert "尚未录入" not in page


def test_a_year_without_entries_is_flagged(host_client, bureau, bureau_admin):
    page = host_client(bureau, bureau_admin).get(URL, {"year": "2030"}).content.decode()
    assert "2030 年尚未录入节假日安排" in page


def test_admin_adds_a_holiday_and_deadlines_follow(host_client, bureau, bureau_admin):
    monday = date(2026, 3, 2)
    assert rules.is_working_day(monday)
    response = host_client(bureau, bureau_admin).post(
        URL, {"date": "2026-03-02", "kind": "holiday", "name": "临时假日"}, follow=True
    )
    assert response.redirect_chain == [("/calendar/?year=2026", 302)]
    assert "已添加 2026-03-02" in response.content.decode()
    day = CalendarDay.objects.get(date=monday)
    assert (day.kind, day.name, day.created_by) == ("holiday", "临时假日", bureau_admin)
    assert not rules.is_working_day(monday)


def test_leader_adds_a_make_up_day(host_client, bureau, bureau_leader):
    # 2026-03-07 is an ordinary Saturday.
    response = host_client(bureau, bureau_leader).post(
        URL, {"date": "2026-03-07", "kind": "workday", "name": "调休"}
    )
    assert response.status_code == 302
    assert rules.is_working_day(date(2026, 3, 7))


def test_the_oversight_body_may_keep_the_calendar_too(host_client, oversight, oversight_leader):
    client = host_client(oversight, oversight_leader)
    assert client.get(URL).status_code == 200
    response = client.post(URL, {"date": "2027-01-01", "kind": "holiday", "name": "元旦"})
    assert response.status_code == 302
    assert CalendarDay.objects.filter(date=date(2027, 1, 1)).exists()


def test_admin_deletes_a_day(host_client, bureau, bureau_admin):
    assert rules.is_working_day(date(2026, 10, 10))  # a make-up Saturday
    response = host_client(bureau, bureau_admin).post(f"{URL}2026-10-10/delete/", follow=True)
    assert response.redirect_chain == [("/calendar/?year=2026", 302)]
    assert "已删除 2026-10-10" in response.content.decode()
    assert not CalendarDay.objects.filter(date=date(2026, 10, 10)).exists()
    assert not rules.is_working_day(date(2026, 10, 10))  # an ordinary Saturday again


def test_deleting_a_day_that_is_not_there_says_so(host_client, bureau, bureau_admin):
    response = host_client(bureau, bureau_admin).post(f"{URL}2026-03-03/delete/", follow=True)
    assert "2026-03-03 不在日历中" in response.content.decode()
    assert host_client(bureau, bureau_admin).post(f"{URL}not-a-date/delete/").status_code == 404


def test_delete_needs_post(host_client, bureau, bureau_admin):
    assert host_client(bureau, bureau_admin).get(f"{URL}2026-10-10/delete/").status_code == 405
    assert CalendarDay.objects.filter(date=date(2026, 10, 10)).exists()


def test_a_handler_is_refused(host_client, bureau, clerk):
    client = host_client(bureau, clerk)
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"date": "2026-03-02", "kind": "holiday", "name": "x"}).status_code == 403
    assert client.post(f"{URL}2026-10-10/delete/").status_code == 403
    assert not CalendarDay.objects.filter(date=date(2026, 3, 2)).exists()
    assert CalendarDay.objects.filter(date=date(2026, 10, 10)).exists()


def test_a_supervisor_is_refused(host_client, oversight, supervisor):
    assert host_client(oversight, supervisor).get(URL).status_code == 403


def test_staff_of_another_agency_are_refused(host_client, bureau, admin_a, oversight_leader):
    # The admin of 公安局 and the leader of 督查 have no role in the bureau's workspace.
    for user in (admin_a, oversight_leader):
        client = host_client(bureau, user)
        assert client.get(URL).status_code == 403
        assert client.post(f"{URL}2026-10-10/delete/").status_code == 403
    assert CalendarDay.objects.filter(date=date(2026, 10, 10)).exists()


def test_a_departments_workspace_has_no_calendar_page(host_client, agency_a, admin_a, county):
    # The calendar is city-wide: a department's or county's own admin cannot change it.
    client = host_client(agency_a, admin_a)
    assert client.get(URL).status_code == 404
    assert client.post(URL, {"date": "2026-03-02", "kind": "holiday", "name": "x"}).status_code == 404
    assert not CalendarDay.objects.filter(date=date(2026, 3, 2)).exists()


def test_anonymous_is_sent_to_sign_in(host_client, bureau):
    response = host_client(bureau).get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/calendar/")
    assert host_client(bureau).post(f"{URL}2026-10-10/delete/").status_code == 302
    assert CalendarDay.objects.filter(date=date(2026, 10, 10)).exists()


def test_portal_has_no_calendar_page(portal_client):
    assert portal_client.get(URL).status_code == 404


@pytest.mark.parametrize(
    ("posted", "error"),
    [
        ({"date": "2026-13-40", "kind": "holiday", "name": "坏日期"}, "请输入有效的日期"),
        ({"date": "", "kind": "holiday", "name": "无日期"}, "请填写日期"),
        ({"date": "2026-03-03", "kind": "holiday", "name": "   "}, "请填写名称"),
        ({"date": "2026-03-03", "kind": "weekend", "name": "未知类型"}, "请选择节假日或调休上班日"),
        # Tuesday 2026-03-03 is a working day already.
        ({"date": "2026-03-03", "kind": "workday", "name": "周二调休"}, "调休上班日只能是周六或周日"),
        ({"date": "2026-10-01", "kind": "holiday", "name": "重复国庆"}, "2026-10-01 已在日历中"),
    ],
)
def test_bad_input_shows_an_error_and_keeps_the_input(host_client, bureau, bureau_admin, posted, error):
    count = CalendarDay.objects.count()
    response = host_client(bureau, bureau_admin).post(URL, posted)
    assert response.status_code == 400
    page = response.content.decode()
    assert error in page
    if posted["name"].strip():
        assert f'value="{posted["name"]}"' in page
    if posted["date"]:
        assert f'value="{posted["date"]}"' in page
    assert CalendarDay.objects.count() == count


def test_errors_follow_the_users_language(host_client, bureau, bureau_admin):
    client = host_client(bureau, bureau_admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(URL, {"date": "2026-03-03", "kind": "workday", "name": "Tuesday make-up"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "A make-up working day must be a Saturday or a Sunday" in page
    assert 'value="Tuesday make-up"' in page
    assert "Working-day calendar 2026" in client.get(URL, {"year": "2026"}).content.decode()
