"""What the public statistics page shows: a few of the oversight body's KPIs, per agency, for a period.

The numbers are the official KPIs, defined once in ``cases/oversight/kpis.py`` (one aggregate query over
``CaseIndex`` for every agency; the definitions and formulas are written there). This module only says
which of them citizens see, under which names the page's table and chart show them, and adds them up
for the city's row. It computes no rate of its own: a citizen and the oversight body read the same
number under the same name.

The columns:

- **received** (收件数): petitions submitted in the period, counted for their responsible agency: the
  denominator of 重复信访率 (KPI definition 5, "every petition received").
- **acceptance_rate** (及时受理率): KPI definition 1, ``timely_acceptance``.
- **completion_rate** (按期办结率): KPI definition 2, ``on_time_completion``.
- **satisfaction_rate** (满意率): KPI definition 4, ``satisfaction``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from cases.oversight import kpis

# The page's column (and ?metric= value) → the KPI it shows.
PUBLIC_RATES = {
    "acceptance_rate": "timely_acceptance",
    "completion_rate": "on_time_completion",
    "satisfaction_rate": "satisfaction",
}
# 收件数 is the number of petitions the repeat-petition rate is taken over.
RECEIVED_KPI = "repeat_petition"


@dataclass(frozen=True)
class AgencyFigures:
    """One row of the page: an agency (or the city) and the figures citizens see."""

    code: str
    name: str
    received: int
    acceptance_rate: Decimal | None  # percent, one decimal; None when undefined (shown "—")
    completion_rate: Decimal | None
    satisfaction_rate: Decimal | None


def _figures(code: str, name: str, values: dict[str, kpis.KpiValue]) -> AgencyFigures:
    return AgencyFigures(
        code=code,
        name=name,
        received=values[RECEIVED_KPI].denominator,
        **{column: values[key].value for column, key in PUBLIC_RATES.items()},
    )


def statistics(start: date, end: date) -> tuple[list[AgencyFigures], AgencyFigures]:
    """Every case-holding agency's figures for the local days [start, end], and the city's row."""
    definitions, rows = kpis.kpi_table(kpis.Period(start, end))
    figures = [_figures(row.agency_code, row.agency_name, row.values) for row in rows]
    return figures, _figures("", "", kpis.city_rates(definitions, rows))
