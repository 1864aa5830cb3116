"""documents.typesetting and the notices' lines: Chinese line-breaking rules (禁则), no doubled
punctuation, and characters outside the CJK font drawn by a fallback font or refused at input."""

import io
import re
from datetime import date

import pypdf
import pytest
from fpdf import FPDF

from documents.fonts import cjk_font, font_with_glyph, unprintable_characters
from documents.models import DocumentKind
from documents.pdf import BODY_SIZE, FONT, INDENT
from documents.printable import printable_error, require_printable
from documents.services import render_document
from documents.typesetting import LINE_END_PROHIBITED, LINE_START_PROHIBITED, clean_punctuation, wrap_lines

COMMON = {"petitioner_name": "张爱丽", "tracking_number": "XF20260001234", "title": "小区门口长期占道经营"}
BODY_WIDTH = 210 - 28 - 26  # A4 less the notice's margins, in mm


def _body_measure():
    pdf = FPDF(unit="mm", format="A4")
    font = cjk_font()
    pdf.add_font(FONT, "", str(font.path), collection_font_number=font.face_index)
    pdf.set_font(FONT, size=BODY_SIZE)
    return pdf.get_string_width


def naive_lines(text: str, width: float, measure) -> list[str]:
    """What breaking anywhere the line is full (fpdf2's WrapMode.CHAR) gives."""
    lines, line = [], ""
    for char in text:
        if line and measure(line + char) > width:
            lines.append(line)
            line = char
        else:
            line += char
    return [*lines, line] if line else lines


