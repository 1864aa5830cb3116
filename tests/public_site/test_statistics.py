"""The public statistics page publishes the oversight body's KPIs (cases/oversight/kpis.py), no others.

Period: March 2026; today: 2026-03-25 (the clock is frozen), so some deadlines in the period have not
passed yet. Rows are submitted on 2026-02-01 (outside the period) unless said, so that each counts only
where it is meant to.
"""

import re
from datetime import date

import pytest
import time_machine

from cases.oversight import kpis
from cases.oversight.kpis import Period
from config import clock
from tests.oversight.conftest import local, make_index

MARCH = Period.month(2026, 3)
FEB = local(date(2026, 2, 1))
STATISTICS = "/statistics/?start=2026-03-01&end=2026-03-31&metric=completion_rate"


@pytest.fixture
def frozen_on_march_25():
    with time_machine.travel(local(date(2026, 3, 25), 12), tick=False):
        yield


@pytest.fixture
def march(agency_a, agency_b):
    A, B = agency_a, agency_b

    def row(holder, **fields):
        fields.setdefault("submitted_at", FEB)
        return make_index(holder, **fields)

    # Acceptance (A): met; late; undecided and past due (late); undecided and not yet due (left out);
    # decided in March but due in February (not in the period).
    row(A, acceptance_due=date(2026, 3, 10), acceptance_decided_at=local(date(2026, 3, 9)))
    row(A, acceptance_due=date(2026, 3, 12), acceptance_decided_at=local(date(2026, 3, 13)))
    row(A, acceptance_due=date(2026, 3, 20))
    row(A, acceptance_due=date(2026, 3, 30))
    row(A, acceptance_due=date(2026, 2, 27), acceptance_decided_at=local(date(2026, 3, 2)))
    # Handling (A), all accepted: met and satisfied; late and unsatisfied; unreplied and past due;
    # unreplied and not yet due (left out); replied in March before an April deadline, basically satisfied.
    accepted = local(date(2026, 1, 10))
    row(
        A,
        accepted_at=accepted,
        handling_due=date(2026, 3, 10),
        replied_at=local(date(2026, 3, 8)),
        satisfaction="satisfied",
    )
    row(
        A,
        accepted_at=accepted,
        handling_due=date(2026, 3, 16),
        replied_at=local(date(2026, 3, 17)),
        satisfaction="unsatisfied",
    )
    row(A, accepted_at=accepted, handling_due=date(2026, 3, 20))
    row(A, accepted_at=accepted, handling_due=date(2026, 3, 28))
    row(
        A,
        accepted_at=accepted,
        handling_due=date(2026, 4, 20),
        replied_at=local(date(2026, 3, 21)),
        satisfaction="basically",
    )
    # Received in March (A): two petitions and one filed again while the first was open (linked).
    first = row(A, submitted_at=local(date(2026, 3, 3)), state="pending")
    row(A, submitted_at=local(date(2026, 3, 4)), state="pending")
    row(
        A,
        submitted_at=local(date(2026, 3, 5)),
        state="linked",
        is_open=False,
        linked_to=first.case_uuid,
    )
    # B: decided at 23:30 local on the due day (on time: a deadline ends at 24:00), unrated reply.
    row(
        B,
        acceptance_due=date(2026, 3, 24),
        acceptance_decided_at=local(date(2026, 3, 24), 23).replace(minute=30),
    )
    row(B, accepted_at=accepted, handling_due=date(2026, 3, 31), replied_at=local(date(2026, 3, 23)))


def _shown(value) -> str:
    return "—" if value is None else f"{value}%"


def _page_rows(page: str) -> dict[str, list[str]]:
    """{agency code: [收件数, 及时受理率, 按期办结率, 满意率]} as the table shows them ("" is the city)."""
    rows = {
        code: re.findall(r"<td>\s*(.*?)\s*</td>", cells, re.S)
        for code, cells in re.findall(r'<tr data-agency="([^"]*)">(.*?)</tr>', page, re.S)
    }
    tfoot = re.search(r"<tfoot>(.*?)</tfoot>", page, re.S)
    assert tfoot is not None
    rows[""] = re.findall(r"<td>\s*(.*?)\s*</td>", tfoot.group(1), re.S)
    return rows


def test_the_statistics_page_shows_exactly_the_oversight_kpis(frozen_on_march_25, march, portal_client):
    response = portal_client.get(STATISTICS)
    assert response.status_code == 200
    shown = _page_rows(response.content.decode())

    definitions, rows = kpis.kpi_table(MARCH, today=clock.today())
    city = kpis.city_rates(definitions, rows)
    expected = {
        row.agency_code: [
            str(row.values["repeat_petition"].denominator),
            _shown(row.values["timely_acceptance"].value),
            _shown(row.values["on_time_completion"].value),
            _shown(row.values["satisfaction"].value),
        ]
        for row in rows
    }
    expected[""] = [
        str(city["repeat_petition"].denominator),
        _shown(city["timely_acceptance"].value),
        _shown(city["on_time_completion"].value),
        _shown(city["satisfaction"].value),
    ]
    assert shown == expected
    # The KPIs' own arithmetic on this data (so the comparison is not between two empty tables):
    # A: acceptance 1 of 3 (the case not yet due and the one due in February are out); completion 2 of 4
    # (the case not yet due is out); satisfaction 2 of 3; received 3 (the linked one included).
    assert shown["gaj"] == ["3", "33.3%", "50.0%", "66.7%"]
    assert shown["zjj"] == ["0", "100.0%", "100.0%", "—"]
    assert shown[""] == ["3", "50.0%", "60.0%", "66.7%"]


def test_the_chart_draws_the_same_kpi_values(frozen_on_march_25, march, portal_client, agency_a):
    page = portal_client.get(STATISTICS).content.decode()
    # The bar's label is followed by its value as text: the on-time completion rate, 50.0%.
    assert re.search(rf">{agency_a.name_zh}</text>.*?<text[^>]*>50\.0%</text>", page, re.S)
    definitions, rows = kpis.kpi_table(MARCH, today=clock.today())
    mine = next(row for row in rows if row.agency_code == agency_a.code)
    assert mine.values["on_time_completion"].value == 50
