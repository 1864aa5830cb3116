"""What an uploaded attachment is, decided by its content; the names it is stored and shown under; and
the type and name it is served with.

A citizen's or a clerk's upload is later downloaded by other people (staff, the oversight body), so the
hall accepts only what is needed for petition materials and cannot carry active content. The allow-list
is ``ALLOWED_TYPES``: PDF, JPEG, PNG, GIF, WebP, Word (doc, docx), Excel (xls, xlsx), PowerPoint (pptx)
and plain text. The type comes from the bytes (magic numbers via ``filetype``, the OOXML part list, the
OLE directory), never from the name or the browser's claimed content type: an ``.exe`` renamed ``.pdf``
is still an executable, and a JPEG called ``img.html`` is stored and served as ``img.jpg``.

Refused, whatever they are called:
- HTML and SVG, and text that a browser would sniff as HTML, since a browser would run their scripts;
- a PDF or an image that also carries HTML or script markup (a polyglot that is a page when opened
  as one);
- text under a name that is not a text file's (``x.js``, ``run.bat``, ``a.svg``): the bytes of a script
  and of a letter are both just text, so here the claimed name may refuse a file; it never makes one
  acceptable and never decides the type it is served as;
- executables, archives, media and macro-enabled Office files (docm, xlsm, by their content types).

Serving: ``served_file`` maps a stored key's extension (which validate_upload derived from the content,
or store_bytes from the generated document) to a type on the same allow-list; anything else goes out as
``application/octet-stream``. The name shown in the download keeps the uploader's words with that
extension. Nothing is ever served as HTML, script, SVG or an executable.
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

# The allow-list: extension -> the MIME type a file of it is stored and served as. Detection only ever
# returns one of these (with a charset for text), and served_file only ever serves one of these.
ALLOWED_TYPES = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "txt": "text/plain",
}
# Names other than the canonical one that a file of the type may keep (photo.jpeg stays .jpeg).
EXTENSION_ALIASES = {"jpg": {"jpg", "jpeg"}, "txt": {"txt", "text"}}
SERVED_TYPES = {
    alias: ALLOWED_TYPES[extension]
    for extension in ALLOWED_TYPES
    for alias in EXTENSION_ALIASES.get(extension, {extension})
}
UNKNOWN_TYPE = "application/octet-stream"

OOXML_TYPES = {
    # main part content type in [Content_Types].xml -> extension
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": "pptx",
}
IMAGE_TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp"}
# What a plain-text upload may be called: a text file's extension, or none (an extension is a dot, then
# 1-8 ASCII letters or digits with at least one letter; "报告.2024" or "关于10.1事件" have none). Any
# other name (x.js, run.bat, a.svg, page.html, a.pdf) says the text is something else: refused.
TEXT_NAME_EXTENSIONS = {"", "txt", "text", "csv", "log", "md"}
NAME_EXTENSION = re.compile(r"^(?=[0-9]*[a-z])[a-z0-9]{1,8}$")

# Text that a browser would treat as markup (and run scripts in), whatever the file is called.
MARKUP = re.compile(rb"<\s*(!doctype|html|head|body|script|svg|iframe|object|embed|\?xml|meta|style)\b", re.I)
# What the WHATWG MIME Sniffing standard takes for HTML at the start of a file ("identifying a
# resource with an unknown MIME type"): a browser that sniffs would render such text as a page.
SNIFFS_AS_HTML = re.compile(
    rb"^(?:\xef\xbb\xbf)?[\t\n\x0c\r ]*<(?:(?:!doctype html|html|head|script|iframe|h1|div|font|table|a"
    rb"|style|title|b|body|br|p)[ >]|!--|\?xml)",
    re.I,
)
# Markup that makes a PDF or an image also a web page (a polyglot). Real PDFs and photos carry none of
# these tags (their XMP metadata is <?xpacket>/<x:xmpmeta>, their streams are binary).
ACTIVE_MARKUP = re.compile(rb"<\s*(?:!doctype\s+html|html|head|body|script|iframe|svg|object|embed)\b", re.I)
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
    original_name: str  # as sent, without folders or control characters: for messages only
    safe_name: str  # the name in the storage key, with the extension of the detected type
    content_type: str  # the detected type (never the browser's claim)
    size: int
    # The name shown to people and used in downloads: the uploader's words (spaces, Chinese kept) with
    # the extension of the detected type, so "img.html" holding a JPEG is shown as "img.jpg".
    display_name: str


@dataclass(frozen=True)
class ServedFile:
    filename: str
    content_type: str


class Refusal:
    """Why a file's content is refused (HallError.details["reason"]) and what the user is told."""

    TYPE = "type"
    MARKUP = "markup"
    SCRIPT_NAME = "script_name"


