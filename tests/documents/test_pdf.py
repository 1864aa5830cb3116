"""documents.pdf.render_document: every kind renders a readable Chinese notice."""

import io
import re
from datetime import date

import pypdf
import pytest

from config.errors import HallError
from documents.models import DocumentKind
from documents.pdf import LAYOUTS, chinese_date
from documents.services import render_document

COMMON = {"petitioner_name": "张爱丽", "tracking_number": "XF20260001234", "title": "小区门口长期占道经营"}

# Per kind: the fields it is given, and the words (besides title, number, addressee) its text must hold.
CASES = {
    DocumentKind.FORWARD_NOTICE: (
        {"target_agency": "三门峡市住房和城乡建设局"},
        ["三门峡市住房和城乡建设局", "第二十二条", "转送"],
    ),
    DocumentKind.ASSIGNMENT_ORDER: (
        {
            "target_agency": "三门峡市公安局",
            "deadline": "2026年12月11日",
            "requirements": "逐项核实并当面答复",
        },
        ["信访人张爱丽", "2026年12月11日", "办结报告", "逐项核实并当面答复", "第二十二条"],
    ),
    DocumentKind.ACCEPTANCE_NOTICE: (
        {"received_on": "2026年11月20日", "deadline": "2027年1月19日"},
        ["予以受理", "第二十三条", "第三十四条", "60日", "2026年11月20日", "2027年1月19日"],
    ),
    DocumentKind.NON_ACCEPTANCE_NOTICE: (
        {"reason": "该事项已经受理且正在办理", "channel": "行政复议"},
        ["不予受理", "该事项已经受理且正在办理", "行政复议", "第二十三条"],
    ),
    DocumentKind.EXTENSION_NOTICE: (
        {"reason": "需要多个部门联合调查", "new_deadline": "2027年2月18日"},
        ["需要多个部门联合调查", "2027年2月18日", "负责人批准", "第三十四条", "30日"],
    ),
    DocumentKind.HANDLING_OPINION: (
        {
            "opinion": "经查，您反映的问题属实。\n已责令有关单位于12月1日前整改。",
            "outcome": "support",
            "review_deadline": "2026年12月28日",
        },
        [
            "经查，您反映的问题属实。",
            "已责令有关单位于12月1日前整改。",
            "予以支持",
            "第三十二条",
            "第三十三条",
            "第三十五条",
            "复查",
            "2026年12月28日",
        ],
    ),
    DocumentKind.REVIEW_OPINION: (
        {
            "opinion": "原处理意见认定事实清楚。",
            "outcome": "not_support",
            "original_agency": "三门峡市公安局",
            "rereview_agency": "三门峡市人民政府",
        },
        [
            "原处理意见认定事实清楚。",
            "不予支持",
            "三门峡市公安局",
            "三门峡市人民政府",
            "第三十五条",
            "第三十六条",
            "复核",
        ],
    ),
    DocumentKind.REREVIEW_OPINION: (
        {"opinion": "复查意见正确，予以维持。", "outcome": "explain"},
        ["复查意见正确，予以维持。", "作出解释说明", "第三十六条", "不再受理"],
    ),
    DocumentKind.NOT_ACCEPTED_BY_BUREAU: (
        {"reason": "您反映的是劳动合同纠纷", "channel": "劳动仲裁"},
        ["您反映的是劳动合同纠纷", "劳动仲裁", "第二十二条"],
    ),
    DocumentKind.REPEAT_NOTICE: (
        {"original": "SMX-2026-000123"},
        ["SMX-2026-000123", "第十九条", "同一事项", "不作为新的信访事项受理"],
    ),
    DocumentKind.FINAL_NOTICE: (
        {"original": "SMX-2026-000123", "reason": "同一事实和理由已于信访件SMX-2026-000123经复核终结"},
        ["SMX-2026-000123", "第三十六条", "不再受理"],
    ),
    DocumentKind.COMPLETION_REPORT: (
        {
            "to_agency": "三门峡市信访局",
            "opinion": "已约谈当事单位并整改到位。",
            "outcome": "support",
            "assignment_number": "三信交〔2026〕7号",
        },
        ["信访人张爱丽", "已约谈当事单位并整改到位。", "予以支持", "三信交〔2026〕7号", "特此报告"],
    ),
    DocumentKind.REFERRAL_NOTICE: (
        {"step": "复核", "review_body": "河南省人民政府", "referred_on": "2026年11月26日"},
        ["河南省人民政府", "复核", "第三十六条", "移送", "复核意见"],
    ),
}

