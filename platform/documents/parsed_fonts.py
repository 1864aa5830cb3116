"""The CJK font parsed once per process, not once per PDF.

``FPDF.add_font`` opens the font file and walks its whole character map (widths and glyph ids of the
~7,000 characters of the GB 2312 face) every time: about half of a notice's rendering time, and most
of the demo history's seeding time. The result depends only on the font file, so it is kept here per
(path, face) and each new PDF gets a copy of it, the way fpdf2's own ``TTFFont.__deepcopy__`` shares
the immutable parts with an ``FPDFRecorder``:

- shared, read only: the character map, the widths, the glyph ids, the font descriptor, the names;
- per document: the font's number in the PDF, the subset of glyphs the document uses, the glyphs it
  missed, the biggest size used;
- per document too, the fontTools font itself, because writing the PDF subsets it *in place*: each
  copy opens the font afresh (lazily, from bytes kept in memory, with the glyph order already known,
  so nothing is parsed that the subset does not need).

A font that fpdf2 would draw as a colour font (a Type 3 object tied to one PDF) is not cached: it is
added the ordinary way.
"""

from __future__ import annotations

import functools
import io
from pathlib import Path

from fontTools import ttLib
from fpdf import FPDF
from fpdf.enums import TextEmphasis
from fpdf.fonts import SubsetMap, TTFFont


@functools.cache
def _font_bytes(path: str) -> bytes:
    return Path(path).read_bytes()


@functools.cache
def _template(path: str, face_index: int) -> TTFFont | None:
    """The font parsed by fpdf2 once (None for a colour font, which cannot be shared)."""
    pdf = FPDF()
    pdf.add_font("template", "", path, collection_font_number=face_index)
    font = pdf.fonts["template"]
    if not isinstance(font, TTFFont) or font.color_font is not None:
        return None
    font.glyph_ids = dict(font.glyph_ids)
    # The glyph order, computed once (for a face without glyph names fontTools rebuilds it from the
    # character map, ~0.15 s): handed to each fresh copy of the fontTools font below.
    font.ttfont.getGlyphOrder()
    return font


def _fresh_ttfont(template: TTFFont) -> ttLib.TTFont:
    ttfont = ttLib.TTFont(
        io.BytesIO(_font_bytes(str(template.ttffile))),
        recalcTimestamp=False,
        # Subsetting keeps each glyph's outline as it is, so its bounding box is already right: without
        # this, writing the subset unpacks and recompiles every glyph (a third of a render).
        recalcBBoxes=False,
        fontNumber=template.collection_font_number,
        lazy=True,
    )
    ttfont.setGlyphOrder(list(template.ttfont.getGlyphOrder()))
    return ttfont


def add_parsed_font(pdf: FPDF, family: str, path: str, *, face_index: int = 0) -> None:
    """``pdf.add_font(family, "", path, collection_font_number=face_index)``, from the parsed cache."""
    template = _template(str(path), face_index)
    fontkey = family.lower()
    if template is None or fontkey in pdf.fonts:
        pdf.add_font(family, "", str(path), collection_font_number=face_index)
        return
    font = TTFFont.__new__(TTFFont)
    font.i = len(pdf.fonts) + 1
    font.type = "TTF"
    font.ttffile = template.ttffile
    font.fontkey = fontkey
    font.emphasis = TextEmphasis.coerce("")
    for name in (
        "scale",
        "name",
        "up",
        "ut",
        "sp",
        "ss",
        "is_compressed",
        "is_cff",
        "is_cid_keyed",
        "is_symbol",
        "cff_ros",
        "collection_font_number",
        "cmap",
        "desc",
        "glyph_ids",
        "palette_index",
        "color_font",
    ):
        setattr(font, name, getattr(template, name))
    # The widths are a defaultdict (a miss inserts the default width): each PDF gets its own copy.
    font.cw = template.cw.copy()
    font.unicode_range = getattr(template, "unicode_range", None)
    font.ttfont = _fresh_ttfont(template)
    font._hbfont = None
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font.subset = SubsetMap(font)
    pdf.fonts[fontkey] = font
