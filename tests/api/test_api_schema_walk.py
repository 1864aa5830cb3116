"""Walk each host's OpenAPI schema and call every operation as someone who must get nothing: staff of
another agency, another citizen, the anonymous. Each answer is a refusal in the one error shape (or,
for an operation about the caller themself, an answer that holds none of the victim's data).

The victim: a non-public petition by ``citizen``, held by agency A (公安局). Path parameters are
filled with its id, so "not found" here means the access helper hid an existing case.
"""

import json
import re
import uuid

import pytest
import yaml

from cases import services
from tests.api.conftest import bearer
from tests.cases.conftest import staff

pytest_plugins = ["tests.cases.conftest"]

REFUSALS = {401, 403, 404}
# Operations that answer about the caller, so a stranger gets 200 with their own (empty) data.
# Writes that touch only the caller's own rows (marking their own inbox read): they may answer 200.
CALLERS_OWN_WRITES = {("post", "/api/v1/notifications/read-all/")}
ABOUT_THE_CALLER = {("get", "/api/v1/whoami/"), ("get", "/api/v1/petitions/"), ("get", "/api/v1/cases/")}


def _schema(client) -> dict:
    response = client.get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def _operations(schema: dict):
    for path, item in schema["paths"].items():
        if not path.startswith("/api/") or path == "/api/schema/":
            continue  # the schema and /open311/ are public by design (the latter has its own tests)
        for method in ("get", "post", "put", "patch", "delete"):
            if method in item:
                yield method, path


def _fill(path: str, case_id) -> str:
    return re.sub(r"\{case_id\}", str(case_id), re.sub(r"\{(?!case_id)[^}]+\}", str(uuid.uuid4()), path))


def _call(client, method: str, path: str, **extra):
    call = getattr(client, method)
    if method in ("post", "put", "patch"):
        return call(path, data="{}", content_type="application/json", **extra)
    return call(path, **extra)


@pytest.fixture
def victim(file_petition, clerk, bureau, agency_a, citizen):
    result = file_petition(is_public=False)
    services.forward_case(case_uuid=result.case_uuid, actor=staff(clerk, bureau), target=agency_a)
    markers = [
        str(result.case_uuid),
        result.tracking_number,
        "小区物业违规收取停车费",
        str(citizen.uuid),
        citizen.email,
    ]
    return result, markers


def _assert_nothing_came_back(response, method, path, markers, who):
    text = response.content.decode()
    leaked = [marker for marker in markers if marker in text]
    assert not leaked, f"{who} {method.upper()} {path} got {leaked}"
    if (
        (method == "get" or (method, path) in CALLERS_OWN_WRITES)
        and "{" not in path
        and response.status_code == 200
    ):
        # A list or record about the caller (their petitions, cases, notifications, profile, ...):
        # theirs only, so it may answer, and must carry nothing of the victim's (checked above).
        data = response.json()
        if (method, path) in ABOUT_THE_CALLER:
            assert data == [] or data.get("results") == [] or "user" in data, (
                f"{who} {method.upper()} {path}: {data}"
            )
        return
    body = response.json()
    if method == "get" and response.status_code == 200 and "{case_id}" not in path:
        # The caller's own list under a key of theirs (a draft's uploads): empty, nothing of the victim.
        assert isinstance(body, dict) and body.get("results") == [], f"{who} GET {path}: {text}"
        return
    if response.status_code in (400, 415) and "{case_id}" not in path:
        pass  # a create with an empty or JSON body where a file is expected: refused for the input
    else:
        assert response.status_code in REFUSALS, (
            f"{who} {method.upper()} {path} -> {response.status_code}: {text}"
        )
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}, text


def test_no_agency_operation_gives_another_agencys_case_away(
    victim, host_client, agency_a, agency_b, handler_b, other_citizen
):
    result, markers = victim
    schema = _schema(host_client(agency_a))
    operations = list(_operations(schema))
    assert len(operations) > 20  # every workspace action has one
    from accounts import tokens
    from accounts.models import Membership

    Membership.objects.create(user=handler_b, agency=agency_b, role="admin")
    _, b_token = tokens.issue_agency_token(
        acting_user=handler_b, agency=agency_b, member=handler_b, name="b", scopes=["read", "act"]
    )
    callers = {
        "staff of B on A's host": host_client(agency_a, handler_b),
        "staff of B on B's host": host_client(agency_b, handler_b),
        "B's token on A's host": (host_client(agency_a), bearer(b_token)),
        "B's token on B's host": (host_client(agency_b), bearer(b_token)),
        "a citizen on A's host": host_client(agency_a, other_citizen),
        "anonymous on A's host": host_client(agency_a),
    }
    for who, caller in callers.items():
        client, extra = caller if isinstance(caller, tuple) else (caller, {})
        for method, path in operations:
            response = _call(client, method, _fill(path, result.case_uuid), **extra)
            _assert_nothing_came_back(response, method, path, markers, who)


def test_no_portal_operation_gives_another_citizens_petition_away(
    victim, portal_client, host_client, other_citizen, handler_a, citizen_token
):
    result, markers = victim
    schema = _schema(portal_client)
    operations = list(_operations(schema))
    from django.test import Client

    def signed_in(user):
        client = Client(HTTP_HOST=portal_client.host)
        client.force_login(user)
        return client

    callers = {
        "another citizen": signed_in(other_citizen),
        "another citizen's token": (
            Client(HTTP_HOST=portal_client.host),
            bearer(citizen_token(other_citizen)),
        ),
        "staff of the holding agency": signed_in(handler_a),
        "anonymous": Client(HTTP_HOST=portal_client.host),
    }
    for who, caller in callers.items():
        client, extra = caller if isinstance(caller, tuple) else (caller, {})
        for method, path in operations:
            response = _call(client, method, _fill(path, result.case_uuid), **extra)
            _assert_nothing_came_back(response, method, path, markers, who)


def test_no_oversight_operation_answers_outsiders(victim, host_client, handler_a, other_citizen):
    result, markers = victim
    schema = _schema(host_client("dcs"))
    for who, client in {
        "staff of an agency": host_client("dcs", handler_a),
        "a citizen": host_client("dcs", other_citizen),
        "anonymous": host_client("dcs"),
    }.items():
        for method, path in _operations(schema):
            response = _call(client, method, _fill(path, result.case_uuid))
            if (method, path) == ("get", "/api/v1/whoami/") and response.status_code == 200:
                assert json.loads(response.content)["roles"] == []
                continue
            _assert_nothing_came_back(response, method, path, markers, who)
