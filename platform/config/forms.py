"""Form fields shared by every surface."""

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class BoundedDateField(forms.DateField):
    """A date the hall can compute periods and deadlines with (1990-01-01 to 2199-12-31).

    Anything outside is refused with a message, instead of overflowing date arithmetic later.
    """

    earliest = date(1990, 1, 1)
    latest = date(2199, 12, 31)

    def validate(self, value):
        super().validate(value)
        if value is not None and not self.earliest <= value <= self.latest:
            raise ValidationError(
                _("请输入 %(earliest)s 至 %(latest)s 之间的日期。"),
                code="out_of_range",
                params={"earliest": self.earliest.isoformat(), "latest": self.latest.isoformat()},
            )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input (the no-JavaScript way to attach): a list, empty when none.
    Each file is then checked by content (filestore.services.validate_upload) where it is stored."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        items = data if isinstance(data, list | tuple) else [data]
        cleaned = []
        for item in items:
            if item:
                cleaned.append(super().clean(item, initial))
        return cleaned
