"""The dashboard counts and the search across every agency, on the public CaseIndex."""

from datetime import date, timedelta

import pytest

from cases.oversight import queries as ovs
from cases.oversight.kpis import Period
from tests.oversight.conftest import local, make_index

TODAY = date(2026, 6, 15)


@pytest.fixture
def board_data(agency_a, agency_b):
    A, B = agency_a, agency_b
    # A: overdue (due yesterday), due soon (today, today + 3), running (today + 4), closed.
    make_index(
        A, next_due=TODAY - timedelta(days=1), next_due_kind="handling", submitted_at=local(date(2026, 6, 1))
    )
    make_index(
        A,
        next_due=TODAY,
        next_due_kind="acceptance",
        petition_type="request",
        submitted_at=local(date(2026, 6, 2)),
    )
    make_index(
        A, next_due=TODAY + timedelta(days=3), next_due_kind="handling", submitted_at=local(date(2026, 5, 2))
    )
    make_index(
        A, next_due=TODAY + timedelta(days=4), next_due_kind="handling", submitted_at=local(date(2026, 5, 3))
    )
    make_index(A, state="closed", is_open=False, submitted_at=local(date(2026, 6, 3)))
    # B: one overdue, one open without a running clock.
    make_index(
        B,
        next_due=TODAY - timedelta(days=20),
        next_due_kind="handling",
        petition_type="request",
        submitted_at=local(date(2026, 4, 1)),
    )
    make_index(B, state="replied", submitted_at=local(date(2026, 3, 1)))
    return A, B


def test_dashboard_totals_by_agency_type_and_month(board_data):
    A, B = board_data
    board = ovs.dashboard(ovs.DashboardFilters(period=Period(date(2026, 6, 1), TODAY)), today=TODAY)
    # open: A 4 + B 2 = 6; due soon: A's today and today + 3 = 2; overdue: one each = 2;
    # received 06-01 … 06-15: A's 06-01, 06-02 and the closed 06-03 = 3.
    assert board.totals == {"open": 6, "due_soon": 2, "overdue": 2, "received": 3}
    rows = {row["agency"].code: row for row in board.by_agency}
    assert (
        rows[A.code]["open"],
        rows[A.code]["due_soon"],
        rows[A.code]["overdue"],
        rows[A.code]["received"],
    ) == (
        4,
        2,
        1,
        3,
    )
    assert (rows[B.code]["open"], rows[B.code]["overdue"], rows[B.code]["received"]) == (2, 1, 0)
    types = {row["petition_type"]: row for row in board.by_type}
    assert types["request"]["open"] == 2 and types["request"]["overdue"] == 1
    assert types["complaint"]["open"] == 4
    months = {row["month"].strftime("%Y-%m"): row["received"] for row in board.by_month}
    assert months == {"2026-06": 3}  # the period chosen


def test_dashboard_filtered_by_agency_and_type(board_data):
    A, B = board_data
    board = ovs.dashboard(ovs.DashboardFilters(agency=B), today=TODAY)
    assert board.totals == {"open": 2, "due_soon": 0, "overdue": 1}
    board = ovs.dashboard(ovs.DashboardFilters(petition_type="request"), today=TODAY)
    assert board.totals == {"open": 2, "due_soon": 1, "overdue": 1}
    # Without a period: the last twelve months, month by month.
    months = {row["month"].strftime("%Y-%m"): row["received"] for row in board.by_month}
    assert months == {"2026-04": 1, "2026-06": 1}


def test_dashboard_page_shows_the_counts(oversight_client, board_data):
    A, B = board_data
    page = oversight_client.get("/", {"agency": A.code})
    assert page.status_code == 200
    assert page.context["board"].totals["open"] == 4
    assert '<dd id="total-open">4</dd>' in page.content.decode()
    assert "<svg" in page.content.decode()  # charts are inline SVG, with their data tables


@pytest.fixture
def search_data(agency_a, agency_b):
    A, B = agency_a, agency_b
    return {
        "a1": make_index(
            A, title="小区物业违规收取停车费", petitioner_name="王小明", submitted_at=local(date(2026, 3, 3))
        ),
        "a2": make_index(
            A,
            title="派出所户口迁移拖延",
            petitioner_name="李芳",
            state="replied",
            submitted_at=local(date(2026, 4, 3)),
        ),
        "b1": make_index(
            B,
            title="物业拒不维修电梯",
            petitioner_name="王芳",
            submitted_at=local(date(2026, 5, 3)),
            next_due=TODAY - timedelta(days=2),
        ),
    }


def _found(query, **kwargs):
    rows, _more = ovs.search_cases(query, today=TODAY, **kwargs)
    return [r.tracking_number for r in rows]


def test_search_by_each_criterion(search_data, agency_a, agency_b):
    d = search_data
    n = {k: v.tracking_number for k, v in d.items()}
    assert _found(ovs.CaseSearch(tracking_number=n["a2"].lower())) == [n["a2"]]
    assert _found(ovs.CaseSearch(petitioner="王")) == [n["b1"], n["a1"]]  # newest first
    assert _found(ovs.CaseSearch(text="物业")) == [n["b1"], n["a1"]]
    assert _found(ovs.CaseSearch(text="物业 电梯")) == [n["b1"]]
    assert _found(ovs.CaseSearch(agency=agency_a)) == [n["a2"], n["a1"]]
    assert _found(ovs.CaseSearch(state="replied")) == [n["a2"]]
    assert _found(ovs.CaseSearch(date_from=date(2026, 3, 1), date_to=date(2026, 4, 3))) == [n["a2"], n["a1"]]
    assert _found(ovs.CaseSearch(overdue_only=True)) == [n["b1"]]
    assert _found(ovs.CaseSearch(text="物业", agency=agency_b, petitioner="王芳")) == [n["b1"]]
    assert _found(ovs.CaseSearch(text="不存在的关键词")) == []


def test_search_pages(agency_a):
    for day in range(ovs.SEARCH_PAGE + 1):
        make_index(agency_a, title="分页测试", submitted_at=local(date(2026, 1, 1)) + timedelta(hours=day))
    first, more = ovs.search_cases(ovs.CaseSearch(text="分页测试"), today=TODAY)
    second, more_again = ovs.search_cases(ovs.CaseSearch(text="分页测试"), page=2, today=TODAY)
    assert len(first) == ovs.SEARCH_PAGE and more and len(second) == 1 and not more_again


def test_search_page_lists_cases_across_agencies(oversight_client, search_data, agency_a):
    page = oversight_client.get("/search/", {"text": "物业"}).content.decode()
    assert search_data["a1"].tracking_number in page and search_data["b1"].tracking_number in page
    assert search_data["a2"].tracking_number not in page
    unknown = oversight_client.get("/search/", {"agency": "nope"}).content.decode()
    assert "没有这个单位代码。" in unknown


def test_pages_speak_english_when_asked(oversight_client, host_client, agency_a, handler_a):
    from django.conf import settings

    oversight_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = oversight_client.get("/kpis/").content.decode()
    assert "Timely acceptance rate" in page and "On-time completion rate" in page and "及时受理率" not in page
    assert "Oversight workspace" in oversight_client.get("/").content.decode()
    client = host_client(agency_a, handler_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Supervision inbox" in client.get("/supervision/").content.decode()
