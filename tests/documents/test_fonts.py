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
