"""Which CJK font the generated PDFs embed, and where it comes from.

Chinese notices need a font with the CJK ideographs; PDF's 14 standard fonts have none, and a PDF that
relies on the reader's fonts shows blank boxes on a machine without them. So every PDF embeds a subset
(only the glyphs used, a few kB) of one font, found in this order:

1. ``settings.HALL_PDF_FONT_PATH`` (env ``HALL_PDF_FONT_PATH``): an operator's choice, e.g. a licensed
   FangSong (仿宋) for documents that must follow GB/T 9704 exactly. ``.ttc`` collections take face 0
   unless the path ends with ``#N``.
2. WenQuanYi Micro Hei (文泉驿微米黑) from the PyPI package ``paperang-p2-fonts-cjk``, which pyproject.toml
   lists, so ``pip install -e .`` (what ``./run`` does) brings it on any fresh machine with no root, no apt
   and no network beyond PyPI. Why this one:
   - licence: the font is Apache-2.0 / GPLv3-with-font-exception, which allows embedding in documents;
   - fpdf2 embeds and subsets it (a TrueType ``glyf`` collection; face 0 is Micro Hei) in ~0.3 s;
   - it covers GB 2312 and most of GBK, the characters names and addresses in a petition use;
   - it is a 2 MB wheel with no dependencies. The alternatives on PyPI were worse: ``mplfonts``
     bundles SimHei (not free to redistribute) and pulls in matplotlib; Google's Noto Sans SC in
     ``justmytype-intl-cjk`` is a variable font whose default instance is Thin (weight 100), and
     instancing it to Regular takes ~15 s per process.
3. The same font or Noto Sans CJK from Debian's packages (``fonts-wqy-microhei``, ``fonts-noto-cjk``;
   ``infra/run_tests.py`` apt-installs the former), in case the PyPI package ever disappears.

If none is found, rendering fails with a HallError that says what to install.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from config.errors import HallError

# (path, face index in a collection). Noto Sans CJK's collection puts Simplified Chinese third.
_SYSTEM_FONTS = (
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
)


@dataclass(frozen=True)
class CjkFont:
    path: Path
    face_index: int = 0


def _packaged_font() -> Path | None:
    try:
        root = resources.files("paperang_p2_fonts_cjk")
    except ModuleNotFoundError:
        return None
    candidate = Path(str(root.joinpath("fonts", "wqy-microhei.ttc")))
    return candidate if candidate.is_file() else None


@functools.cache
def _find_font(configured: str) -> CjkFont:
    if configured:
        path_text, _sep, index_text = configured.partition("#")
        path = Path(path_text)
        if not path.is_file():
            raise HallError(
                _("HALL_PDF_FONT_PATH 指向的字体文件不存在：%(path)s") % {"path": path_text},
                code="pdf_font_missing",
                status=500,
            )
        return CjkFont(path, int(index_text) if index_text.isdigit() else 0)
    packaged = _packaged_font()
    if packaged is not None:
        return CjkFont(packaged)
    for path_text, index in _SYSTEM_FONTS:
        if Path(path_text).is_file():
            return CjkFont(Path(path_text), index)
    raise HallError(
        _(
            "找不到用于生成 PDF 的中文字体：请安装项目依赖（pip install -e .，含 paperang-p2-fonts-cjk）"
            "或 Debian 软件包 fonts-wqy-microhei，或设置 HALL_PDF_FONT_PATH。"
        ),
        code="pdf_font_missing",
        status=500,
    )


def cjk_font() -> CjkFont:
    """The font every generated PDF embeds (looked up once per process and setting value)."""
    return _find_font(getattr(settings, "HALL_PDF_FONT_PATH", "") or "")