def chars_per_line(measure) -> int:
    return int(BODY_WIDTH // measure("国"))


def pdf_lines(data: bytes) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return [
        line.strip()
        for page in reader.pages
        for line in page.extract_text().splitlines()
        if line.strip() and not re.fullmatch(r"— \d+ —", line.strip())  # the page number
    ]


def assert_kinsoku(lines: list[str]) -> None:
    for line in lines:
        assert line[0] not in LINE_START_PROHIBITED, f"line starts with {line[0]!r}: {line!r}"
        assert line[-1] not in LINE_END_PROHIBITED, f"line ends with {line[-1]!r}: {line!r}"


def opinion_putting_marks_at_line_starts(measure) -> str:
    """An opinion whose 。 and ， fall at the start of a line when broken naively, and whose 《 and
    （ fall at the end of one."""
    per_line = chars_per_line(measure)
    first = "经" * (per_line - len(INDENT)) + "。"  # the indent and the words fill line 1: 。 starts line 2
    second = "查" * (per_line - 1) + "，"  # line 2 holds 。 and per_line - 1 characters: ， starts line 3
    third = "核" * (per_line - 2) + "《条例》"  # 《 ends line 3
    fourth = "实" * (per_line - 4) + "（附件）。"
    return first + second + third + fourth


def test_wrapping_moves_a_character_down_with_closing_punctuation():
    measure = _body_measure()
    text = INDENT + opinion_putting_marks_at_line_starts(measure)
    naive = naive_lines(text, BODY_WIDTH, measure)
    # the text is one that naive wrapping gets wrong
    assert naive[1][0] == "。" and naive[2][0] == "，" and naive[2][-1] == "《"
    lines = wrap_lines(text, BODY_WIDTH, measure)
    assert "".join(lines) == text  # nothing lost, nothing added
    assert all(measure(line) <= BODY_WIDTH + 1e-6 for line in lines)
    assert_kinsoku(lines)
    assert lines[1].startswith("经。")  # the character before 。 came down with it


@pytest.mark.parametrize(
    "text",
    [
        "甲乙丙丁“引号内的话。”",
        "（括号）《书名》【方括号】「引」『重』",
        "他说……——不对？！是吗；好：甲、乙",
        "一二三四五六七八九十" * 3,
    ],
)
def test_no_width_puts_a_prohibited_mark_at_a_line_edge(text):
    measure = _body_measure()
    for width in range(15, 60):
        lines = wrap_lines(text, width, measure)
        assert "".join(lines) == text
        if len(lines) > 1 and all(len(line) > 1 for line in lines):
            assert_kinsoku(lines)


def test_ellipses_dashes_and_numbers_are_not_split():
    measure = _body_measure()
    lines = wrap_lines("甲" * 29 + "……" + "乙" * 10 + " SMX-2026-000001 " + "丙" * 30, BODY_WIDTH, measure)
    assert not any(line.endswith("…") and not line.endswith("……") for line in lines)
    assert any("SMX-2026-000001" in line for line in lines)


def test_doubled_punctuation_is_collapsed():
    assert clean_punctuation("已经受理。，依法") == "已经受理，依法"
    assert clean_punctuation("办理。。依照") == "办理。依照"
    assert clean_punctuation("为什么不管？。") == "为什么不管？"
    assert clean_punctuation("等等……。") == "等等……。"


def test_a_rendered_notice_keeps_the_line_breaking_rules():
    measure = _body_measure()
    data = render_document(
        kind=DocumentKind.HANDLING_OPINION,
        number="三公处〔2026〕3号",
        agency_name="三门峡市公安局",
        issued_on=date(2026, 11, 26),
        fields={**COMMON, "opinion": opinion_putting_marks_at_line_starts(measure), "outcome": "support"},
    )
    lines = pdf_lines(data)
    assert any(line.startswith("经。") for line in lines)
    assert_kinsoku(lines)


def test_fields_ending_in_a_mark_do_not_double_the_templates_punctuation():
    data = render_document(
        kind=DocumentKind.NOT_ACCEPTED_BY_BUREAU,
        number="三信告〔2026〕2号",
        agency_name="三门峡市信访局",
        issued_on=date(2026, 11, 26),
        fields={
            **COMMON,
            "title": "小区门口长期占道经营。",
            "reason": "您反映的是劳动合同纠纷。",  # the template goes on with ，依法应当……
            "channel": "劳动仲裁；",
        },
    )
    text = re.sub(r"\s+", "", "".join(pdf_lines(data)))
    assert "您反映的是劳动合同纠纷，依法应当通过劳动仲裁等法定途径解决" in text
    assert "“小区门口长期占道经营”" in text
    for doubled in ("。，", "，。", "。。", "；等", "，，"):
        assert doubled not in text


def font_names(data: bytes) -> set[str]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    names = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names


@pytest.mark.parametrize("char", ["😀", "𠮷"])
def test_a_character_outside_the_cjk_font_is_drawn_by_a_fallback_or_refused_at_input(char):
    assert ord(char) not in __import__("documents.fonts", fromlist=["_coverage"])._coverage(cjk_font())
    fallback = font_with_glyph(char)
    if fallback is not None:
        data = render_document(
            kind=DocumentKind.ACCEPTANCE_NOTICE,
            number="三公受〔2026〕4号",
            agency_name="三门峡市公安局",
            issued_on=date(2026, 11, 26),
            fields={**COMMON, "title": f"路灯不亮{char}"},
        )
        assert any(f"路灯不亮{char}" in line for line in pdf_lines(data))
        assert len(font_names(data)) == 2  # the glyph came from the fallback font, embedded too
        assert printable_error(char) is None
    else:
        assert unprintable_characters(f"张{char}") == [char]
        with pytest.raises(Exception) as info:
            require_printable(f"张{char}")
        assert char in " ".join(info.value.messages) and "无法打印" in " ".join(info.value.messages)


def test_the_emoji_has_a_fallback_on_a_machine_with_dejavu():
    # fonts-dejavu-core is installed by ./run test next to fonts-wqy-microhei.
    fallback = font_with_glyph("😀")
    assert fallback is not None and "DejaVu" in str(fallback.path)
    assert unprintable_characters("您好😀𠮷\u200d️") == ["𠮷"]


def test_an_unprintable_character_that_got_in_is_shown_by_its_code_point_never_dropped():
    data = render_document(
        kind=DocumentKind.ACCEPTANCE_NOTICE,
        number="三公受〔2026〕5号",
        agency_name="三门峡市公安局",
        issued_on=date(2026, 11, 26),
        fields={**COMMON, "petitioner_name": "𠮷野"},
    )
    assert any(line.startswith("[U+20BB7]野") for line in pdf_lines(data))
