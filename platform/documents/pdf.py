"""Lay out an official notice (文书) as a PDF.

The layout follows the habits of GB/T 9704 (党政机关公文格式) as far as a generated notice needs them: the
issuing agency's name in red at the top (红头), the document number (文号) above a red rule, the title,
the addressee (主送), the body with two-character first-line indents, and the agency and date in Chinese
form at the bottom right (落款). Each kind's body cites the article of 信访工作条例 (2022) it rests on.
The text is real text in an embedded, subsetted CJK font (documents.fonts), so it can be searched,
copied and read by screen readers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext_lazy as _
from fpdf import FPDF
from fpdf.enums import WrapMode, XPos, YPos

from config.errors import HallError
from documents.fonts import cjk_font_for
from documents.models import DocumentKind

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
    DocumentKind.COMPLETION_REPORT: Layout(
        "信访事项办结报告",
        ("to_agency", "opinion", "outcome"),
        _completion_report,
        addressee_field="to_agency",
    ),
}


class _NoticePdf(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.footer_text = footer_text

    def footer(self) -> None:
        self.set_y(-18)
        self.set_font(FONT, size=9)
        self.set_text_color(*GREY)
        self.cell(0, 5, f"— {self.page_no()} —", align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.cell(0, 5, self.footer_text, align="C")


def _clean(fields: Mapping[str, object]) -> dict[str, str]:
    return {key: str(value).strip() for key, value in fields.items() if value is not None}


def render_document(
    *, kind: str, number: str, agency_name: str, issued_on: date, fields: dict[str, str]
) -> bytes:
    """The PDF of one notice. ``fields`` carries the case's words (petitioner_name, tracking_number,
    title, and per kind: target_agency, deadline, reason, channel, new_deadline, opinion, outcome,
    review_deadline, ...; see LAYOUTS). Raises HallError for an unknown kind or a missing field."""
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

    paragraphs = layout.body(values)
    font = cjk_font_for(
        "".join(
            (agency_name, number, layout.title, values[layout.addressee_field], *paragraphs, *values.values())
        )
        + chinese_date(issued_on)
        + "信访件编号：网上信访大厅生成—0123456789 "
    )
    pdf = _NoticePdf(footer_text=f"信访件编号：{values['tracking_number']}    网上信访大厅生成")
    pdf.add_font(FONT, "", str(font.path), collection_font_number=font.face_index)
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
        pdf.multi_cell(
            0, 14, agency_name, align="C", wrapmode=WrapMode.CHAR, new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
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
        pdf.multi_cell(
            0, 11, layout.title, align="C", wrapmode=WrapMode.CHAR, new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
    pdf.ln(6)

    pdf.set_font(FONT, size=BODY_SIZE)
    pdf.multi_cell(
        0,
        LINE_HEIGHT,
        f"{values[layout.addressee_field]}：",
        wrapmode=WrapMode.CHAR,
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    for paragraph in paragraphs:
        pdf.multi_cell(
            0, LINE_HEIGHT, INDENT + paragraph, wrapmode=WrapMode.CHAR, new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )

    # 落款: the agency and the date, right-aligned with some room for the seal.
    pdf.ln(14)
    pdf.multi_cell(
        0, LINE_HEIGHT, agency_name, align="R", wrapmode=WrapMode.CHAR, new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    pdf.cell(0, LINE_HEIGHT, chinese_date(issued_on), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())
