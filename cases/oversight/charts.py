"""Server-rendered bar charts (inline SVG, no JavaScript): geometry only, the template draws."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

BAR_HEIGHT = 18
GAP = 6
LABEL_WIDTH = 190
PLOT_WIDTH = 360
VALUE_WIDTH = 70


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal | int | None
    shown: str
    y: int
    width: int
    text_y: int


@dataclass(frozen=True)
class BarChart:
    title: str
    bars: list[Bar]
    height: int
    width: int = LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH
    label_width: int = LABEL_WIDTH
    value_x: int = LABEL_WIDTH + PLOT_WIDTH + 6


def bar_chart(
    title: str, points: list[tuple[str, Decimal | int | None]], *, scale_max=None, unit=""
) -> BarChart:
    """Horizontal bars, one per (label, value); ``None`` values get no bar and show "—"."""
    values = [v for _label, v in points if v is not None]
    top = scale_max if scale_max is not None else (max(values) if values else 0)
    bars = []
    for position, (label, value) in enumerate(points):
        y = position * (BAR_HEIGHT + GAP)
        width = int(PLOT_WIDTH * float(value) / float(top)) if value is not None and top else 0
        shown = "—" if value is None else f"{value}{unit}"
        bars.append(Bar(label, value, shown, y, max(width, 0), y + BAR_HEIGHT - 4))
    return BarChart(title, bars, height=max(len(points) * (BAR_HEIGHT + GAP), BAR_HEIGHT))