ADDRESSEE = {DocumentKind.ASSIGNMENT_ORDER: "target_agency", DocumentKind.COMPLETION_REPORT: "to_agency"}


def pdf_text(data: bytes) -> str:
    """The text a reader extracts, with line breaks and spaces removed (wrapping may split any word)."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def render(kind, extra, **overrides):
    arguments = {
        "kind": kind,
        "number": "三公受〔2026〕15号",
        "agency_name": "三门峡市公安局",
        "issued_on": date(2026, 11, 26),
        "fields": {**COMMON, **extra},
    }
    return render_document(**{**arguments, **overrides})


def test_every_kind_has_a_layout():
    assert set(LAYOUTS) == set(DocumentKind.values)
    assert set(CASES) == set(DocumentKind.values)


@pytest.mark.parametrize("kind", list(CASES))
def test_each_kind_renders_its_title_number_addressee_and_fields(kind):
    extra, expected = CASES[kind]
    data = render(kind, extra)
    assert data.startswith(b"%PDF-")
    text = pdf_text(data)
    fields = {**COMMON, **extra}
    assert LAYOUTS[kind].title in text
    assert "三公受〔2026〕15号" in text
    assert "三门峡市公安局" in text
    assert f"{fields[ADDRESSEE.get(kind, 'petitioner_name')]}：" in text
    assert "XF20260001234" in text
    assert "小区门口长期占道经营" in text
    assert "2026年11月26日" in text
    assert "《信访工作条例》" in text
    for words in expected:
        assert words in text, f"{words!r} missing from the {kind} text"


def test_the_cjk_font_is_embedded_as_a_subset():
    reader = pypdf.PdfReader(io.BytesIO(render(DocumentKind.ACCEPTANCE_NOTICE, {})))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    descendant = next(iter(fonts.values())).get_object()["/DescendantFonts"][0].get_object()
    descriptor = descendant["/FontDescriptor"].get_object()
    assert "/FontFile2" in descriptor  # the TrueType program itself travels in the file
    assert re.match(r"^/[A-Z]{6}\+", descriptor["/FontName"])  # subset tag: only the glyphs used
    assert len(descriptor["/FontFile2"].get_object().get_data()) < 200_000


def test_outcome_words_not_in_the_table_are_printed_as_given():
    text = pdf_text(render(DocumentKind.HANDLING_OPINION, {"opinion": "见附件。", "outcome": "部分支持"}))
    assert "本机关对您的信访请求部分支持。" in text


def test_long_opinions_flow_onto_more_pages():
    data = render(
        DocumentKind.HANDLING_OPINION, {"opinion": "经调查核实，情况如下。\n" * 80, "outcome": "explain"}
    )
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert len(reader.pages) >= 2
    assert "作出解释说明" in pdf_text(data)


def test_chinese_date_has_no_leading_zeros():
    assert chinese_date(date(2026, 1, 5)) == "2026年1月5日"


def test_unknown_kind_is_refused():
    with pytest.raises(HallError) as info:
        render("summons", {})
    assert info.value.code == "document_kind_unknown"
    assert "summons" in str(info.value)


@pytest.mark.parametrize(
    ("kind", "extra", "missing"),
    [
        (DocumentKind.EXTENSION_NOTICE, {"reason": "需要联合调查"}, ["new_deadline"]),
        (DocumentKind.HANDLING_OPINION, {"opinion": "  ", "outcome": "support"}, ["opinion"]),
        (DocumentKind.FORWARD_NOTICE, {"target_agency": "某局", "petitioner_name": ""}, ["petitioner_name"]),
    ],
)
def test_missing_required_fields_are_named(kind, extra, missing):
    with pytest.raises(HallError) as info:
        render(kind, extra)
    assert info.value.code == "document_fields_missing"
    assert info.value.details["missing"] == missing
    for name in missing:
        assert name in str(info.value)
    assert LAYOUTS[kind].title in str(info.value)


def test_a_blank_number_is_refused():
    with pytest.raises(HallError) as info:
        render(DocumentKind.ACCEPTANCE_NOTICE, {}, number=" ")
    assert info.value.details["missing"] == ["number"]
