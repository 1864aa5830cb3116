"""办结报告按时率 (交办, 信访工作条例 art. 22(三)) on a hand-built set, April 2026, today = 2026-05-10:

agency A: r1 due 04-20, first reported 04-20 22:00 (on time; a later redo does not move it);
          r2 due 04-20, reported 04-21 (late); r3 due 04-30, never reported (late, the day passed);
          r4 due 05-20 (outside April) → 1 ÷ 3 = 33.3 %.
agency B: r5 due 04-10, reported 04-09 → 1 ÷ 1 = 100.0 %, ranked first.
"""

from datetime import date
from decimal import Decimal

from cases.oversight import kpis
from tests.oversight.conftest import local, make_index

APRIL = kpis.Period.month(2026, 4)
TODAY = date(2026, 5, 10)


def _data(a, b):
    make_index(a, report_due=date(2026, 4, 20), report_submitted_at=local(date(2026, 4, 20), 22))
    make_index(a, report_due=date(2026, 4, 20), report_submitted_at=local(date(2026, 4, 21), 9))
    make_index(a, report_due=date(2026, 4, 30))
    make_index(a, report_due=date(2026, 5, 20))
    make_index(b, report_due=date(2026, 4, 10), report_submitted_at=local(date(2026, 4, 9), 9))


def test_report_timeliness_counts_first_submissions_against_the_assignment_deadline(agency_a, agency_b):
    _data(agency_a, agency_b)
    definitions, rows = kpis.ranking(APRIL, sort="report_timeliness", today=TODAY)
    values = {row.agency_code: row.values["report_timeliness"] for row in rows}
    assert (values[agency_a.code].numerator, values[agency_a.code].denominator) == (1, 3)
    assert values[agency_a.code].value == Decimal("33.3")
    assert values[agency_b.code].value == Decimal("100.0")
    assert [row.agency_code for row in rows[:2]] == [agency_b.code, agency_a.code]


def test_the_ranking_page_shows_it(oversight_client, agency_a, agency_b):
    _data(agency_a, agency_b)
    response = oversight_client.get("/kpis/", {"month": "2026-04", "sort": "report_timeliness"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "办结报告按时率" in page and "33.3" in page
