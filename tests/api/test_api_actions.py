"""The API's per-action operations (api/actions.py): every workspace action is an operation of its own,
with its own documented request body, under the same snake_case name; the errors are the service's."""

import yaml

from cases import actions, procedure
from cases.index.models import CaseIndex
from cases.workspace.case_views import ACTIONS
from tests.cases.conftest import load_case

pytest_plugins = ["tests.cases.conftest"]

REPLY = "经调查核实，物业公司多收的停车费已责令退还，并对其进行了约谈。"


def _schema(client) -> dict:
    response = client.get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def _request_schema(schema: dict, operation: dict) -> dict:
    content = operation["requestBody"]["content"]
    ref = next(iter(content.values()))["schema"]["$ref"]
    return schema["components"]["schemas"][ref.rsplit("/", 1)[1]]


def test_every_workspace_action_has_an_api_operation_with_its_own_request_body(host_client):
    schema = _schema(host_client("gaj"))
    bodies = {}
    for name in ACTIONS:
        path = f"/api/v1/cases/{{case_id}}/actions/{name}/"
        assert path in schema["paths"], f"no API operation for the workspace action {name}"
        operation = schema["paths"][path]["post"]
        assert operation["operationId"] == f"case_action_{name}"
        assert "requestBody" in operation, name
        body = next(iter(operation["requestBody"]["content"].values()))["schema"]
        if "$ref" in body:
            bodies[name] = body["$ref"]
        else:  # an action that takes no input documents an empty object
            assert body["type"] == "object" and body["properties"] == {}, name
        assert {"400", "403", "404", "409"} <= set(operation["responses"]), name
    assert len(set(bodies.values())) == len(bodies), "each action documents a request body of its own"
    # The body documents the action's input: e.g. merge takes the tracking number to merge into.
    merge = _request_schema(schema, schema["paths"]["/api/v1/cases/{case_id}/actions/merge/"]["post"])
    assert "into_tracking_number" in merge["properties"]
    scan = schema["paths"]["/api/v1/cases/{case_id}/actions/upload_scan/"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in scan


def test_the_petitioners_actions_are_operations_of_the_portal_api(portal_client):
    schema = _schema(portal_client)
    for name in procedure.CITIZEN_STEPS:
        operation = schema["paths"][f"/api/v1/petitions/{{case_id}}/actions/{name}/"]["post"]
        assert operation["operationId"] == f"petition_action_{name}" and "requestBody" in operation


def test_every_action_of_the_registry_is_reachable_by_its_name():
    assert set(ACTIONS) | set(procedure.CITIZEN_STEPS) == set(actions.REGISTRY)


def _post(client, path, **data):
    return client.post(path, data=data, content_type="application/json")


def test_the_eight_actions_the_api_lacked_work_through_it(
    host_client, file_petition, bureau, clerk, agency_a, handler_a, leader_a
):
    queued = file_petition()
    other = file_petition(title="道路积水无人处理", body="人民路与黄河路交叉口每逢下雨积水严重，请尽快疏通。")
    bureau_api = host_client(bureau, clerk)
    base = f"/api/v1/cases/{other.case_uuid}/actions"
    merged = _post(bureau_api, f"{base}/merge/", into_tracking_number=queued.tracking_number)
    assert merged.status_code == 200, merged.content
    assert CaseIndex.objects.get(case_uuid=other.case_uuid).state == "merged"

    base = f"/api/v1/cases/{queued.case_uuid}/actions"
    routed = _post(bureau_api, f"{base}/route/", target=agency_a.code)
    assert routed.status_code == 200, routed.content
    agency_api = host_client(agency_a, leader_a)
    assigned = _post(agency_api, f"{base}/assign_handler/", handler=str(handler_a.uuid))
    assert assigned.status_code == 200, assigned.content
    assert load_case(queued.case_uuid).handler_uuid == handler_a.uuid
    noted = _post(agency_api, f"{base}/note/", text="已电话联系信访人。")
    assert noted.status_code == 200
    detail = noted.json()
    assert detail["allowed_actions"]["accept"] == {"allowed": True, "code": "", "reason": ""}
    assert detail["allowed_actions"]["register"]["code"] == "bureau_required"


def test_the_api_refuses_with_the_services_code(
    host_client, file_petition, agency_a, handler_a, bureau, clerk
):
    queued = file_petition()
    base = f"/api/v1/cases/{queued.case_uuid}/actions"
    # The service's own limit on the input, not a serializer's: the same code as on the workspace.
    short = _post(host_client(bureau, clerk), f"{base}/reply_directly/", opinion="explain", text="太短")
    assert short.status_code == 400 and short.json()["error"]["code"] == "reply_too_short"
    # Another agency: the case does not exist for it.
    other = _post(host_client(agency_a, handler_a), f"{base}/register/")
    assert other.status_code == 404
    # The procedure's refusal: a note on a case the bureau holds is the bureau's to write.
    assert _post(host_client(bureau, clerk), f"{base}/note/", text="内部备注").status_code == 200
    wrong = _post(host_client(bureau, clerk), f"{base}/sign/")
    assert wrong.status_code == 409 and wrong.json()["error"]["code"] == "invalid_transition"


def test_a_citizen_uses_the_snake_case_actions_on_their_own_petition_only(
    portal_client, file_petition, citizen, other_citizen
):
    queued = file_petition()
    portal_client.force_login(other_citizen)
    path = f"/api/v1/petitions/{queued.case_uuid}/actions/evaluate/"
    assert _post(portal_client, path, satisfaction="satisfied").status_code == 404
    portal_client.force_login(citizen)
    early = _post(portal_client, path, satisfaction="satisfied")
    assert early.status_code == 409 and early.json()["error"]["code"] == "not_replied"
