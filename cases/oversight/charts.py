"""Server-rendered bar charts (inline SVG, no JavaScript): geometry only, the template draws."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

BAR_HEIGHT = 18
GAP = 6
FONT_SIZE = 12
LABEL_GAP = 6  # between a label's end and its bar
MIN_LABEL_WIDTH = 60
PLOT_WIDTH = 360
VALUE_WIDTH = 70


def text_width(text: str, font_size: int = FONT_SIZE) -> int:
    """A generous estimate of how wide ``text`` is drawn: a CJK character is one em, anything else
    at most two thirds of one. The label column is made this wide, so no label is ever clipped."""
    wide = sum(1 for ch in text if ord(ch) >= 0x2E80)
    return int(font_size * (wide + 0.67 * (len(text) - wide))) + 1


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
    label_width: int = MIN_LABEL_WIDTH

    @property
    def label_x(self) -> int:
        return self.label_width - LABEL_GAP

    @property
    def value_x(self) -> int:
        return self.label_width + PLOT_WIDTH + 6

    @property
    def width(self) -> int:
        longest = max((text_width(bar.shown) for bar in self.bars), default=0)
        return self.label_width + PLOT_WIDTH + max(VALUE_WIDTH, longest + 12)


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
    # The label column fits the longest label: labels are drawn whole (an agency's full name).
    label_width = max([MIN_LABEL_WIDTH, *(text_width(str(label)) + LABEL_GAP + 2 for label, _v in points)])
    return BarChart(
        title, bars, height=max(len(points) * (BAR_HEIGHT + GAP), BAR_HEIGHT), label_width=label_width
    )
