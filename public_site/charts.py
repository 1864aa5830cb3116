"""An accessible bar chart drawn on the server as inline SVG (no JavaScript library).

The SVG is a picture of the data table printed next to it: it carries role="img" with a title and a
description for screen readers, and the page always shows the same numbers as a table.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # None: no data (drawn as an empty row marked "—")
    shown: str  # the value as text, e.g. "95.0%" or "12"


ROW_HEIGHT = 22
LABEL_WIDTH = 190
BAR_AREA = 360
VALUE_WIDTH = 70
BAR_COLOUR = "#a4161a"  # the hall's accent: 7.3:1 against white


def bar_chart_svg(
    *, bars: list[Bar], title: str, description: str, maximum: float | None = None
) -> SafeString:
    """Horizontal bars, one per row, scaled to ``maximum`` (the largest value when not given)."""
    from cases.oversight.charts import text_width

    top = max([b.value for b in bars if b.value is not None] or [0])
    scale_max = maximum if maximum is not None else top
    # The label column fits the longest label (an agency's full English name is long): never clipped.
    label_width = max([LABEL_WIDTH, *(text_width(b.label) + 8 for b in bars)])
    width = label_width + BAR_AREA + VALUE_WIDTH
    height = ROW_HEIGHT * max(len(bars), 1) + 8
    rows = []
    for position, bar in enumerate(bars):
        y = 4 + position * ROW_HEIGHT
        length = 0 if not bar.value or not scale_max else round(BAR_AREA * bar.value / scale_max, 1)
        rows.append(
            (
                label_width - 6,
                y + 15,
                bar.label,
                label_width,
                y + 3,
                length,
                BAR_COLOUR,
                label_width + length + 4,
                y + 15,
                bar.shown,
            )
        )
    body = format_html_join(
        "",
        '<g><text x="{}" y="{}" text-anchor="end" font-size="12">{}</text>'
        '<rect x="{}" y="{}" width="{}" height="14" fill="{}"></rect>'
        '<text x="{}" y="{}" font-size="12">{}</text></g>',
        rows,
    )
    return format_html(
        '<svg class="bar-chart" role="img" aria-labelledby="chart-title chart-desc" '
        'viewBox="0 0 {} {}" width="100%" preserveAspectRatio="xMinYMin meet" '
        'xmlns="http://www.w3.org/2000/svg">'
        '<title id="chart-title">{}</title><desc id="chart-desc">{}</desc>{}</svg>',
        width,
        height,
        title,
        description,
        body,
    )
