"""Sample files of every allowed type (and some refused ones), made in the test rather than checked in."""

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from fpdf import FPDF
from PIL import Image


def pdf_bytes(text: str = "Petition material") -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(0, 10, text)
    return bytes(pdf.output())


def image_bytes(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 16, 16)).save(buffer, format=fmt)
    return buffer.getvalue()


def ooxml_bytes(main_part: str, content_type: str, extra: dict[str, bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/{main_part}" ContentType="{content_type}"/></Types>',
        )
        archive.writestr(main_part, "<document/>")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def docx_bytes() -> bytes:
    return ooxml_bytes(
        "word/document.xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    )


def pptx_bytes() -> bytes:
    return ooxml_bytes(
        "ppt/presentation.xml",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
    )


def xlsx_bytes() -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active["A1"] = "信访事项"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def ole_bytes(stream_name: str) -> bytes:
    """An OLE compound file's header and a directory entry naming ``stream_name`` (UTF-16LE, 64 bytes)."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16) + b"\x3e\x00\x03\x00\xfe\xff\x09\x00"
    header = header.ljust(512, b"\x00")
    name = (stream_name + "\x00").encode("utf-16-le").ljust(64, b"\x00")
    entry = name + len(stream_name.encode("utf-16-le") + b"\x00\x00").to_bytes(2, "little") + b"\x02"
    return header + entry.ljust(128, b"\x00") + bytes(384)


def upload(name: str, data: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)
