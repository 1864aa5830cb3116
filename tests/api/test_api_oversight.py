"""The oversight API on the oversight host (api/oversight.py): index search, KPIs by agency and period,
reminders and supervision orders; the agency's side (its own items, answered once). Refused to
staff of other agencies, citizens and anonymous callers."""

from datetime import date, timedelta

import pytest
from django.conf import settings

from cases.index.models import CaseIndex
from config import clock
from tests.conftest import HostClient
from tests.oversight.conftest import local, make_index

pytest_plugins = ["tests.cases.conftest"]


@pytest.fixture(autouse=True)
def _files(local_storage):
    return local_storage


@pytest.fixture
def oversight_client(oversight, supervisor) -> HostClient:
    client = HostClient(_oversight_host(oversight))
    client.force_login(supervisor)
    return client


@pytest.fixture
def filed_a(file_petition, agency_a):
    result = file_petition(agency=agency_a, title="派出所办证拖延")
    return CaseIndex.objects.get(case_uuid=result.case_uuid)


def _oversight_host(oversight) -> str:
    return f"{oversight.code}.{settings.HALL_DOMAIN}"


def test_search_finds_cases_of_every_agency_masked_and_paginated(
    oversight_client, filed_a, file_petition, agency_b
):
    file_petition(
        agency=agency_b, title="派出所门前道路积水", body="门前道路积水多年未修，雨天无法通行，请处理。"
    )
    found = oversight_client.get("/api/v1/search/", {"text": "派出所"}).json()
    assert found["count"] == 2 and {r["holder"] for r in found["results"]} == {"gaj", "zjj"}
    row = next(r for r in found["results"] if r["tracking_number"] == filed_a.tracking_number)
    assert row["petitioner_name"] == "张某某" and "张爱丽" not in str(found)
    paged = oversight_client.get("/api/v1/search/", {"text": "派出所", "page_size": 1}).json()
    assert paged["count"] == 2 and len(paged["results"]) == 1 and paged["next"]
    assert oversight_client.get("/api/v1/search/", {"agency": "gaj"}).json()["count"] == 1
    assert (
        oversight_client.get("/api/v1/search/", {"tracking_number": filed_a.tracking_number}).json()["count"]
        == 1
    )
    assert oversight_client.get("/api/v1/search/", {"state": "nonsense"}).status_code == 400
    unknown = oversight_client.get("/api/v1/search/", {"agency": "nowhere"})
    assert unknown.status_code == 400 and unknown.json()["error"]["code"] == "invalid_agency"


def test_search_never_finds_a_report_against_the_viewers_own_unit(oversight_client, file_petition):
    # 信访局督查室 is part of the bureau: a report against the bureau is not the oversight office's to see.
    file_petition(
        petition_type="report",
        title="检举信访局工作人员泄露信息",
        body="信访局某工作人员把我的信访材料透露给被反映单位，请依法查处。",
        reported_agency="xfj",
    )
    assert oversight_client.get("/api/v1/search/", {"text": "检举"}).json()["count"] == 0


def test_kpis_by_agency_and_period(oversight_client, agency_a, agency_b):
    day = date(2026, 3, 10)
    make_index(
        agency_a,
        received_at=local(day),
        acceptance_due=day + timedelta(days=15),
        acceptance_decided_at=local(day + timedelta(days=2)),
        accepted_at=local(day + timedelta(days=2)),
        accepting_agency=agency_a,
    )
    data = oversight_client.get("/api/v1/kpis/", {"month": "2026-03", "sort": "timely_acceptance"}).json()
    assert (
        data["period"] == {"start": "2026-03-01", "end": "2026-03-31"} and data["sort"] == "timely_acceptance"
    )
    assert {k["key"] for k in data["kpis"]} >= {"timely_acceptance", "on_time_completion", "satisfaction"}
    assert all(k["formula"] for k in data["kpis"])
    top = data["results"][0]
    assert top["agency"] == "gaj" and top["rank"] == 1
    assert top["values"]["timely_acceptance"] == {"numerator": 1, "denominator": 1, "value": 100.0}
    assert data["city"]["timely_acceptance"]["denominator"] == 1
    assert data["count"] == 29  # every case-holding agency, 20 per page
    one = oversight_client.get("/api/v1/kpis/", {"month": "2026-03", "agency": "zjj"}).json()
    assert [r["agency"] for r in one["results"]] == ["zjj"] and one["results"][0]["values"][
        "timely_acceptance"
    ]["value"] is None
    ranged = oversight_client.get("/api/v1/kpis/", {"start": "2026-03-01", "end": "2026-03-15"}).json()
    assert ranged["period"] == {"start": "2026-03-01", "end": "2026-03-15"}
    assert oversight_client.get("/api/v1/kpis/", {"start": "2026-03-01"}).status_code == 400
    assert oversight_client.get("/api/v1/kpis/", {"month": "March"}).status_code == 400
    assert oversight_client.get("/api/v1/kpis/", {"sort": "popularity"}).status_code == 400


