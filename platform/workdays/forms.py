from django import forms
from django.utils.translation import gettext_lazy as _

from config.forms import BoundedDateField
from workdays.models import DayKind


class CalendarDayForm(forms.Form):
    date = BoundedDateField(
        label=_("日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("请输入有效的日期，格式为 YYYY-MM-DD。"), "required": _("请填写日期。")},
    )
    kind = forms.ChoiceField(
        label=_("类型"),
        choices=DayKind.choices,
        error_messages={"required": _("请选择类型。"), "invalid_choice": _("请选择节假日或调休上班日。")},
    )
    name = forms.CharField(
        label=_("名称"),
        max_length=60,
        help_text=_("例如：国庆节、国庆节调休上班。"),
        error_messages={"required": _("请填写名称。"), "max_length": _("名称不能超过 60 个字符。")},
    )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("请填写名称。"))
        return name
