"""Where a filing goes (tenants.models.filing_agency): kept per process for a few seconds, yet an
agency deactivated here is refused at once, an unknown code says what to fix, and no request shares
another's copy."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenants import models as tenants

pytest_plugins = ["tests.cases.conftest"]

PETITION = {
    "petition_type": "complaint",
    "title": "小区噪声扰民",
    "body": "楼下商铺每天深夜播放音乐，严重影响休息。",
}
UNKNOWN = "没有这个单位代码。"


def _file(client, **extra):
    return client.post("/api/v1/petitions/", data={**PETITION, **extra}, content_type="application/json")


def _agency_lookups(client, **extra) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert _file(client, **extra).status_code == 201
    return sum('FROM "tenants_agency"' in q["sql"] for q in captured.captured_queries)


def test_an_agency_is_looked_up_once_then_kept(portal_client, profiled_citizen, agency_a):
    portal_client.force_login(profiled_citizen)
    assert _agency_lookups(portal_client, agency=agency_a.code) == 1
    other = {"title": "另一件事：路灯不亮", "body": "门前的路灯坏了一个月，夜里出行很不方便。"}
    assert _agency_lookups(portal_client, agency=agency_a.code, **other) == 0


def test_an_agency_deactivated_here_takes_no_more_filings(portal_client, profiled_citizen, agency_a):
    portal_client.force_login(profiled_citizen)
    assert _file(portal_client, agency=agency_a.code).status_code == 201
    agency_a.is_active = False
    agency_a.save()
    refused = _file(portal_client, agency=agency_a.code, title="另一件事：路灯不亮")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "invalid_agency"


def test_an_unknown_code_names_the_field_in_the_users_language(portal_client, profiled_citizen):
    portal_client.force_login(profiled_citizen)
    error = _file(portal_client, agency="nosuch").json()["error"]
    assert error["code"] == "invalid_agency" and error["details"] == {"fields": {"agency": UNKNOWN}}
    english = portal_client.post(
        "/api/v1/petitions/",
        data={**PETITION, "agency": "nosuch"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    ).json()["error"]
    assert english["message"] != UNKNOWN and "没有" not in english["details"]["fields"]["agency"]
    assert "nosuch" not in tenants._kept_agencies  # a miss is never kept


def test_the_bureau_is_where_a_filing_without_a_code_goes(bureau):
    assert tenants.filing_agency("").pk == bureau.pk


def test_each_caller_gets_its_own_copy(agency_a):
    first = tenants.filing_agency(agency_a.code)
    first.name_zh = "changed by one request"
    second = tenants.filing_agency(agency_a.code)
    assert second is not first and second.name_zh == agency_a.name_zh