def test_supervision_issued_listed_and_answered_by_its_agency_only(
    oversight_client, filed_a, host_client, agency_a, handler_a, agency_b, handler_b, file_petition
):
    due = (clock.today() + timedelta(days=5)).isoformat()
    issued = oversight_client.post(
        "/api/v1/supervision/",
        {
            "kind": "reminder",
            "tracking_numbers": [filed_a.tracking_number],
            "message": "请加快办理。",
            "answer_due": due,
        },
        content_type="application/json",
    )
    assert issued.status_code == 201, issued.content
    item = issued.json()
    assert item["agency"] == "gaj" and item["tracking_numbers"] == [filed_a.tracking_number]
    assert item["answered_at"] is None and item["overdue"] is False
    listed = oversight_client.get("/api/v1/supervision/", {"status": "open"}).json()
    assert [r["id"] for r in listed["results"]] == [item["id"]]
    assert oversight_client.get("/api/v1/supervision/", {"agency": "zjj"}).json()["count"] == 0
    assert oversight_client.get("/api/v1/supervision/", {"status": "late"}).status_code == 400
    assert oversight_client.get(f"/api/v1/supervision/{item['id']}/").json()["message"] == "请加快办理。"
    # the agency it is addressed to reads and answers it; another agency finds nothing
    mine = host_client(agency_a, handler_a)
    assert [r["id"] for r in mine.get("/api/v1/supervision/").json()["results"]] == [item["id"]]
    other = host_client(agency_b, handler_b)
    assert other.get("/api/v1/supervision/").json()["count"] == 0
    assert other.get(f"/api/v1/supervision/{item['id']}/").status_code == 404
    denied = other.post(
        f"/api/v1/supervision/{item['id']}/", {"answer": "冒答"}, content_type="application/json"
    )
    assert denied.status_code == 404
    answered = mine.post(
        f"/api/v1/supervision/{item['id']}/", {"answer": "已于本周内办结。"}, content_type="application/json"
    )
    assert answered.status_code == 200 and answered.json()["answer"] == "已于本周内办结。"
    twice = mine.post(
        f"/api/v1/supervision/{item['id']}/", {"answer": "再答"}, content_type="application/json"
    )
    assert twice.status_code >= 400 and twice.json()["error"]["code"]
    assert oversight_client.get("/api/v1/supervision/", {"status": "answered"}).json()["count"] == 1
    # cases held by two agencies: one item per agency, so the API asks for them separately
    other_case = file_petition(
        agency=agency_b, title="小区违建", body="小区内有人私搭乱建，影响消防通道，请查处。"
    )
    mixed = oversight_client.post(
        "/api/v1/supervision/",
        {
            "kind": "order",
            "tracking_numbers": [
                filed_a.tracking_number,
                CaseIndex.objects.get(case_uuid=other_case.case_uuid).tracking_number,
            ],
            "message": "请限期办结。",
            "answer_due": due,
        },
        content_type="application/json",
    )
    assert mixed.status_code == 400 and mixed.json()["error"]["code"] == "several_agencies"
    unknown = oversight_client.post(
        "/api/v1/supervision/",
        {"kind": "order", "tracking_numbers": ["SMX-2026-999999"], "message": "x", "answer_due": due},
        content_type="application/json",
    )
    assert unknown.status_code == 404


def test_the_oversight_api_refuses_everyone_else(
    oversight, filed_a, host_client, handler_a, agency_a, citizen, supervisor
):
    host = _oversight_host(oversight)
    paths = ["/api/v1/search/?text=派出所", "/api/v1/kpis/", "/api/v1/supervision/"]
    callers = [HostClient(host)]
    for user in (handler_a, citizen):
        client = HostClient(host)
        client.force_login(user)
        callers.append(client)
    for client in callers:
        for path in paths:
            response = client.get(path)
            # anonymous: 401 (no credentials); signed in but not oversight staff: 403
            expected = 401 if client is callers[0] else 403
            assert response.status_code == expected, (path, response.status_code)
            assert filed_a.tracking_number not in response.content.decode()
    # not routed on an agency host at all; the oversight schema documents its own operations
    assert host_client(agency_a, handler_a).get("/api/v1/search/").status_code == 404
    # an agency's own supervision items: refused to anonymous callers, citizens and other agencies' staff
    assert host_client(agency_a).get("/api/v1/supervision/").status_code == 401  # no credentials
    for client in (host_client(agency_a, citizen), host_client(agency_a, supervisor)):
        assert client.get("/api/v1/supervision/").status_code == 403
    signed = HostClient(host)
    signed.force_login(supervisor)
    schema = signed.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/v1/kpis/" in schema.content
