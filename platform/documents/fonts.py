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


# --- A smaller face for the common case ---------------------------------------------------------------
# Parsing the whole font (~30,000 glyphs) costs ~0.5 s per document, most of a notice's rendering time.
# Nearly every notice uses only GB 2312 characters (6,763 hanzi plus symbols), so a subset of the face
# with just those is cut once per machine, cached on disk, and used whenever a document's text fits in
# it; a document with a rarer character (a name with 堃, say) embeds from the full font instead.


@functools.cache
def _common_characters() -> frozenset[str]:
    chars = {chr(code) for code in range(0x20, 0x7F)}
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                chars.add(bytes((high, low)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    chars.update("—–·•“”‘’…、。，；：？！（）〔〕【】《》〈〉「」『』　\n")
    return frozenset(chars)


def _subset_cache_dir() -> Path:
    return Path(getattr(settings, "DATA_DIR", Path.cwd() / ".data")) / "cache" / "fonts"


@functools.cache
def _common_subset(font: CjkFont) -> CjkFont | None:
    """The GB 2312 subset of ``font``, made once and cached on disk (None if it cannot be made)."""
    import hashlib
    import os
    import tempfile

    from fontTools import subset as ftsubset
    from fontTools.ttLib import TTFont

    stat = font.path.stat()
    key = hashlib.sha256(
        f"{font.path}:{stat.st_size}:{stat.st_mtime_ns}:{font.face_index}:v1".encode()
    ).hexdigest()
    target = _subset_cache_dir() / f"cjk-common-{key[:16]}.ttf"
    if target.is_file():
        return CjkFont(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        face = TTFont(str(font.path), fontNumber=font.face_index, recalcTimestamp=False)
        options = ftsubset.Options(notdef_outline=True, recommended_glyphs=True, glyph_names=False)
        options.layout_features = ["*"]
        subsetter = ftsubset.Subsetter(options)
        subsetter.populate(unicodes=[ord(char) for char in _common_characters()])
        subsetter.subset(face)
        # Write then rename: concurrent processes never read a half-written file.
        handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".ttf")
        os.close(handle)
        face.save(temporary)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except OSError:
        return None
    return CjkFont(target)


def cjk_font_for(text: str) -> CjkFont:
    """The font to embed for a document whose text is ``text``: the cached common subset when every
    character is in it, the full font otherwise."""
    full = cjk_font()
    if set(text) <= _common_characters():
        return _common_subset(full) or full
    return full


# --- Characters the CJK font lacks -------------------------------------------------------------------
# Micro Hei has no emoji and no CJK Extension B (𠮷, a rare surname's character). A character the
# embedded font lacks is drawn from a fallback font when the machine has one with the glyph (DejaVu
# Sans, Debian's fonts-dejavu-core, has the common emoji and symbols in monochrome); a character no
# font has is refused where the text comes in (documents.printable) rather than silently dropped.

# (path, face index). Only the glyphs a document uses are embedded, as with the main font.
_FALLBACK_FONTS = (("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 0),)

# Invisible formatting characters: an emoji's variation selector (U+FE0F), joiners. Nothing is lost
# when they are left out of the PDF, so they are neither drawn nor refused.
_IGNORABLE = frozenset(
    {"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", *(chr(code) for code in range(0xFE00, 0xFE10))}
)


@functools.cache
def _coverage(font: CjkFont) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    face = TTFont(str(font.path), fontNumber=font.face_index, lazy=True)
    return frozenset(face.getBestCmap())


def fallback_fonts() -> tuple[CjkFont, ...]:
    """The fonts this machine has for characters the CJK font lacks (may be empty)."""
    return tuple(CjkFont(Path(path), index) for path, index in _FALLBACK_FONTS if Path(path).is_file())


def is_ignorable(char: str) -> bool:
    return char in _IGNORABLE


def font_with_glyph(char: str) -> CjkFont | None:
    """The font a character is drawn in: the CJK font, else the first fallback with its glyph."""
    for font in (cjk_font(), *fallback_fonts()):
        if ord(char) in _coverage(font):
            return font
    return None


def unprintable_characters(text: str) -> list[str]:
    """The distinct characters of ``text`` that no available font can draw, in order of appearance
    (spaces, line breaks and invisible formatting characters are never counted)."""
    main = _coverage(cjk_font())
    found: list[str] = []
    for char in dict.fromkeys(text):
        if ord(char) in main or char.isspace() or is_ignorable(char) or char in found:
            continue
        if font_with_glyph(char) is None:
            found.append(char)
    return found
