"""Numbers from outside (forms, the API, query strings) past what the hall or the database can hold:
each is a 4xx that says what to fix, never a 500 (the integer column used to overflow)."""

import re

import pytest

from accounts.services import save_profile
from cases.index.models import CaseIndex
from cases.models import MAX_PEOPLE_COUNT
from config.errors import HallError
from tests.cases.conftest import VALID_ID
from tests.workspace.conftest import case_url

HUGE = str(10**12)
ENORMOUS = "9" * 30


@pytest.fixture
def profiled(citizen):
    save_profile(
        user=citizen, full_name="张爱丽", id_number=VALID_ID, phone="13800138000", address="湖滨区黄河路1号"
    )
    return citizen


def test_the_service_refuses_more_people_than_a_petition_can_speak_for(file_petition):
    with pytest.raises(HallError) as caught:
        file_petition(people_count=10**12)
    assert set(caught.value.details["fields"]) == {"people_count"}
    assert str(caught.value.details["fields"]["people_count"]) == "涉及人数不能超过100000人。"
    assert file_petition(people_count=MAX_PEOPLE_COUNT).created


@pytest.mark.parametrize("people_count", [10**12, 10**30, MAX_PEOPLE_COUNT + 1])
def test_the_api_refuses_a_huge_people_count_with_a_field_error(portal_client, profiled, people_count):
    portal_client.force_login(profiled)
    response = portal_client.post(
        "/api/v1/petitions/",
        {
            "petition_type": "request",
            "title": "村道塌方无人修复",
            "body": "村道去年雨季塌方，至今无人修复，群众出行困难，请求尽快修复。",
            "people_count": people_count,
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "people_count" in response.json()["error"]["details"]
    assert "100000" in str(response.json()["error"]["details"]["people_count"])
    assert not CaseIndex.objects.exists()


@pytest.mark.parametrize("people_count", [HUGE, ENORMOUS])
def test_the_portal_form_refuses_a_huge_people_count(portal_client, profiled, people_count):
    portal_client.force_login(profiled)
    form = portal_client.get("/file/").content.decode()
    submission_id = re.search(r'name="submission_id" value="([0-9a-f-]{36})"', form).group(1)
    response = portal_client.post(
        "/file/",
        {
            "submission_id": submission_id,
            "petition_type": "request",
            "title": "村道塌方无人修复",
            "body": "村道去年雨季塌方，至今无人修复，群众出行困难，请求尽快修复。",
            "people_count": people_count,
            "is_public": "0",
        },
    )
    assert response.status_code == 400 and "村道塌方无人修复" in response.content.decode()


@pytest.mark.parametrize("people_count", [HUGE, ENORMOUS])
def test_bureau_intake_refuses_a_huge_people_count_and_keeps_the_input(
    host_client, bureau, clerk, people_count
):
    response = host_client(bureau, clerk).post(
        "/intake/",
        {
            "channel": "visit",
            "petitioner_name": "王五",
            "petition_type": "request",
            "title": "申请解决孩子入学问题",
            "body": "我家孩子今年到了入学年龄，户口在本区却没有被分配学校，请求解决。",
            "people_count": people_count,
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "王五" in page and "申请解决孩子入学问题" in page
    assert not CaseIndex.objects.filter(title="申请解决孩子入学问题").exists()


@pytest.mark.parametrize("days", [HUGE, ENORMOUS, "-" + ENORMOUS])
def test_an_extension_of_a_huge_number_of_days_is_refused(host_client, agency_a, handler_a, accepted, days):
    response = host_client(agency_a, handler_a).post(
        case_url(accepted, "request_extension"), {"request_extension-days": days}
    )
    assert response.status_code == 400 and "延长期限为1至30日" in response.content.decode()


def test_the_api_refuses_a_huge_extension(host_client, agency_a, handler_a, accepted):
    response = host_client(agency_a, handler_a).post(
        f"/api/v1/cases/{accepted.case_uuid}/request-extension/",
        {"days": 10**30, "reason": "需要现场勘验"},
        content_type="application/json",
    )
    assert 400 <= response.status_code < 500


def test_huge_page_numbers_and_ids_in_query_strings(
    host_client, agency_a, handler_a, bureau, clerk, accepted
):
    client = host_client(agency_a, handler_a)
    for path, params in [
        ("/inbox/", {"page": ENORMOUS}),
        ("/inbox/", {"page": "-" + ENORMOUS}),
        (case_url(accepted), {"template": ENORMOUS}),
    ]:
        assert client.get(path, params).status_code == 200, (path, params)
    assert host_client(bureau, clerk).get("/queue/", {"page": ENORMOUS}).status_code == 200
    assert client.post(f"/settings/templates/{ENORMOUS}/delete/").status_code in (403, 404)


def test_huge_numbers_on_the_portal_and_the_oversight_pages(portal_client, host_client, supervisor, profiled):
    for path, params in [("/replies/", {"page": ENORMOUS}), ("/statistics/", {"start": ENORMOUS})]:
        assert portal_client.get(path, params).status_code in (200, 400), path
    portal_client.force_login(profiled)
    assert portal_client.get("/mine/", {"page": ENORMOUS}).status_code == 200
    assert portal_client.get("/inbox/", {"page": ENORMOUS}).status_code == 200
    oversight = host_client("dcs", supervisor)
    for params in ({"month": "9999-12"}, {"month": f"{ENORMOUS}-1"}, {"month": "2026-99"}):
        assert oversight.get("/kpis/", params).status_code in (200, 400), params


def test_the_api_refuses_an_assignment_deadline_it_cannot_count_with(
    host_client, bureau, clerk, agency_a, handler_a, queued
):
    response = host_client(bureau, clerk).post(
        f"/api/v1/cases/{queued.case_uuid}/forward/",
        {"target": agency_a.code, "mode": "assign", "assignment_due": "9999-12-31", "report_required": True},
        content_type="application/json",
    )
    assert 400 <= response.status_code < 500
    assert host_client(bureau, clerk).get(case_url(queued)).status_code == 200