def _reject(name: str, reason: str = Refusal.TYPE) -> HallError:
    if reason == Refusal.MARKUP:
        message = _("文件“%(name)s”中含有网页或脚本代码，不能上传。请上传原始的文件。允许上传：%(allowed)s。")
    elif reason == Refusal.SCRIPT_NAME:
        message = _(
            "文件“%(name)s”的内容是纯文本，文件名却不是文本文件的扩展名（可能是 .js、.bat 等脚本或网页），"
            "不能上传；文字材料请保存为 .txt 文件后再上传。允许上传：%(allowed)s。"
        )
    else:
        message = _("文件“%(name)s”的类型不能上传。允许上传：%(allowed)s。")
    return HallError(
        message % {"name": name, "allowed": ALLOWED_DESCRIPTION},
        code="upload_rejected",
        file=name,
        reason=reason,
    )


class _Refused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _read_all(upload) -> bytes:
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    return data


def _ooxml_type(upload) -> str | None:
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


def _ole_type(data: bytes) -> str | None:
    # Legacy Office files are OLE compound files; the stream names in the directory tell Word from
    # Excel (and from other OLE files such as .msi installers, which have neither).
    if "WordDocument".encode("utf-16-le") in data:
        return "doc"
    if "Workbook".encode("utf-16-le") in data or "Book\x00".encode("utf-16-le") in data:
        return "xls"
    return None


def name_extension(name: str) -> str:
    """The extension a file name claims, lower-case, or "" when it has none."""
    base = re.split(r"[\\/]", str(name or ""))[-1]
    stem, dot, extension = base.rpartition(".")
    extension = extension.strip().lower()
    if not dot or not stem.strip(" .") or not NAME_EXTENSION.match(extension):
        return ""
    return extension


def _text_charset(data: bytes, name: str) -> str:
    """The charset of acceptable plain text; _Refused if the bytes are not text, or are text that is,
    or is called, something else."""
    if MARKUP.search(data[:65536]) or MARKUP.search(data[-65536:]) or SNIFFS_AS_HTML.match(data):
        raise _Refused(Refusal.TYPE)
    for encoding, charset in (("utf-8-sig", "utf-8"), ("gb18030", "gb18030")):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if any(unicodedata.category(ch) == "Cc" and ch not in TEXT_CONTROLS_ALLOWED for ch in text):
            break
        if name_extension(name) not in TEXT_NAME_EXTENSIONS:
            raise _Refused(Refusal.SCRIPT_NAME)
        return charset
    raise _Refused(Refusal.TYPE)


def _binary_type(upload, data: bytes) -> str | None:
    """The extension of an allowed binary format; "" for a binary format that is not allowed; None
    when the bytes are no binary format at all (they may be text)."""
    head = data[:8192]
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(OLE_MAGIC):
        return _ole_type(data) or ""
    if head.startswith(ZIP_MAGIC):
        return _ooxml_type(upload) or ""
    kind = filetype.guess(head)
    if kind is None:
        return None
    # Anything else filetype knows is a binary format we do not accept (executables, archives, media).
    return IMAGE_TYPES.get(kind.mime, "")


