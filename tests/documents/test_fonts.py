"""documents.fonts: the CJK font comes from the project's own dependencies, or from the operator."""

import pytest

from config.errors import HallError
from documents import fonts


def test_the_packaged_font_is_found_without_system_fonts():
    packaged = fonts._packaged_font()
    assert packaged is not None, "paperang-p2-fonts-cjk (a dependency in pyproject.toml) is not installed"
    assert fonts.cjk_font().path == packaged
    assert fonts.cjk_font().face_index == 0


def test_an_operator_font_path_wins(settings):
    packaged = fonts._packaged_font()
    settings.HALL_PDF_FONT_PATH = f"{packaged}#1"
    chosen = fonts.cjk_font()
    assert chosen.path == packaged
    assert chosen.face_index == 1


def test_a_missing_operator_font_is_reported(settings, tmp_path):
    settings.HALL_PDF_FONT_PATH = str(tmp_path / "FangSong.ttf")
    with pytest.raises(HallError) as info:
        fonts.cjk_font()
    assert info.value.code == "pdf_font_missing"
    assert "FangSong.ttf" in str(info.value)


def test_common_text_embeds_the_cached_gb2312_subset_and_rare_text_the_full_font(settings, tmp_path):
    from documents import fonts

    settings.DATA_DIR = tmp_path
    fonts._common_subset.cache_clear()
    full = fonts.cjk_font()
    common = fonts.cjk_font_for("三门峡市公安局：您提出的信访事项已受理。")
    assert common.path.parent == tmp_path / "cache" / "fonts" and common.path != full.path
    # 堃 (U+5803) is in GBK but not in GB 2312: the whole face is embedded so the name still renders.
    assert fonts.cjk_font_for("王堃") == full
    fonts._common_subset.cache_clear()


def test_a_rare_character_in_a_name_survives_into_the_pdf():
    from datetime import date

    from pypdf import PdfReader

    from documents.services import render_document

    data = render_document(
        kind="acceptance_notice",
        number="三信受〔2026〕1号",
        agency_name="三门峡市信访局",
        issued_on=date(2026, 11, 26),
        fields={"petitioner_name": "王堃", "tracking_number": "SMX-2026-000001", "title": "测试"},
    )
    import io

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert "王堃" in text
