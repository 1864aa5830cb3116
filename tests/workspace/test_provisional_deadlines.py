"""Deadlines counted over a year not entered (2027, workdays.statutory) are marked 暂定 wherever staff
see them, and the bureau is alerted with the number of open cases affected until staff enter the year."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings

from cases.index.models import CaseIndex
from tests.conftest import HostClient
from tests.oversight.conftest import open_case
from tests.workspace.conftest import case_url
from workdays.services import add_calendar_day

CST = ZoneInfo("Asia/Shanghai")
ALERT = 'id="calendar-provisional"'


@pytest.fixture
def december():
    with time_machine.travel(datetime(2026, 12, 17, 10, tzinfo=CST), tick=False):
        yield


def test_deadlines_over_2027_are_provisional_and_the_bureau_is_alerted(
    december,
    file_petition,
    host_client,
    bureau,
    clerk,
    bureau_leader,
    agency_a,
    handler_a,
    oversight,
    supervisor,
):
    result = file_petition()
    # 2026-12-17 + 15 days = 2027-01-01 (元旦): Monday 2027-01-04.
    assert CaseIndex.objects.get(case_uuid=result.case_uuid).routing_due == date(2027, 1, 4)
    clerk_client = host_client(bureau, clerk)

    page = clerk_client.get(case_url(result)).content.decode()
    assert "2027-01-04" in page and "暂定" in page and 'id="provisional-note"' in page
    assert "暂定" in clerk_client.get("/inbox/").content.decode()
    home = clerk_client.get("/").content.decode()
    assert ALERT in home and "2027 年的节假日安排尚未录入" in home and "1 件在办信访件" in home
    assert "/calendar/?year=2027" not in home  # a handler does not keep the calendar
    assert "/calendar/?year=2027" in host_client(bureau, bureau_leader).get("/").content.decode()

    # Not the bureau: no alert about the city's cases; anonymous: the sign-in page, nothing else.
    assert ALERT not in host_client(agency_a, handler_a).get("/").content.decode()
    anonymous = host_client(bureau).get("/")
    assert anonymous.status_code == 302 and ALERT not in anonymous.content.decode()

    oversight_client = HostClient(f"{oversight.code}.{settings.HALL_DOMAIN}")
    oversight_client.force_login(supervisor)
    assert ALERT in oversight_client.get("/").content.decode()
    read = open_case(oversight_client, result.case_uuid, "检查期限计算").content.decode()
    assert "2027-01-04" in read and "暂定" in read
    found = oversight_client.get("/search/", {"text": "物业"}).content.decode()
    assert result.tracking_number in found and "暂定" in found

    # Staff enter 2027: the deadlines are final, the alert goes.
    add_calendar_day(day=date(2027, 1, 1), kind="holiday", name="元旦", acting_user=bureau_leader)
    assert ALERT not in clerk_client.get("/").content.decode()
    assert "暂定" not in clerk_client.get(case_url(result)).content.decode()


def test_a_2026_deadline_is_not_provisional(file_petition, host_client, bureau, clerk):
    with time_machine.travel(datetime(2026, 11, 2, 10, tzinfo=CST), tick=False):
        result = file_petition()
        client = host_client(bureau, clerk)
        page = client.get(case_url(result)).content.decode()
        assert "2026-11-17" in page and "暂定" not in page
        assert ALERT not in client.get("/").content.decode()
