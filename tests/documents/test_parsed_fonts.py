"""documents.parsed_fonts: the font is parsed once per process and every PDF still embeds its own subset."""

import io
import re
from datetime import date

import pypdf

from documents import parsed_fonts
from documents.fonts import cjk_font_for
from documents.services import render_document


def _render(title: str, name: str) -> bytes:
    return render_document(
        kind="acceptance_notice",
        number="三公信受〔2026〕7号",
        agency_name="三门峡市公安局",
        issued_on=date(2026, 12, 2),
        fields={"petitioner_name": name, "tracking_number": "XF20260001234", "title": title},
    )


def _text(data: bytes) -> str:
    return re.sub(r"\s+", "", "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages))


def _embedded_glyph_counts(data: bytes) -> list[int]:
    from fontTools.ttLib import TTFont

    counts = []
    for page in pypdf.PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            descendant = font.get_object()["/DescendantFonts"][0].get_object()
            stream = descendant["/FontDescriptor"]["/FontFile2"].get_data()
            counts.append(len(TTFont(io.BytesIO(stream)).getGlyphOrder()))
    return counts


def test_each_pdf_embeds_only_its_own_glyphs_with_the_font_parsed_once():
    parsed_fonts._template.cache_clear()
    first = _render("小区门口长期占道经营", "张爱丽")
    second = _render("井盖缺失无人修补", "李四")
    assert parsed_fonts._template.cache_info().misses == 1  # one parse for both documents
    assert parsed_fonts._template.cache_info().hits >= 1
    text_first, text_second = _text(first), _text(second)
    assert "小区门口长期占道经营" in text_first and "张爱丽" in text_first
    assert "井盖缺失无人修补" in text_second and "李四" in text_second
    # The second document's subset holds its own characters, not the first one's on top.
    assert "张爱丽" not in text_second
    (glyphs_first,), (glyphs_second,) = _embedded_glyph_counts(first), _embedded_glyph_counts(second)
    assert glyphs_first < 400 and glyphs_second < 400


def test_the_shared_font_is_not_changed_by_a_render():
    _render("小区门口长期占道经营", "张爱丽")
    font = cjk_font_for("张爱丽")
    template = parsed_fonts._template(str(font.path), font.face_index)
    before = len(template.ttfont.getGlyphOrder()), len(template.cmap), dict(template.cw)
    again = _render("道路积水严重影响出行", "王五")
    assert "道路积水严重影响出行" in _text(again)
    assert (len(template.ttfont.getGlyphOrder()), len(template.cmap), dict(template.cw)) == before
    assert before[0] > 6000  # the GB 2312 face, whole


def _embedded_outlines(data: bytes) -> list[dict]:
    from fontTools.ttLib import TTFont

    found = []
    for page in pypdf.PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            descendant = font.get_object()["/DescendantFonts"][0].get_object()
            face = TTFont(io.BytesIO(descendant["/FontDescriptor"]["/FontFile2"].get_data()))
            glyf = face["glyf"]
            found.append(
                {
                    name: (
                        glyf[name].getCoordinates(glyf)[0].array.tolist()
                        if glyf[name].numberOfContours
                        else [],
                        face["hmtx"][name],
                    )
                    for name in face.getGlyphOrder()
                }
            )
    return found


def test_the_embedded_glyphs_are_those_fpdfs_own_add_font_embeds(monkeypatch):
    import documents.pdf as pdf_module

    title = "小区物业违规收取停车费（急）ABCxyz 123 ¥%&@《条例》「」…—"
    cached = _render(title, "张三丰")

    def plain(pdf, family, path, *, face_index=0):
        pdf.add_font(family, "", path, collection_font_number=face_index)

    monkeypatch.setattr(pdf_module, "add_parsed_font", plain)
    uncached = _render(title, "张三丰")
    assert _embedded_outlines(cached) == _embedded_outlines(uncached)
    assert _text(cached) == _text(uncached)
