"""Every API error, whoever raises it (a service, DRF, Django's URL resolver, a crash, the body
guard), is one JSON shape with a stable code: {"error": {"code", "message", "details"}}."""

import pytest
from django.test import Client

pytest_plugins = ["tests.cases.conftest"]


def _shape(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code and body["error"]["message"]
    return body["error"]


def test_an_unknown_api_path_is_a_json_404_on_every_host(portal_client, host_client):
    for client in (portal_client, host_client("gaj"), host_client("dcs")):
        _shape(client.get("/api/no-such-thing/"), 404, "not_found")
        _shape(client.get("/api/v1/cases/not-a-uuid/"), 404, "not_found")
    # Pages elsewhere keep the HTML 404.
    assert portal_client.get("/no-such-page/")["Content-Type"].startswith("text/html")


def test_a_wrong_method_is_405(portal_client, citizen):
    portal_client.force_login(citizen)
    _shape(portal_client.delete("/api/v1/petitions/"), 405, "method_not_allowed")


def test_malformed_json_is_400(portal_client, citizen):
    portal_client.force_login(citizen)
    response = portal_client.post("/api/v1/petitions/", "{not json", content_type="application/json")
    _shape(response, 400, "parse_error")


def test_an_unsupported_content_type_is_415(portal_client, citizen):
    portal_client.force_login(citizen)
    response = portal_client.post("/api/v1/petitions/", "a=1", content_type="text/csv")
    _shape(response, 415, "unsupported_media_type")


def test_an_unacceptable_accept_header_is_406(portal_client, citizen):
    portal_client.force_login(citizen)
    _shape(portal_client.get("/api/v1/petitions/", HTTP_ACCEPT="image/png"), 406, "not_acceptable")


def test_a_body_over_the_limit_is_413_before_it_is_read(settings, portal_client, citizen):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    portal_client.force_login(citizen)
    body = '{"title": "' + "x" * 2000 + '"}'
    error = _shape(
        portal_client.post("/api/v1/petitions/", body, content_type="application/json"),
        413,
        "request_too_large",
    )
    assert error["details"] == {"max_bytes": 1000}


def test_missing_credentials_are_401_and_a_stranger_is_403(portal_client, host_client, citizen):
    _shape(portal_client.get("/api/v1/petitions/"), 401, "not_authenticated")
    _shape(host_client("gaj", citizen).get("/api/v1/cases/"), 403, "permission_denied")


def test_a_validation_error_names_the_fields(portal_client, citizen):
    from accounts.services import save_profile

    save_profile(
        user=citizen,
        full_name="张爱丽",
        id_number="11010519491231002X",
        phone="13800138000",
        address="三门峡市",
    )
    portal_client.force_login(citizen)
    error = _shape(
        portal_client.post("/api/v1/petitions/", {"title": ""}, content_type="application/json"),
        400,
        "invalid",
    )
    assert {"title", "body", "petition_type"} <= set(error["details"])


@pytest.fixture
def crashing_view(monkeypatch):
    from api import views

    def crash(self, request):
        raise RuntimeError("boom")

    monkeypatch.setattr(views.MyPetitions, "get", crash)


def test_a_crash_is_a_json_500_that_tells_nothing(crashing_view, citizen):
    from django.conf import settings

    client = Client(HTTP_HOST=settings.HALL_DOMAIN, raise_request_exception=False)
    client.force_login(citizen)
    error = _shape(client.get("/api/v1/petitions/"), 500, "server_error")
    assert "boom" not in error["message"] and error["details"] == {}
