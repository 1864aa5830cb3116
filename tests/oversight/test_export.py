"""The 通报 export: the .xlsx opens with openpyxl and holds the same numbers as the page; so does the CSV."""

import csv
import io
from decimal import Decimal

from openpyxl import load_workbook

from tests.oversight.test_kpis import data  # noqa: F401 - the hand-built KPI data set (March 2026)

QUERY = {"month": "2026-03", "sort": "on_time_completion"}


def _page_rows(oversight_client):
    response = oversight_client.get("/kpis/", QUERY)
    assert response.status_code == 200
    return response, response.context["definitions"], response.context["table"]


def test_xlsx_opens_and_matches_the_page(oversight_client, data):  # noqa: F811
    agency_a, agency_b = data
    response, definitions, table = _page_rows(oversight_client)
    export = oversight_client.get("/kpis/ranking.xlsx", QUERY)
    assert export.status_code == 200
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(export.content))
    sheet = book["2026-03"]
    rows = list(sheet.iter_rows(values_only=True))
    header, body = rows[1], rows[2:]
    assert header[:3] == ("名次", "单位代码", "单位")
    assert len(body) == len(table)
    for (row, values), line in zip(table, body, strict=True):
        assert line[0] == row.rank and line[1] == row.agency_code and line[2] == row.agency_name
        cells = list(line[3:])
        for kpi, value in zip(definitions, values, strict=True):
            shown = cells.pop(0)
            assert (Decimal(str(shown)) if shown is not None else None) == value.value, (
                row.agency_code,
                kpi.key,
            )
            if kpi.is_rate:
                assert cells.pop(0) == value.numerator
            assert cells.pop(0) == value.denominator
    # The worked figures (see test_kpis): B first with 100.0 %, A second with 40.0 % (2 of 5).
    assert body[0][:2] == (1, agency_b.code)
    a_line = body[1]
    assert a_line[:2] == (2, agency_a.code)
    assert a_line[6:9] == (40.0, 2, 5)  # on-time completion: rate, numerator, denominator
    # The page shows the same figures.
    page = response.content.decode()
    assert "40.0 <small>(2/5)</small>" in page and "100.0 <small>(1/1)</small>" in page
    assert "指标口径" in book.sheetnames


def test_csv_matches_the_page(oversight_client, data):  # noqa: F811
    _response, definitions, table = _page_rows(oversight_client)
    export = oversight_client.get("/kpis/ranking.csv", QUERY)
    assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")
    reader = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    body = reader[1:]
    assert len(body) == len(table)
    for (row, values), line in zip(table, body, strict=True):
        assert line[1] == row.agency_code
        assert line[0] == ("" if row.rank is None else str(row.rank))
        rate = values[1]  # on-time completion
        assert line[6] == ("" if rate.value is None else str(float(rate.value)))
        assert line[7:9] == [str(rate.numerator), str(rate.denominator)]


def test_the_page_draws_a_chart_and_documents_each_formula(oversight_client, data):  # noqa: F811
    response, definitions, _table = _page_rows(oversight_client)
    page = response.content.decode()
    assert "<svg" in page and 'role="img"' in page
    for kpi in definitions:
        assert str(kpi.formula) in page
