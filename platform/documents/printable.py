"""Refuse, where it is typed, text that a generated document could not print.

A petition's title and body and an agency's reply are printed in the notices (documents.pdf). A character
that no font on the server has (a CJK Extension B character such as 𠮷, an emoji the fallback font
lacks) would come out as a blank or a box, so the forms that take such text call ``check_printable``
and tell the writer which characters to replace, keeping what they typed.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from documents.fonts import unprintable_characters


def _shown(char: str) -> str:
    # A control or unassigned character is named by its code point; anything else is shown as it is.
    if unicodedata.category(char) in {"Cc", "Cf", "Cn", "Co", "Cs"}:
        return f"U+{ord(char):04X}"
    return f"“{char}”(U+{ord(char):04X})"


def printable_error(text: str) -> ValidationError | None:
    """The error naming the characters of ``text`` the documents cannot print, or None."""
    missing = unprintable_characters(text)
    if not missing:
        return None
    return ValidationError(
        _(
            "以下字符无法打印在信访文书上：%(chars)s。请删去或改用常用字（生僻字可用同音字并加以说明，"
            "表情符号请用文字表达）。"
        ),
        code="unprintable",
        params={"chars": "、".join(_shown(char) for char in missing)},
    )


def require_printable(value: str) -> None:
    """A field validator: raise ValidationError if ``value`` has characters no font can print."""
    error = printable_error(value or "")
    if error is not None:
        raise error


def check_printable(form: forms.Form, field_names: Iterable[str]) -> None:
    """Add an error to each of ``field_names`` (already cleaned) that holds an unprintable character.
    Call it from a form's ``clean()``."""
    for name in field_names:
        value = form.cleaned_data.get(name)
        if isinstance(value, str):
            error = printable_error(value)
            if error is not None:
                form.add_error(name, error)