def _classify(upload, data: bytes, name: str) -> tuple[str, str]:
    """(extension, MIME type) of an allowed file; _Refused with the reason otherwise."""
    extension = _binary_type(upload, data)
    if extension in ("pdf", *IMAGE_TYPES.values()) and ACTIVE_MARKUP.search(data):
        raise _Refused(Refusal.MARKUP)
    if extension:
        return extension, ALLOWED_TYPES[extension]
    if extension == "":
        raise _Refused(Refusal.TYPE)
    return "txt", f"{ALLOWED_TYPES['txt']}; charset={_text_charset(data, name)}"


def _clean_name(original_name: str) -> str:
    """The last path part of a client's file name, NFC, without control or format characters (which
    include the right-to-left override that makes "gpj.exe" look like "exe.jpg")."""
    name = unicodedata.normalize("NFC", str(original_name or ""))
    name = re.split(r"[\\/]", name)[-1]
    return "".join(ch for ch in name if not unicodedata.category(ch).startswith("C")).strip()


def _split_extension(name: str, extension: str) -> tuple[str, str]:
    """(stem, extension to use): the name's own extension if it is an alias of ``extension``, else
    ``extension``; the stem loses whatever extension the name claimed."""
    given = name_extension(name)
    stem = name[: -len(given) - 1] if given else name
    keep = given if given in EXTENSION_ALIASES.get(extension, {extension}) else extension
    return stem, keep


def _cap(stem: str) -> str:
    while len(stem.encode("utf-8")) > NAME_STEM_MAX_BYTES:
        stem = stem[:-1]
    return stem


def safe_filename(original_name: str, extension: str) -> str:
    """A storable name: no directories or control characters, Chinese kept, length capped, and the
    extension of the detected type (the one given, if it is an alias of that type)."""
    name = _clean_name(original_name)
    stem, keep = _split_extension(name, extension)
    # Storage backends pass names through django.utils.text.get_valid_filename (spaces -> _, only
    # [-\w.] kept; \w includes Chinese); doing the same here makes the key we return the stored key.
    stem = re.sub(r"(?u)[^-\w.]", "", stem.strip().replace(" ", "_")).strip("._-")
    return f"{_cap(stem) or 'file'}.{keep}"


def display_filename(original_name: str, extension: str) -> str:
    """The name people see and download a file under: the uploader's words (spaces, Chinese and
    punctuation kept) without folders or control characters, with the extension of the stored type."""
    stem, keep = _split_extension(_clean_name(original_name), extension)
    stem = _cap(re.sub(r"\s+", " ", stem).strip(" .")).strip(" .")
    return f"{stem or 'file'}.{keep}"


def served_file(key: str, *, filename: str) -> ServedFile:
    """The type and the name a stored file is downloaded as. The type follows the key's extension
    (derived from the content when it was stored) through SERVED_TYPES, never the name a caller shows;
    the name gets that extension too. A key outside the allow-list (none is written any more) goes out
    as application/octet-stream named ``.bin``."""
    extension = name_extension(key.rpartition("/")[2])
    content_type = SERVED_TYPES.get(extension)
    if content_type is None:
        return ServedFile(display_filename(filename, "bin"), UNKNOWN_TYPE)
    return ServedFile(display_filename(filename, extension), content_type)


def _megabytes(size: int) -> str:
    value = size / (1024 * 1024)
    return f"{value:.0f}" if value == int(value) else f"{value:.1f}"


def validate_upload(uploaded_file) -> CheckedUpload:
    """Check an uploaded file by its content and size; HallError(code="upload_rejected") if refused."""
    original_name = str(getattr(uploaded_file, "name", "") or "")
    display_name = _clean_name(original_name) or "file"
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
    try:
        extension, content_type = _classify(uploaded_file, data, original_name)
    except _Refused as refused:
        raise _reject(display_name, refused.reason) from None
    return CheckedUpload(
        original_name=display_name,
        safe_name=safe_filename(original_name, extension),
        content_type=content_type,
        size=size,
        display_name=display_filename(original_name, extension),
    )
