"""Open311 GeoReport v2 at /open311/v2/ (api/open311): every resource in JSON and XML, checked field by
field against the specification (http://wiki.open311.org/GeoReport_v2); only published petitions for
anyone, the key holder's own besides; never a report (检举控告, arts. 30, 46)."""

from datetime import datetime, timedelta

import pytest
import time_machine
from defusedxml import ElementTree
from django.utils import timezone

from accounts.services import save_profile
from api.open311.keys import issue_key, open311_key_agent, revoke_key
from api.open311.models import Open311Request
from cases import services
from cases.index.models import CaseIndex
from tests.cases.conftest import VALID_ID, load_case, staff

pytest_plugins = ["tests.cases.conftest"]

BASE = "/open311/v2"
REPLY = "路灯已于本周修复，张爱丽女士可拨打13800138000反馈。"

SERVICE_FIELDS = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]
REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]
ATTRIBUTE_FIELDS = [
    "variable",
    "code",
    "datatype",
    "required",
    "datatype_description",
    "order",
    "description",
]
DATATYPES = {"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}


@pytest.fixture
def file_petition(file_petition):
    """Each petition here is a different matter: its own facts (cases.services.repeats links petitions
    of one citizen whose bodies say the same)."""

    def file(**overrides):
        title = overrides.get("title", "")
        overrides.setdefault("body", f"关于“{title}”：{title}，已持续一段时间，请依法处理并答复。")
        return file_petition(**overrides)

    return file


@pytest.fixture(autouse=True)
def _files(local_storage):
    return local_storage


@pytest.fixture
def registered(citizen):
    save_profile(
        user=citizen, full_name="张爱丽", id_number=VALID_ID, phone="13800138000", address="湖滨区黄河路1号"
    )
    return citizen


@pytest.fixture
def published(file_petition, agency_a, handler_a):
    """A public petition to 公安局 with a reply: what the portal's replies page shows."""
    result = file_petition(agency=agency_a, title="小区门口路灯坏了三个月", is_public=True)
    services.sign_case(case_uuid=result.case_uuid, actor=staff(handler_a, agency_a))
    services.accept_case(case_uuid=result.case_uuid, actor=staff(handler_a, agency_a))
    services.reply_case(
        case_uuid=result.case_uuid, actor=staff(handler_a, agency_a), opinion="support", text=REPLY
    )
    return CaseIndex.objects.get(case_uuid=result.case_uuid)


@pytest.fixture
def private_replied(file_petition, agency_a, handler_a):
    result = file_petition(agency=agency_a, title="不公开的邻里纠纷事项", is_public=False)
    services.sign_case(case_uuid=result.case_uuid, actor=staff(handler_a, agency_a))
    services.accept_case(case_uuid=result.case_uuid, actor=staff(handler_a, agency_a))
    services.reply_case(
        case_uuid=result.case_uuid,
        actor=staff(handler_a, agency_a),
        opinion="explain",
        text="已向您作出解释说明，相关政策见答复。",
    )
    return CaseIndex.objects.get(case_uuid=result.case_uuid)


@pytest.fixture
def report(file_petition, clerk, bureau):
    result = file_petition(
        title="检举某单位违规发放补贴", petition_type="report", reported_agency="czj", is_public=True
    )
    services.reply_directly(
        case_uuid=result.case_uuid,
        actor=staff(clerk, bureau),
        opinion="explain",
        text="已转纪检监察机关依规核查处理。",
    )
    return CaseIndex.objects.get(case_uuid=result.case_uuid)


def _xml(response):
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ElementTree.fromstring(response.content)


def _json(response):
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return response.json()


def _as_dict(element) -> dict:
    return {child.tag: child.text or "" for child in element}


def _w3c(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    assert moment.tzinfo is not None, text  # the spec: timezone information must be included
    return moment


# --- Discovery and services ------------------------------------------------------------------------


def test_discovery_names_the_v2_endpoint_with_both_formats(portal_client):
    data = _json(portal_client.get(f"{BASE}/discovery.json"))
    assert set(data) == {"changeset", "contact", "key_service", "endpoints"}
    _w3c(data["changeset"])
    [endpoint] = data["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://hall.localhost/open311/v2" and endpoint["type"] == "production"
    assert endpoint["formats"] == ["application/json", "text/xml"]
    root = _xml(portal_client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    formats = [f.text for f in root.find("endpoints/endpoint/formats")]
    assert formats == ["application/json", "text/xml"]
    assert root.findtext("endpoints/endpoint/specification") == "http://wiki.open311.org/GeoReport_v2"


def test_services_are_petition_types_by_agency_without_reports(portal_client, city):
    data = _json(portal_client.get(f"{BASE}/services.json"))
    codes = {row["service_code"] for row in data}
    assert "complaint-gaj" in codes and "suggestion-xfj" in codes and "request-lbs" in codes
    assert not any(code.startswith("report-") for code in codes)  # 检举控告: portal only (arts. 30, 46)
    assert not any(code.endswith(("-dcs", "-jjw")) for code in codes)  # no oversight, no discipline body
    assert len(data) == 5 * 29
    row = next(r for r in data if r["service_code"] == "complaint-gaj")
    assert list(row) == SERVICE_FIELDS
    assert row["service_name"] == f"投诉 · {city['gaj'].name_zh}" and row["group"] == city["gaj"].name_zh
    assert row["metadata"] is True and row["type"] == "realtime"
    root = _xml(portal_client.get(f"{BASE}/services.xml"))
    assert root.tag == "services" and len(root) == len(data)
    first = _as_dict(root[0])
    assert list(first) == SERVICE_FIELDS and first["metadata"] == "true"
    assert first == {k: ("true" if v is True else v) for k, v in data[0].items()}


def test_service_definition_lists_its_attributes(portal_client, city):
    data = _json(portal_client.get(f"{BASE}/services/complaint-gaj.json"))
    assert data["service_code"] == "complaint-gaj"
    assert [a["code"] for a in data["attributes"]] == ["title", "people_count", "is_public", "id_number"]
    for attribute in data["attributes"]:
        assert list(attribute)[: len(ATTRIBUTE_FIELDS)] == ATTRIBUTE_FIELDS
        assert attribute["datatype"] in DATATYPES and attribute["variable"] is True
        assert isinstance(attribute["order"], int) and isinstance(attribute["required"], bool)
        if attribute["datatype"].endswith("valuelist"):
            assert all(set(v) == {"key", "name"} for v in attribute["values"])
        else:
            assert "values" not in attribute
    root = _xml(portal_client.get(f"{BASE}/services/complaint-gaj.xml"))
    assert root.tag == "service_definition" and root.findtext("service_code") == "complaint-gaj"
    public = root.findall("attributes/attribute")[2]
    assert public.findtext("code") == "is_public" and public.findtext("required") == "false"
    assert [(v.findtext("key"), v.findtext("name")) for v in public.findall("values/value")] == [
        ("0", "不公开"),
        ("1", "公开"),
    ]


def test_unknown_service_and_format_answer_the_spec_error(portal_client, city):
    for code in ("report-gaj", "complaint-dcs", "complaint-nope"):
        response = portal_client.get(f"{BASE}/services/{code}.json")
        assert response.status_code == 404
        [error] = _json(response)
        assert set(error) == {"code", "description"} and error["code"] == 404
    xml = portal_client.get(f"{BASE}/services/report-gaj.xml")
    root = _xml(xml)
    assert xml.status_code == 404 and root.tag == "errors" and root.findtext("error/code") == "404"
    assert portal_client.get(f"{BASE}/services.csv").status_code == 400
    assert _json(portal_client.get(f"{BASE}/nothing-here"))[0]["code"] == 404
    wrong = portal_client.post(f"{BASE}/services.json")
    assert wrong.status_code == 405 and _json(wrong)[0]["code"] == 405
    other = portal_client.get(f"{BASE}/services.json", {"jurisdiction_id": "elsewhere.gov"})
    assert other.status_code == 404


# --- Reading requests -----------------------------------------------------------------------------


def test_anyone_reads_a_published_petition_as_the_replies_page_shows_it(portal_client, published, city):
    data = _json(portal_client.get(f"{BASE}/requests.json"))
    [row] = data
    assert list(row) == REQUEST_FIELDS
    assert row["service_request_id"] == published.tracking_number
    assert row["status"] == "open"  # replied: the review window (art. 35) keeps it open
    assert row["service_code"] == "complaint-gaj" and row["service_name"] == f"投诉 · {city['gaj'].name_zh}"
    assert row["agency_responsible"] == city["gaj"].name_zh
    assert row["description"] == "小区门口路灯坏了三个月"
    assert row["status_notes"].startswith("予以支持：路灯已于本周修复")
    assert "张爱丽" not in str(row) and "13800138000" not in str(row)  # masked as on /replies/
    assert "物业" not in str(row)  # the body is never published
    assert row["address"] == "" and row["lat"] == "" and row["media_url"] == ""
    assert _w3c(row["requested_datetime"]) <= _w3c(row["updated_datetime"])
    assert row["expected_datetime"] == ""  # replied: the agency owes nothing until a review is asked
    root = _xml(portal_client.get(f"{BASE}/requests.xml"))
    assert root.tag == "service_requests"
    [request] = root.findall("request")
    assert _as_dict(request) == row
    one = _json(portal_client.get(f"{BASE}/requests/{published.tracking_number}.json"))
    assert one == [row]
    assert _as_dict(_xml(portal_client.get(f"{BASE}/requests/{published.tracking_number}.xml"))[0]) == row


def test_unpublished_petitions_and_reports_never_appear(
    portal_client, published, private_replied, report, file_petition, citizen
):
    open_public = file_petition(title="尚未答复的公开事项关于噪声", is_public=True)
    data = _json(portal_client.get(f"{BASE}/requests.json"))
    assert [r["service_request_id"] for r in data] == [published.tracking_number]
    for index in (private_replied, report, CaseIndex.objects.get(case_uuid=open_public.case_uuid)):
        response = portal_client.get(f"{BASE}/requests/{index.tracking_number}.json")
        assert response.status_code == 404 and _json(response)[0]["code"] == 404
        assert index.title not in response.content.decode()
    by_id = _json(
        portal_client.get(
            f"{BASE}/requests.json",
            {"service_request_id": f"{report.tracking_number},{private_replied.tracking_number}"},
        )
    )
    assert by_id == []
    # A signed-in citizen's session reads no more than anyone (Open311 knows keys, not sessions).
    portal_client.force_login(citizen)
    assert [r["service_request_id"] for r in _json(portal_client.get(f"{BASE}/requests.json"))] == [
        published.tracking_number
    ]


def test_a_citizen_key_never_reads_the_citizens_own_report(
    portal_client, registered, report, private_replied
):
    _key, plain = issue_key(user=registered, label="我的应用")
    rows = _json(portal_client.get(f"{BASE}/requests.json", {"api_key": plain}))
    ids = {r["service_request_id"] for r in rows}
    assert private_replied.tracking_number in ids and report.tracking_number not in ids
    denied = portal_client.get(f"{BASE}/requests/{report.tracking_number}.json", {"api_key": plain})
    assert denied.status_code == 404


def test_filters_of_the_spec(portal_client, published, file_petition, agency_a, agency_b, handler_b):
    other = file_petition(agency=agency_b, title="楼道堆放杂物影响消防安全", is_public=True)
    services.sign_case(case_uuid=other.case_uuid, actor=staff(handler_b, agency_b))
    services.accept_case(case_uuid=other.case_uuid, actor=staff(handler_b, agency_b))
    services.reply_case(
        case_uuid=other.case_uuid,
        actor=staff(handler_b, agency_b),
        opinion="support",
        text="已督促物业清理楼道杂物并加强巡查。",
    )
    # Closed once the review window (art. 35: 30 days) has run out.
    with time_machine.travel(timezone.now() + timedelta(days=45), tick=False):
        services.close_case(case_uuid=other.case_uuid, actor=staff(handler_b, agency_b))
    other_number = CaseIndex.objects.get(case_uuid=other.case_uuid).tracking_number

    def ids(**params):
        response = portal_client.get(f"{BASE}/requests.json", params)
        assert response.status_code == 200, response.content
        return [r["service_request_id"] for r in _json(response)]

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert set(ids()) == {published.tracking_number, other_number}
    # A fixed number per holding schema, never per row (one read of the published replies per schema).
    case_reads = [q for q in queries.captured_queries if 'FROM "cases_case"' in q["sql"]]
    assert len(case_reads) == 2 and len(queries) <= 10  # host, count, page, then 2 schemas × (path, read)
    assert ids(service_code="complaint-zjj") == [other_number]
    assert set(ids(service_code="complaint-zjj,complaint-gaj")) == {published.tracking_number, other_number}
    assert ids(status="closed") == [other_number] and ids(status="open") == [published.tracking_number]
    assert set(ids(status="open,closed")) == {published.tracking_number, other_number}
    assert ids(start_date="2000-01-01T00:00:00Z", end_date="2000-02-01T00:00:00Z") == []
    # service_request_id overrides every other filter
    assert ids(service_request_id=other_number, status="open") == [other_number]
    closed = _json(portal_client.get(f"{BASE}/requests/{other_number}.json"))[0]
    assert closed["status"] == "closed" and closed["expected_datetime"] == ""
    # "+08:00" that arrived unencoded (as " 08:00") still reads as the offset it was
    assert ids(start_date="2000-01-01T00:00:00 08:00", end_date="2000-02-01T00:00:00 08:00") == []
    assert set(ids(start_date="2000-01-01T00:00:00 08:00")) == {published.tracking_number, other_number}
    for bad in (
        {"status": "pending"},
        {"start_date": "yesterday"},
        {"end_date": "0001-01-01T00:00:00Z"},
        {"end_date": "2026-13-01T00:00:00Z"},
        {"page_size": "0"},
        {"page": "x"},
    ):
        response = portal_client.get(f"{BASE}/requests.json", bad)
        assert response.status_code == 400 and _json(response)[0]["code"] == 400
    first = portal_client.get(f"{BASE}/requests.json", {"page_size": "1"})
    assert len(_json(first)) == 1 and first["X-Total-Count"] == "2" and 'rel="next"' in first["Link"]
    second = portal_client.get(f"{BASE}/requests.json", {"page_size": "1", "page": "2"})
    assert 'rel="prev"' in second["Link"] and _json(second) != _json(first)


# --- Filing ---------------------------------------------------------------------------------------


def _post(client, fmt="json", HTTP_IDEMPOTENCY_KEY=None, **fields):  # noqa: N803 - a header
    headers = {"HTTP_IDEMPOTENCY_KEY": HTTP_IDEMPOTENCY_KEY} if HTTP_IDEMPOTENCY_KEY else {}
    data = {
        "service_code": "complaint-gaj",
        "address_string": "湖滨区六峰路",
        "description": "六峰路上的井盖丢失多日，夜间行人容易跌落，请尽快处理。",
        **fields,
    }
    return client.post(f"{BASE}/requests.{fmt}", data, **headers)


def test_a_citizen_app_files_with_its_key_as_the_citizen(portal_client, registered, agency_a):
    _key, plain = issue_key(user=registered, label="掌上信访")
    response = _post(portal_client, api_key=plain, **{"attribute[title]": "井盖丢失", "account_id": "a-1"})
    assert response.status_code == 201, response.content
    [row] = _json(response)
    assert set(row) == {"service_request_id", "token", "service_notice", "account_id"}
    assert row["account_id"] == "a-1"
    index = CaseIndex.objects.get(tracking_number=row["service_request_id"])
    assert index.citizen == registered and index.holder == agency_a and index.channel == "online"
    case = load_case(index.case_uuid)
    assert case.title == "井盖丢失" and case.location == "湖滨区六峰路" and case.petitioner_name == "张爱丽"
    token = _json(portal_client.get(f"{BASE}/tokens/{row['token']}.json"))
    assert token == [{"service_request_id": row["service_request_id"], "token": row["token"]}]
    token_xml = _xml(portal_client.get(f"{BASE}/tokens/{row['token']}.xml"))
    assert token_xml.tag == "service_requests" and token_xml.findtext("request/token") == row["token"]
    # the key holder reads its own request in full; anyone else does not find it (not published)
    own = _json(portal_client.get(f"{BASE}/requests/{row['service_request_id']}.json", {"api_key": plain}))
    assert own[0]["description"].startswith("六峰路上的井盖") and own[0]["address"] == "湖滨区六峰路"
    assert own[0]["status"] == "open" and own[0]["status_notes"].startswith("待签收")
    assert portal_client.get(f"{BASE}/requests/{row['service_request_id']}.json").status_code == 404


def test_a_retried_open311_filing_with_the_same_idempotency_key_makes_one_petition(portal_client, registered):
    _key, plain = issue_key(user=registered, label="掌上信访")
    before = CaseIndex.objects.count()
    first = _post(portal_client, api_key=plain, HTTP_IDEMPOTENCY_KEY="retry-1")
    again = _post(portal_client, api_key=plain, HTTP_IDEMPOTENCY_KEY="retry-1")
    assert first.status_code == again.status_code == 201, again.content
    assert again["Idempotent-Replayed"] == "true" and _json(again) == _json(first)
    assert CaseIndex.objects.count() == before + 1
    # Another key's holder using the same Idempotency-Key files its own petition.
    _other, other_plain = issue_key(user=registered, label="另一个应用")
    third = _post(portal_client, api_key=other_plain, HTTP_IDEMPOTENCY_KEY="retry-1")
    assert third.status_code == 201 and CaseIndex.objects.count() == before + 2


def test_xml_filing_and_the_title_taken_from_the_description(portal_client, registered):
    _key, plain = issue_key(user=registered, label="掌上信访")
    root = _xml(_post(portal_client, "xml", api_key=plain, address_string="", lat="34.77", long="111.19"))
    assert root.tag == "service_requests" and root.findtext("request/service_request_id").startswith("SMX-")
    case = load_case(
        CaseIndex.objects.get(tracking_number=root.findtext("request/service_request_id")).case_uuid
    )
    assert case.title == "六峰路上的井盖丢失多日，夜间行人容易跌落，请尽快处理。"[:30]
    assert case.location == "34.77,111.19"


def test_filing_refusals_use_the_spec_error_shape(portal_client, registered, citizen, other_citizen):
    _key, plain = issue_key(user=registered, label="掌上信访")
    no_key = _post(portal_client)
    assert no_key.status_code == 403 and _json(no_key)[0]["code"] == 403
    assert _post(portal_client, api_key="guessed-key").status_code == 403
    assert _post(portal_client, api_key=plain, service_code="report-gaj").status_code == 400
    assert _post(portal_client, api_key=plain, service_code="").status_code == 400
    nowhere = _post(portal_client, api_key=plain, address_string="")
    assert nowhere.status_code == 400 and "lat" in _json(nowhere)[0]["description"]
    assert _post(portal_client, api_key=plain, address_string="", lat="99", long="1").status_code == 400
    short = _post(portal_client, api_key=plain, description="太短")
    assert short.status_code == 400 and any("body" in e["description"] for e in _json(short))
    # the portal's own refusal: no real-name profile, no petition (same message)
    _k, unregistered = issue_key(user=other_citizen, label="x")
    refused = _post(portal_client, api_key=unregistered)
    assert (
        refused.status_code == 403
        and _json(refused)[0]["description"] == "请先完成实名登记，再提交信访事项。"
    )
    revoke_key(key=_key)
    assert _post(portal_client, api_key=plain).status_code == 403
    assert CaseIndex.objects.count() == 0 and Open311Request.objects.count() == 0


def test_a_staff_system_registers_calls_for_its_own_agency_only(portal_client, clerk, bureau, agency_a):
    _key, plain = issue_key(user=clerk, label="12345热线", agency=bureau)
    fields = {"api_key": plain, "service_code": "complaint-xfj", "last_name": "王", "first_name": "小明"}
    response = _post(portal_client, phone="13700137000", **fields)
    assert response.status_code == 201, response.content
    index = CaseIndex.objects.get(tracking_number=_json(response)[0]["service_request_id"])
    assert index.channel == "phone" and index.citizen is None and index.holder == bureau
    assert load_case(index.case_uuid).petitioner_name == "王小明"
    own = _json(portal_client.get(f"{BASE}/requests.json", {"api_key": plain}))
    assert [r["service_request_id"] for r in own] == [index.tracking_number]
    assert "王小明" not in str(own) and "13700137000" not in str(own)  # never the petitioner's details
    # not a member of 公安局: refused as the service refuses it
    other = _post(portal_client, **{**fields, "service_code": "complaint-gaj"})
    assert other.status_code == 403
    assert _post(portal_client, **{**fields, "last_name": "", "first_name": ""}).status_code == 400


def test_a_key_reads_only_its_own_requests(
    portal_client, registered, other_citizen, clerk, bureau, handler_b, agency_b
):
    _k1, mine = issue_key(user=registered, label="a")
    filed = _json(_post(portal_client, api_key=mine))[0]["service_request_id"]
    _k2, theirs = issue_key(user=other_citizen, label="b")
    _k3, hotline = issue_key(user=clerk, label="c", agency=bureau)
    for key in (theirs, hotline):
        assert _json(portal_client.get(f"{BASE}/requests.json", {"api_key": key})) == []
        assert portal_client.get(f"{BASE}/requests/{filed}.json", {"api_key": key}).status_code == 404
    assert portal_client.get(f"{BASE}/requests.json", {"api_key": "wrong"}).status_code == 403


def test_a_staff_key_stops_working_when_its_user_leaves_the_agency(clerk, bureau):
    from accounts.models import Membership

    _key, plain = issue_key(user=clerk, label="12345热线", agency=bureau)
    assert open311_key_agent(plain).is_staff_system
    Membership.objects.filter(user=clerk).delete()
    assert open311_key_agent(plain) is None
    assert open311_key_agent("") is None and open311_key_agent("x" * 500) is None


def test_xml_drops_characters_xml_cannot_carry(portal_client, registered):
    _key, plain = issue_key(user=registered, label="a")
    filed = _json(
        _post(portal_client, api_key=plain, description="井盖丢失\x0b多日，夜间行人容易跌落，请尽快处理。")
    )[0]
    root = _xml(portal_client.get(f"{BASE}/requests/{filed['service_request_id']}.xml", {"api_key": plain}))
    assert root.findtext("request/description").startswith("井盖丢失多日")


def test_the_management_command_issues_and_revokes_keys(clerk, bureau, agency_a, registered):
    from io import StringIO

    from django.core.management import CommandError, call_command

    out = StringIO()
    call_command("open311_key", user=clerk.email, agency=bureau.code, label="12345热线", stdout=out)
    lines = dict(line.split(" ", 1) for line in out.getvalue().splitlines())
    agent = open311_key_agent(lines["api_key"])
    assert agent.is_staff_system and agent.actor.agency == bureau
    with pytest.raises(CommandError):
        call_command("open311_key", user=clerk.email, agency=agency_a.code, stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("open311_key", user="nobody@example.cn", stdout=StringIO())
    call_command("open311_key", revoke=lines["id"], stdout=StringIO())
    assert open311_key_agent(lines["api_key"]) is None


def test_filing_needs_no_csrf_token_the_key_is_the_credential(registered, db):
    from django.conf import settings

    from tests.conftest import HostClient

    client = HostClient(settings.HALL_DOMAIN, enforce_csrf_checks=True)
    _key, plain = issue_key(user=registered, label="掌上信访")
    assert _post(client, api_key=plain).status_code == 201
    assert _post(client).status_code == 403  # and without the key, the spec's refusal, not Django's page
    assert _json(_post(client))[0]["code"] == 403
