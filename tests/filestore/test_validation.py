"""filestore.validation.validate_upload: files are judged by their content, not their names."""

import pytest

from config.errors import HallError
from filestore.services import validate_upload
from filestore.validation import safe_filename
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
