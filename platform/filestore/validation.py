"""What an uploaded attachment is, decided by its content, and a name that is safe to store it under.

A citizen's or a clerk's upload is later downloaded by other people (staff, the oversight body), so the
hall accepts only what is needed for petition materials and cannot carry active content: PDF, the
common image formats, Office documents and plain text. The type comes from the bytes (magic numbers
via ``filetype``, the OOXML part list, the OLE directory), never from the name or the browser's claimed
content type: an ``.exe`` renamed ``.pdf`` is still an executable. HTML and SVG are refused even though
they are text, since a browser would run their scripts; macro-enabled Office files (docm, xlsm) are
refused by their content types.
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from config.errors import HallError

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"

OOXML_TYPES = {
    # main part content type in [Content_Types].xml -> (extension, MIME type)
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": (
        "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
}
IMAGE_TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp"}
# Names other than the canonical one that a file of the type may keep (photo.jpeg stays .jpeg).
EXTENSION_ALIASES = {"jpg": {"jpg", "jpeg"}, "txt": {"txt", "text"}}

# Text that a browser would treat as markup (and run scripts in), whatever the file is called.
MARKUP = re.compile(rb"<\s*(!doctype|html|head|body|script|svg|iframe|object|embed|\?xml|meta|style)\b", re.I)
# Characters allowed in plain text besides printable ones: tab, line feed, form feed, carriage return.
TEXT_CONTROLS_ALLOWED = {"\t", "\n", "\x0c", "\r"}
# A stored name's stem stays below this many UTF-8 bytes (filesystems allow 255; a CJK char takes 3).
NAME_STEM_MAX_BYTES = 150
OOXML_CONTENT_TYPES_MAX = 1_000_000  # bytes of [Content_Types].xml read at most (zip bombs)

ALLOWED_DESCRIPTION = _(
    "PDF、图片（JPEG、PNG、GIF、WebP）、Word（doc、docx）、Excel（xls、xlsx）、PowerPoint（pptx）和纯文本（txt）"
)


@dataclass(frozen=True)
class CheckedUpload:
    original_name: str
    safe_name: str
    content_type: str
    size: int


def _reject(name: str, reason=None) -> HallError:
    message = _("文件“%(name)s”的类型不能上传。允许上传：%(allowed)s。") % {
        "name": name,
        "allowed": ALLOWED_DESCRIPTION,
    }
    return HallError(message, code="upload_rejected", file=name, reason=reason or "type")


def _read_all(upload) -> bytes:
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    return data


def _ooxml_type(upload) -> tuple[str, str] | None:
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" not in names:
                return None
            with archive.open("[Content_Types].xml") as part:
                manifest = part.read(OOXML_CONTENT_TYPES_MAX).decode("utf-8", errors="replace")
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, ValueError):
        return None
    finally:
        upload.seek(0)
    # <Override PartName="/word/document.xml" ContentType="...document.main+xml"/>; attributes in
    # either order. A regex, not an XML parser: this is untrusted input and we only need two attributes.
    for override in re.finditer(r"<Override\b[^>]*>", manifest):
        tag = override.group(0)
        part_name = re.search(r'PartName="/?([^"]+)"', tag)
        content_type = re.search(r'ContentType="([^"]+)"', tag)
        if part_name and content_type and content_type.group(1) in OOXML_TYPES:
            if part_name.group(1) in names:
                return OOXML_TYPES[content_type.group(1)]
    return None


def _ole_type(data: bytes) -> tuple[str, str] | None:
    # Legacy Office files are OLE compound files; the stream names in the directory tell Word from
    # Excel (and from other OLE files such as .msi installers, which have neither).
    if "WordDocument".encode("utf-16-le") in data:
        return "doc", "application/msword"
    if "Workbook".encode("utf-16-le") in data or "Book\x00".encode("utf-16-le") in data:
        return "xls", "application/vnd.ms-excel"
    return None


def _text_type(data: bytes) -> tuple[str, str] | None:
    if MARKUP.search(data[:65536]) or MARKUP.search(data[-65536:]):
        return None
    for encoding, charset in (("utf-8-sig", "utf-8"), ("gb18030", "gb18030")):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if any(unicodedata.category(ch) == "Cc" and ch not in TEXT_CONTROLS_ALLOWED for ch in text):
            return None
        return "txt", f"text/plain; charset={charset}"
    return None


def detect_type(upload, data: bytes) -> tuple[str, str] | None:
    """(extension, MIME type) of an allowed file, or None."""
    head = data[:8192]
    if head.startswith(b"%PDF-"):
        return "pdf", "application/pdf"
    if head.startswith(OLE_MAGIC):
        return _ole_type(data)
    if head.startswith(ZIP_MAGIC):
        return _ooxml_type(upload)
    kind = filetype.guess(head)
    if kind is not None:
        if kind.mime in IMAGE_TYPES:
            return IMAGE_TYPES[kind.mime], kind.mime
        return None  # a binary format we know and do not accept (executables, archives, media)
    return _text_type(data)


def safe_filename(original_name: str, extension: str) -> str:
    """A storable name: no directories or control characters, Chinese kept, length capped, and the
    extension of the detected type (the one given, if it is an alias of that type)."""
    name = unicodedata.normalize("NFC", str(original_name or ""))
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C"))
    stem, dot, given_ext = name.rpartition(".")
    if not dot:
        stem, given_ext = name, ""
    keep = (
        given_ext.lower() if given_ext.lower() in EXTENSION_ALIASES.get(extension, {extension}) else extension
    )
    # Storage backends pass names through django.utils.text.get_valid_filename (spaces -> _, only
    # [-\w.] kept; \w includes Chinese); doing the same here makes the key we return the stored key.
    stem = re.sub(r"(?u)[^-\w.]", "", stem.strip().replace(" ", "_")).strip("._-")
    while len(stem.encode("utf-8")) > NAME_STEM_MAX_BYTES:
        stem = stem[:-1]
    return f"{stem or 'file'}.{keep}"


def _megabytes(size: int) -> str:
    value = size / (1024 * 1024)
    return f"{value:.0f}" if value == int(value) else f"{value:.1f}"


def validate_upload(uploaded_file) -> CheckedUpload:
    """Check an uploaded file by its content and size; HallError(code="upload_rejected") if refused."""
    original_name = str(getattr(uploaded_file, "name", "") or "")
    display_name = original_name.replace("\\", "/").rsplit("/", 1)[-1] or "file"
    limit = settings.HALL_UPLOAD_MAX_BYTES
    size = uploaded_file.size
    if size is None:
        size = len(_read_all(uploaded_file))
    if size > limit:
        raise HallError(
            _("文件“%(name)s”太大（%(size)s MB），单个文件不能超过 %(limit)s MB。")
            % {"name": display_name, "size": _megabytes(size), "limit": _megabytes(limit)},
            code="upload_rejected",
            file=display_name,
            reason="too_large",
            limit_bytes=limit,
        )
    if size == 0:
        raise HallError(
            _("文件“%(name)s”是空文件，请重新选择。") % {"name": display_name},
            code="upload_rejected",
            file=display_name,
            reason="empty",
        )
    data = _read_all(uploaded_file)
    detected = detect_type(uploaded_file, data)
    if detected is None:
        raise _reject(display_name)
    extension, content_type = detected
    return CheckedUpload(
        original_name=display_name,
        safe_name=safe_filename(original_name, extension),
        content_type=content_type,
        size=size,
    )
