"""No statement is sent twice for the same schema in one request: a filing and the case pages
(the measure: config.sqlcount, shared with benchmarks/intake.py)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from config.sqlcount import repeated_statements as repeated

pytest_plugins = ["tests.cases.conftest"]


def test_the_check_itself_finds_a_repeat():
    a_then_b = ['SET search_path = "ag_a","public"', "SELECT 1 FROM cases_case", "SELECT 2"]
    assert repeated(a_then_b + ['SET search_path = "ag_b","public"', "SELECT 1 FROM cases_case"]) == []
    assert repeated([*a_then_b, "SELECT 2"]) == ["SELECT 2"]
    back = [*a_then_b, 'SET search_path = "ag_b","public"', 'SET search_path = "ag_a","public"']
    assert repeated(back) == ['SET search_path = "ag_a","public"']


@pytest.fixture
def _staged_documents_render_when_the_action_commits():
    """Not here: a generated document is rendered after the commit, by the worker, not in the request
    whose statements are counted (the suite's stand-in would run it inside the request)."""


@pytest.fixture
def signed_in(portal_client, profiled_citizen, bureau):
    portal_client.force_login(profiled_citizen)
    return portal_client


def _file(client, title: str, body: str, **extra):
    response = client.post(
        "/api/v1/petitions/",
        {"petition_type": "complaint", "title": title, "body": body, **extra},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    return response.json()["id"]


def _statements(call) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        call()
    return [q["sql"] for q in captured.captured_queries]


def test_a_filing_sends_no_statement_twice(signed_in, agency_a):
    _file(
        signed_in, "小区噪声扰民", "楼下商铺每天深夜播放音乐，请查处。"
    )  # a first one: earlier cases to compare
    _file(signed_in, "道路积水", "黄河路口每逢下雨积水没膝，请尽快疏通。", agency=agency_a.code)
    statements = _statements(
        lambda: _file(signed_in, "夜间施工", "工地每天夜里十二点后还在施工，噪音很大。", agency=agency_a.code)
    )
    assert repeated(statements) == [], statements
    # The earlier cases' texts, in two schemas, come in one statement without switching the path.
    assert sum("UNION ALL" in s for s in statements) == 1
    assert len(statements) <= 20, statements


def test_a_repeat_filing_sends_no_statement_twice(signed_in):
    _file(signed_in, "小区噪声扰民", "楼下商铺每天深夜播放音乐，严重影响休息，请查处。")
    statements = _statements(
        lambda: _file(signed_in, "小区噪声扰民", "楼下商铺每天深夜播放音乐，严重影响休息，请查处！")
    )
    assert any("INSERT INTO" in s and "cases_caseevent" in s for s in statements)
    assert repeated(statements) == [], statements


@pytest.mark.parametrize("page", ["/api/v1/petitions/{id}/", "/mine/{id}/"])
def test_a_case_page_sends_no_statement_twice(signed_in, agency_a, page):
    case_id = _file(signed_in, "道路积水", "黄河路口每逢下雨积水没膝，请尽快疏通。", agency=agency_a.code)
    response = {}
    statements = _statements(lambda: response.update(r=signed_in.get(page.format(id=case_id))))
    assert response["r"].status_code == 200
    assert repeated(statements) == [], statements


def test_the_workspace_case_page_sends_no_statement_twice(signed_in, agency_a, handler_a, host_client):
    case_id = _file(signed_in, "道路积水", "黄河路口每逢下雨积水没膝，请尽快疏通。", agency=agency_a.code)
    staff = host_client(agency_a, handler_a)
    staff.get(f"/case/{case_id}/")  # the first view of a process loads its caches
    response = {}
    statements = _statements(lambda: response.update(r=staff.get(f"/case/{case_id}/")))
    assert response["r"].status_code == 200
    assert repeated(statements) == [], statements
