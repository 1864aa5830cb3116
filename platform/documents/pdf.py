"""Lay out an official notice (文书) as a PDF.

The layout follows the habits of GB/T 9704 (党政机关公文格式) as far as a generated notice needs them: the
issuing agency's name in red at the top (红头), the document number (文号) above a red rule, the title,
the addressee (主送), the body with two-character first-line indents, and the agency and date in Chinese
form at the bottom right (落款). Each kind's body cites the article of 信访工作条例 (2022) it rests on.
The text is real text in an embedded, subsetted CJK font (documents.fonts), so it can be searched,
copied and read by screen readers.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext_lazy as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from config.errors import HallError
from documents.fonts import cjk_font, cjk_font_for, font_with_glyph, is_ignorable, unprintable_characters
from documents.models import DocumentKind
from documents.parsed_fonts import add_parsed_font
from documents.seals import SealImage, agency_seal
from documents.typesetting import clean_punctuation, wrap_lines

FONT = "hallcjk"
RED = (200, 16, 16)
BLACK = (0, 0, 0)
GREY = (90, 90, 90)
INDENT = "\u3000\u3000"  # two ideographic spaces: the first-line indent of Chinese prose
BODY_SIZE = 14
LINE_HEIGHT = 8.5

# 信访工作条例 art. 33: the three possible answers to a request.
OUTCOME_TEXT = {
    "support": "予以支持",
    "explain": "作出解释说明",
    "not_support": "不予支持",
}

COMMON_FIELDS = ("petitioner_name", "tracking_number", "title")


def chinese_date(day: date) -> str:
    """2026年11月26日 (no leading zeros, as Chinese official documents write it)."""
    return f"{day.year}年{day.month}月{day.day}日"


def _outcome(fields: Mapping[str, str]) -> str:
    value = fields["outcome"]
    return OUTCOME_TEXT.get(value, value)


def _subject(f: Mapping[str, str]) -> str:
    return f"您提出的“{f['title']}”信访事项（信访件编号：{f['tracking_number']}）"


def _paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _forward_notice(f: Mapping[str, str]) -> list[str]:
    return [
        f"{_subject(f)}，本机关已收悉。依照《信访工作条例》第二十二条的规定，按照“属地管理、分级负责，"
        f"谁主管、谁负责”的原则，该事项已转送{f['target_agency']}办理。",
        f"请您向{f['target_agency']}了解办理情况；您也可以登录网上信访大厅，凭信访件编号随时查询办理进度。",
    ]


def _assignment_order(f: Mapping[str, str]) -> list[str]:
    body = [
        f"现将信访人{f['petitioner_name']}提出的“{f['title']}”信访事项（信访件编号：{f['tracking_number']}）"
        "交由你单位办理。",
        f"依照《信访工作条例》第二十二条的规定，请你单位依法办理，于{f['deadline']}前办结，"
        "书面答复信访人，并向本机关提交办结报告。",
    ]
    if f.get("requirements"):
        body.append(f"办理要求：{f['requirements']}")
    return body


def _acceptance_notice(f: Mapping[str, str]) -> list[str]:
    received = f"已于{f['received_on']}收悉" if f.get("received_on") else "已收悉"
    limit = f"（办理期限至{f['deadline']}）" if f.get("deadline") else ""
    return [
        f"{_subject(f)}，本机关{received}。经审查，该事项属于本机关职权范围，依照《信访工作条例》"
        "第二十三条的规定，决定予以受理。",
        f"依照《信访工作条例》第三十四条的规定，本机关将自受理之日起60日内办结并书面答复您{limit}；"
        "情况复杂需要延长办理期限的，将告知您延期理由。",
        # What the agency typed when accepting (the accept form's message) is told to the petitioner.
        # (Fields arrive without their closing 。, which the templates put; a doubled one is collapsed.)
        *([f"{f['reason'].strip()}。"] if f.get("reason", "").strip() else []),
    ]


def _non_acceptance_notice(f: Mapping[str, str]) -> list[str]:
    body = [
        f"{_subject(f)}，本机关已收悉。经审查，{f['reason']}。依照《信访工作条例》第二十三条的规定，"
        "本机关决定不予受理。",
    ]
    if f.get("channel"):
        body.append(f"您可以通过{f['channel']}等法定途径依法解决，或向有权处理的机关、单位提出。")
    return body


def _extension_notice(f: Mapping[str, str]) -> list[str]:
    return [
        f"{_subject(f)}，本机关已依法受理。因{f['reason']}，经本机关负责人批准，依照《信访工作条例》"
        f"第三十四条的规定，办理期限延长至{f['new_deadline']}。",
        "延长期限不超过30日。本机关将在延长期限内办结，并书面答复您。",
    ]


def _next_step(
    f: Mapping[str, str], *, step: str, article: str, agency_field: str, deadline_field: str
) -> str:
    agency = f.get(agency_field) or "本机关的上一级机关、单位"
    until = f"（请求期限至{f[deadline_field]}）" if f.get(deadline_field) else ""
    return (
        f"如对本意见不服，依照《信访工作条例》第{article}条的规定，您可以自收到本意见书之日起30日内"
        f"向{agency}请求{step}{until}。"
    )


def _handling_opinion(f: Mapping[str, str]) -> list[str]:
    return [
        f"{_subject(f)}，本机关已依法受理。依照《信访工作条例》第三十二条的规定，本机关听取了您陈述的"
        "事实和理由，并进行了调查核实。现将处理意见答复如下：",
        *_paragraphs(f["opinion"]),
        f"依照《信访工作条例》第三十三条的规定，本机关对您的信访请求{_outcome(f)}。",
        _next_step(
            f, step="复查", article="三十五", agency_field="review_agency", deadline_field="review_deadline"
        ),
    ]


def _review_opinion(f: Mapping[str, str]) -> list[str]:
    original = f.get("original_agency") or "原办理机关、单位"
    return [
        f"您不服{original}作出的信访处理意见，就“{f['title']}”信访事项（信访件编号：{f['tracking_number']}）"
        "提出的复查请求，本机关已收悉。依照《信访工作条例》第三十五条的规定，本机关进行了复查。"
        "复查意见如下：",
        *_paragraphs(f["opinion"]),
        f"经复查，本机关对您的请求{_outcome(f)}。",
        _next_step(
            f,
            step="复核",
            article="三十六",
            agency_field="rereview_agency",
            deadline_field="rereview_deadline",
        ),
    ]


def _rereview_opinion(f: Mapping[str, str]) -> list[str]:
    return [
        f"您不服复查意见，就“{f['title']}”信访事项（信访件编号：{f['tracking_number']}）提出的复核请求，"
        "本机关已收悉。依照《信访工作条例》第三十六条的规定，本机关进行了复核。复核意见如下：",
        *_paragraphs(f["opinion"]),
        f"经复核，本机关对您的请求{_outcome(f)}。",
        "本复核意见为终结意见。依照《信访工作条例》第三十六条的规定，您对复核意见不服，仍然以同一事实和"
        "理由提出投诉请求的，信访部门和其他机关、单位不再受理。",
    ]


def _not_accepted_by_bureau(f: Mapping[str, str]) -> list[str]:
    # 诉访分离: a matter for a court, arbitration or administrative reconsideration is pointed there.
    return [
        f"{_subject(f)}，本机关已收悉。经审查，{f['reason']}，依法应当通过{f['channel']}等法定途径解决。"
        "依照《信访工作条例》第二十二条的规定，本机关不作为信访事项受理。",
        f"请您依照法定程序，通过{f['channel']}途径向有关机关提出。",
    ]


def _completion_report(f: Mapping[str, str]) -> list[str]:
    order = f"，交办单号：{f['assignment_number']}" if f.get("assignment_number") else ""
    return [
        f"你机关交办的信访人{f['petitioner_name']}提出的“{f['title']}”信访事项（信访件编号："
        f"{f['tracking_number']}{order}），本单位已办理完毕。依照《信访工作条例》第二十二条的规定，"
        "现将办理情况报告如下：",
        *_paragraphs(f["opinion"]),
        f"处理结果：对信访人的请求{_outcome(f)}，已书面答复信访人。",
        "特此报告。",
    ]


def _repeat_notice(f: Mapping[str, str]) -> list[str]:
    # 信访工作条例 art. 19: the same matter, still being handled, is not accepted again as a new one.
    return [
        f"{_subject(f)}，本机关已收悉。经审查，该事项与您此前提出、正在办理的信访事项（信访件编号："
        f"{f['original']}）为同一事项。依照《信访工作条例》第十九条的规定，本次来信来访不作为新的信访事项"
        "受理，已关联到原件一并办理，您提交的材料已全部转入原件。",
        "您可以在网上信访大厅查看原件的办理情况。如认为不是同一事项，可以向本机关说明理由。",
    ]


def _final_notice(f: Mapping[str, str]) -> list[str]:
    # 三级终结 (art. 36), or the answer that stood once its review window lapsed unused (arts. 35-36).
    return [
        f"{_subject(f)}，本机关已收悉。经审查，{f['reason']}",
        "依照《信访工作条例》第三十五条、第三十六条的规定，信访人对信访事项处理（复查、复核）意见在规定期限"
        "内未请求复查（复核），或者对复核意见不服，仍然以同一事实和理由提出投诉请求的，信访部门和其他"
        "机关、单位不再受理。",
    ]


def _referral_notice(f: Mapping[str, str]) -> list[str]:
    # The body that decides is outside the hall (the province, a 复查复核委员会): the request goes there.
    article = "三十六" if f["step"] == "复核" else "三十五"
    return [
        f"{_subject(f)}，您提出的{f['step']}请求本机关已收悉。依照《信访工作条例》第{article}条的规定，"
        f"{f['step']}由{f['review_body']}办理，本机关已于{f['referred_on']}将您的请求及全部材料移送该机关。",
        f"{f['review_body']}将依法出具{f['step']}意见；意见送达后，本机关将在网上信访大厅登记，"
        "您可以凭信访件编号随时查询。",
    ]


@dataclass(frozen=True)
class Layout:
    title: str
    required: tuple[str, ...]
    body: Callable[[Mapping[str, str]], list[str]]
    addressee_field: str = "petitioner_name"


LAYOUTS: dict[str, Layout] = {
    DocumentKind.FORWARD_NOTICE: Layout("信访事项转送告知书", ("target_agency",), _forward_notice),
    DocumentKind.ASSIGNMENT_ORDER: Layout(
        "信访事项交办单", ("target_agency", "deadline"), _assignment_order, addressee_field="target_agency"
    ),
    DocumentKind.ACCEPTANCE_NOTICE: Layout("信访事项受理告知书", (), _acceptance_notice),
    DocumentKind.NON_ACCEPTANCE_NOTICE: Layout("信访事项不予受理告知书", ("reason",), _non_acceptance_notice),
    DocumentKind.EXTENSION_NOTICE: Layout(
        "信访事项延期办理告知书", ("reason", "new_deadline"), _extension_notice
    ),
    DocumentKind.HANDLING_OPINION: Layout("信访处理意见书", ("opinion", "outcome"), _handling_opinion),
    DocumentKind.REVIEW_OPINION: Layout("信访事项复查意见书", ("opinion", "outcome"), _review_opinion),
    DocumentKind.REREVIEW_OPINION: Layout("信访事项复核意见书", ("opinion", "outcome"), _rereview_opinion),
    DocumentKind.NOT_ACCEPTED_BY_BUREAU: Layout(
        "不予受理告知书", ("reason", "channel"), _not_accepted_by_bureau
    ),
    DocumentKind.REPEAT_NOTICE: Layout("重复信访告知书", ("original",), _repeat_notice),
    DocumentKind.FINAL_NOTICE: Layout("不再受理告知书", ("original", "reason"), _final_notice),
    DocumentKind.REFERRAL_NOTICE: Layout(
        "信访事项移送复查（复核）告知书", ("step", "review_body", "referred_on"), _referral_notice
    ),
    DocumentKind.COMPLETION_REPORT: Layout(
        "信访事项办结报告",
        ("to_agency", "opinion", "outcome"),
        _completion_report,
        addressee_field="to_agency",
    ),
}


class _NoticePdf(FPDF):
    def __init__(self, footer_lines: tuple[str, ...]) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.footer_lines = footer_lines

    def footer(self) -> None:
        self.set_y(-10 - 4.5 * (len(self.footer_lines) + 1))
        self.set_font(FONT, size=9)
        self.set_text_color(*GREY)
        self.cell(0, 4.5, f"— {self.page_no()} —", align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        for line in self.footer_lines:
            self.cell(0, 4.5, line, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


# Inline fields go inside the templates' sentences: a trailing mark of their own would double the
# template's (「……办理。，依法」).
_TRAILING_MARKS = "。，、；："
# Paragraph fields keep their own punctuation.
PARAGRAPH_FIELDS = frozenset({"opinion", "requirements"})


def printable_text(text: str) -> str:
    """``text`` with what no font can draw made visible as its code point (``[U+20BB7]``), never
    dropped; invisible formatting characters (an emoji's variation selector) are left out. The forms
    refuse such characters at input (documents.printable); this covers text that came in before."""
    if not unprintable_characters(text) and not any(is_ignorable(char) for char in text):
        return text
    missing = set(unprintable_characters(text))
    return "".join(
        f"[U+{ord(char):04X}]" if char in missing else char for char in text if not is_ignorable(char)
    )


def _clean(fields: Mapping[str, object]) -> dict[str, str]:
    values: dict[str, str] = {}
    for key, value in fields.items():
        if value is None:
            continue
        text = printable_text(str(value).strip())
        if key not in PARAGRAPH_FIELDS:
            text = text.rstrip(_TRAILING_MARKS).strip()
        values[key] = text
    return values


def _measure(pdf: FPDF) -> Callable[[str], float]:
    """Width in mm of a piece of text in the current font and size (fallback glyphs included)."""
    widths: dict[str, float] = {}

    def measure(text: str) -> float:
        total = 0.0
        for char in text:
            width = widths.get(char)
            if width is None:
                width = widths[char] = pdf.get_string_width(char)
            total += width
        return total

    return measure


def _write(pdf: FPDF, text: str, *, height: float, align: str = "L") -> list[str]:
    """Write ``text`` as lines broken by the Chinese rules (documents.typesetting); returns the lines."""
    width = pdf.w - pdf.l_margin - pdf.r_margin
    lines = wrap_lines(text, width, _measure(pdf))
    for line in lines:
        pdf.cell(0, height, line, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return lines


SEAL_DIAMETER = 42.0  # mm: GB/T 9704's usual seal size
# 信访工作条例 does not make an electronic seal a signature; the footer says what it is and is not.
SEALED_STATEMENT = "本文书由网上信访大厅生成（系统生成），电子印章仅用于表明本文书由落款机关出具。"
UNSEALED_STATEMENT = "本文书由网上信访大厅生成（系统生成），未加盖印章。"


def _place_seal(pdf: FPDF, seal: SealImage, *, name_width: float, date_width: float, date_y: float) -> None:
    """The seal over the agency's name and the date, as GB/T 9704 places it: centred on the signature,
    the date a little below the seal's centre. Drawn after the text so the text shows through."""
    right = pdf.w - pdf.r_margin
    centre_x = right - max(name_width, date_width) / 2
    width = SEAL_DIAMETER
    height = SEAL_DIAMETER * seal.height_px / seal.width_px
    centre_y = date_y - LINE_HEIGHT * 0.15
    pdf.image(io.BytesIO(seal.data), x=centre_x - width / 2, y=centre_y - height / 2, w=width, h=height)


def render_document(
    *,
    kind: str,
    number: str,
    agency_name: str,
    issued_on: date,
    fields: dict[str, str],
    agency_code: str | None = None,
) -> bytes:
    """The PDF of one notice. ``fields`` carries the case's words (petitioner_name, tracking_number,
    title, and per kind: target_agency, deadline, reason, channel, new_deadline, opinion, outcome,
    review_deadline, ...; see LAYOUTS). The issuing agency's seal (documents.seals) is placed over the
    signature: that of ``agency_code``, or by default of the agency whose schema is current (the case
    services render inside the issuing agency's schema). Raises HallError for an unknown kind or a
    missing field."""
    layout = LAYOUTS.get(kind)
    if layout is None:
        raise HallError(_("未知的文书类别：%(kind)s") % {"kind": kind}, code="document_kind_unknown")
    values = _clean(fields)
    missing = [name for name in (*COMMON_FIELDS, *layout.required) if not values.get(name)]
    if not number.strip():
        missing.insert(0, "number")
    if not agency_name.strip():
        missing.insert(0, "agency_name")
    if missing:
        raise HallError(
            _("生成“%(title)s”缺少必填内容：%(fields)s")
            % {"title": layout.title, "fields": "、".join(missing)},
            code="document_fields_missing",
            missing=missing,
        )

    agency_name = printable_text(agency_name.strip())
    paragraphs = [clean_punctuation(paragraph) for paragraph in layout.body(values)]
    seal = agency_seal(agency_code=agency_code)
    footer_lines = (
        f"信访件编号：{values['tracking_number']}",
        SEALED_STATEMENT if seal else UNSEALED_STATEMENT,
    )
    text = "".join(
        (agency_name, number, layout.title, values[layout.addressee_field], *paragraphs, *values.values())
    ) + "".join((chinese_date(issued_on), *footer_lines, "—0123456789 "))
    font = cjk_font_for(text)
    pdf = _NoticePdf(footer_lines=footer_lines)
    # Parsed once per process (documents.parsed_fonts): add_font would re-read the whole face.
    add_parsed_font(pdf, FONT, str(font.path), face_index=font.face_index)
    fallbacks = {found for char in set(text) if (found := font_with_glyph(char)) not in (None, cjk_font())}
    if fallbacks:
        names = []
        for index, fallback in enumerate(sorted(fallbacks, key=str)):
            names.append(f"{FONT}fallback{index}")
            add_parsed_font(pdf, names[-1], str(fallback.path), face_index=fallback.face_index)
        pdf.set_fallback_fonts(names)
    pdf.set_margins(left=28, top=25, right=26)
    pdf.set_auto_page_break(auto=True, margin=28)
    pdf.set_title(f"{layout.title} {number}")
    pdf.set_author(agency_name)
    pdf.set_creator("网上信访大厅")
    pdf.set_lang("zh-CN")
    pdf.add_page()

    # 红头: the agency's name, then the number above a red rule.
    pdf.set_text_color(*RED)
    pdf.set_font(FONT, size=24)
    with pdf.local_context(text_mode="FILL_STROKE", line_width=0.35, draw_color=RED):
        _write(pdf, agency_name, height=14, align="C")
    pdf.ln(4)
    pdf.set_text_color(*BLACK)
    pdf.set_font(FONT, size=BODY_SIZE)
    pdf.cell(0, LINE_HEIGHT, number, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1)
    pdf.set_draw_color(*RED)
    pdf.set_line_width(0.8)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(10)

    pdf.set_font(FONT, size=20)
    with pdf.local_context(text_mode="FILL_STROKE", line_width=0.25, draw_color=BLACK):
        _write(pdf, layout.title, height=11, align="C")
    pdf.ln(6)

    pdf.set_font(FONT, size=BODY_SIZE)
    _write(pdf, f"{values[layout.addressee_field]}：", height=LINE_HEIGHT)
    for paragraph in paragraphs:
        _write(pdf, INDENT + paragraph, height=LINE_HEIGHT)

    # 落款: the agency and the date, right-aligned, with room for the seal over them. The whole block
    # (seal included) stays on one page.
    block = 14 + LINE_HEIGHT * 2 + SEAL_DIAMETER / 2
    if pdf.get_y() + block > pdf.h - pdf.b_margin:
        pdf.add_page()
    pdf.ln(14)
    name_lines = _write(pdf, agency_name, height=LINE_HEIGHT, align="R")
    date_text = chinese_date(issued_on)
    date_y = pdf.get_y() + LINE_HEIGHT / 2
    pdf.cell(0, LINE_HEIGHT, date_text, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if seal is not None:
        measure = _measure(pdf)
        _place_seal(
            pdf,
            seal,
            name_width=max(measure(line) for line in name_lines),
            date_width=measure(date_text),
            date_y=date_y,
        )
    return bytes(pdf.output())
