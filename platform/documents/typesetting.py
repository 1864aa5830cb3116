"""Chinese line breaking (禁则, kinsoku shori) and punctuation clean-up for the generated notices.

fpdf2's ``multi_cell`` breaks CJK text wherever the line is full, so a line may start with 。 or ，
or end with 《. This module breaks lines itself, measuring each piece with the PDF's font, by the rules
of Chinese typesetting (GB/T 15834 and the W3C "Requirements for Chinese Text Layout", §3.1.7):

- closing punctuation (。，、；：？！ and closing brackets and quotes) never starts a line: the character
  before it moves down with it (推出);
- opening brackets and quotes (《（「『【“) never end a line: they move down to the word they open;
- 「……」 and 「——」 are never split, and a run of Latin letters or digits (a tracking number, a year)
  stays whole when it fits on a line.

``clean_punctuation`` removes the doubled punctuation a template makes when it joins a field that ends
in 。 to its own ，.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# Never at the start of a line (行首禁则).
LINE_START_PROHIBITED = frozenset(
    "。，、；：？！．，）」』】〕》〉〗〙〛］｝”’…—‥·・％‰℃々ー゛゜ゝゞヽヾ〃,.;:?!)]}%"
)
# Never at the end of a line (行尾禁则).
LINE_END_PROHIBITED = frozenset("（「『【〔《〈〖〘〚［｛“‘([{")

# Pieces that are never split: runs of ASCII letters/digits (with the punctuation inside a number or
# code), 「……」 and 「——」, and anything else one character at a time.
_PIECE = re.compile(r"[A-Za-z0-9][A-Za-z0-9.\-_/:@%]*[A-Za-z0-9%]|[A-Za-z0-9]|…+|—+|\s+|.", re.S)

# Sentence punctuation a template may double when a field ends in one: 「。，」→「，」, 「？。」→「？」.
_WEAK = "。，、；："
_STRONG = "？！"
_RUN = re.compile(f"[{_WEAK}{_STRONG}]{{2,}}")


def _collapse(match: re.Match[str]) -> str:
    run = match.group(0)
    strong = "".join(dict.fromkeys(char for char in run if char in _STRONG))
    # A question or an exclamation keeps its mark; otherwise the last mark (the one the template put to
    # continue the sentence) is the one that belongs there.
    return strong or run[-1]


def clean_punctuation(text: str) -> str:
    """Collapse runs of sentence punctuation (。，；、：？！) into one mark."""
    return _RUN.sub(_collapse, text)


def _pieces(text: str) -> list[str]:
    return _PIECE.findall(text)


def _starts_badly(piece: str) -> bool:
    return piece[:1] in LINE_START_PROHIBITED


def _ends_badly(piece: str) -> bool:
    return piece[-1:] in LINE_END_PROHIBITED


def _split_long(piece: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """A piece wider than a whole line (a very long code) is cut character by character."""
    parts: list[str] = []
    current = ""
    for char in piece:
        if current and measure(current + char) > width:
            parts.append(current)
            current = char
        else:
            current += char
    if current:
        parts.append(current)
    return parts


def wrap_lines(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """Break ``text`` (one paragraph) into lines no wider than ``width`` as ``measure`` counts width,
    never starting a line with closing punctuation nor ending one with an opening bracket."""
    pieces: list[str] = []
    for piece in _pieces(text):
        if measure(piece) > width and len(piece) > 1:
            pieces.extend(_split_long(piece, width, measure))
        else:
            pieces.append(piece)

    lines: list[str] = []
    line: list[str] = []
    line_width = 0.0
    index = 0
    while index < len(pieces):
        piece = pieces[index]
        piece_width = measure(piece)
        if not line or line_width + piece_width <= width:
            # A continuation line does not start with the space it was broken at (the first line keeps
            # its indent).
            if line or not lines or not piece.isspace():
                line.append(piece)
                line_width += piece_width
            index += 1
            continue
        # The line is full and ``piece`` starts the next one. Move pieces down while the next line
        # would start with closing punctuation or this one ends with an opening bracket.
        carried = 0
        while len(line) - carried > 1:
            next_piece = pieces[index - carried]
            last_piece = line[-1 - carried]
            if _starts_badly(next_piece) or _ends_badly(last_piece):
                carried += 1
                continue
            break
        if carried and len(line) - carried >= 1:
            index -= carried
            line = line[:-carried]
        lines.append("".join(line).rstrip())
        line, line_width = [], 0.0
    if line:
        lines.append("".join(line).rstrip())
    return lines
