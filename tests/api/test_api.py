"""The REST API: citizens reach only their own petitions, staff only their agency's cases."""

from cases import services
from cases.index.models import CaseIndex
from tests.cases.conftest import staff

pytest_plugins = ["tests.cases.conftest"]


def api(client, method, path, **data):
    call = getattr(client, method)
    return call(path, data=data, content_type="application/json") if method == "post" else call(path)


def test_a_citizen_files_and_lists_their_petitions(portal_client, profiled_citizen, bureau):
    portal_client.force_login(profiled_citizen)
    response = api(
        portal_client,
        "post",
        "/api/v1/petitions/",
        petition_type="complaint",
        title="小区噪声扰民",
        body="楼下商铺每天深夜播放音乐，严重影响休息，请查处。",
    )
    assert response.status_code == 201, response.content
    filed = response.json()
    assert filed["holder"] == bureau.code and filed["state"] == "submitted" and len(filed["query_code"]) == 8
    listed = api(portal_client, "get", "/api/v1/petitions/").json()
    assert listed["count"] == 1 and listed["next"] is None and listed["previous"] is None
    assert [row["tracking_number"] for row in listed["results"]] == [filed["tracking_number"]]
    detail = api(portal_client, "get", f"/api/v1/petitions/{filed['id']}/").json()
    assert detail["timeline"][0]["kind"] == "submitted" and detail["timeline"][0]["actor_name"] == ""
    assert "petitioner" not in detail


def test_filing_without_a_profile_says_what_to_do(portal_client, citizen):
    portal_client.force_login(citizen)
    response = api(
        portal_client,
        "post",
        "/api/v1/petitions/",
        petition_type="complaint",
        title="标题",
        body="足够长的信访内容，说明了事情经过。",
    )
    assert response.status_code == 403
    assert response.json()["error"] == {
        "code": "profile_required",
        "message": "请先完成实名登记，再提交信访事项。",
        "details": {},
    }


def test_bad_input_gets_one_error_shape(portal_client, profiled_citizen):
    portal_client.force_login(profiled_citizen)
    response = api(portal_client, "post", "/api/v1/petitions/", petition_type="nonsense", title="")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] and set(error["details"]) >= {"petition_type", "title", "body"}


def test_another_citizens_petition_is_not_found(portal_client, file_petition, other_citizen):
    result = file_petition()
    portal_client.force_login(other_citizen)
    response = api(portal_client, "get", f"/api/v1/petitions/{result.case_uuid}/")
    assert response.status_code == 404 and "小区物业" not in response.content.decode()
    assert api(portal_client, "get", "/api/v1/petitions/").json()["results"] == []
    refused = api(
        portal_client, "post", f"/api/v1/petitions/{result.case_uuid}/evaluation/", satisfaction="satisfied"
    )
    assert refused.status_code == 404


def test_anonymous_gets_nothing(portal_client, host_client, file_petition):
    result = file_petition()
    # 401 with a WWW-Authenticate challenge (no credentials), since the bearer-token scheme came in.
    for response in (
        api(portal_client, "get", "/api/v1/petitions/"),
        api(host_client("xfj"), "get", f"/api/v1/cases/{result.case_uuid}/"),
    ):
        assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Bearer")
        assert response.json()["error"]["code"] == "not_authenticated"


def test_staff_see_their_agencys_cases_only(
    host_client, file_petition, clerk, handler_a, handler_b, bureau, agency_a, citizen
):
    result = file_petition()
    services.forward_case(case_uuid=result.case_uuid, actor=staff(clerk, bureau), target=agency_a)
    mine = api(host_client(agency_a, handler_a), "get", "/api/v1/cases/").json()
    assert [row["id"] for row in mine["results"]] == [str(result.case_uuid)] and mine["count"] == 1
    detail = api(host_client(agency_a, handler_a), "get", f"/api/v1/cases/{result.case_uuid}/").json()
    assert detail["petitioner"]["id_number"] == "1101**********002X"
    assert api(host_client("zjj", handler_b), "get", "/api/v1/cases/").json()["results"] == []
    assert api(host_client("zjj", handler_b), "get", f"/api/v1/cases/{result.case_uuid}/").status_code == 404
    # staff of one agency on another's host, and a citizen on a workspace host, are refused outright
    assert api(host_client("zjj", handler_a), "get", "/api/v1/cases/").status_code == 403
    assert api(host_client(agency_a, citizen), "get", "/api/v1/cases/").status_code == 403


def test_staff_act_through_the_api(host_client, file_petition, clerk, handler_a, bureau, agency_a):
    result = file_petition()
    forwarded = api(
        host_client(bureau, clerk), "post", f"/api/v1/cases/{result.case_uuid}/forward/", target=agency_a.code
    )
    assert forwarded.status_code == 200 and forwarded.json() == {
        "id": str(result.case_uuid),
        "state": "transferred",
        "holder": agency_a.code,
    }
    accepted = api(host_client(agency_a, handler_a), "post", f"/api/v1/cases/{result.case_uuid}/accept/")
    assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"
    assert any(d["kind"] == "acceptance_notice" for d in accepted.json()["documents"])
    again = api(host_client(agency_a, handler_a), "post", f"/api/v1/cases/{result.case_uuid}/accept/")
    assert again.status_code == 409 and again.json()["error"]["code"] == "invalid_transition"
    assert CaseIndex.objects.get(case_uuid=result.case_uuid).state == "accepted"


def test_the_reported_unit_cannot_reach_a_report_through_the_api(
    host_client, file_petition, clerk, bureau, agency_b, handler_b
):
    report = file_petition(
        petition_type="report",
        title="检举住建局工作人员索贿",
        body="住建局某工作人员在办理业务时索要好处费，我有聊天记录为证。",
        reported_agency=agency_b.code,
    )
    detail = api(host_client(bureau, clerk), "get", f"/api/v1/cases/{report.case_uuid}/").json()
    assert detail["petitioner"]["name"] == services.PROTECTED_NAME and detail["petitioner"]["id_number"] == ""
    assert "张爱丽" not in str(detail)
    assert (
        api(host_client(agency_b, handler_b), "get", f"/api/v1/cases/{report.case_uuid}/").status_code == 404
    )
    refused = api(
        host_client(bureau, clerk), "post", f"/api/v1/cases/{report.case_uuid}/forward/", target=agency_b.code
    )
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "reported_agency"


def test_openapi_schema_describes_both_surfaces(portal_client, host_client):
    portal = portal_client.get("/api/schema/")
    assert portal.status_code == 200 and b"/api/v1/petitions/" in portal.content
    workspace = host_client("gaj").get("/api/schema/")
    assert workspace.status_code == 200 and b"/api/v1/cases/" in workspace.content
