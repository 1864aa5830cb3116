"""Forms of the oversight pages. They parse input only: the rules are the services'."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.models import CaseState, PetitionType
from cases.oversight.models import SupervisionKind
from config.forms import BoundedDateField

DATE = forms.DateInput(attrs={"type": "date"})


ALL = _("全部")


def _with_blank(choices):
    return [("", ALL), *choices]


class AgencyChoiceField(forms.ChoiceField):
    """The agencies an oversight filter can name, as a list (by name in the reader's language); the
    value is the agency's code, as the links of the dashboard give it (in any letter case)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("error_messages", {"invalid_choice": _("没有这个单位代码。")})
        super().__init__(required=False, choices=self._agencies, **kwargs)

    @staticmethod
    def _agencies():
        from tenants.models import Agency, AgencyKind

        rows = Agency.objects.exclude(kind__in=[AgencyKind.PORTAL, AgencyKind.OVERSIGHT]).order_by(
            "sort_order", "code"
        )
        return _with_blank([(agency.code, agency.display_name()) for agency in rows])

    def to_python(self, value):
        return super().to_python(value).strip().lower()


class SearchForm(forms.Form):
    tracking_number = forms.CharField(label=_("信访件编号"), required=False, max_length=32)
    petitioner = forms.CharField(label=_("信访人"), required=False, max_length=50)
    text = forms.CharField(label=_("标题关键词"), required=False, max_length=100)
    agency = AgencyChoiceField(label=_("承办单位"))
    state = forms.ChoiceField(label=_("状态"), required=False, choices=_with_blank(CaseState.choices))
    petition_type = forms.ChoiceField(
        label=_("信访类型"), required=False, choices=_with_blank(PetitionType.choices)
    )
    date_from = BoundedDateField(label=_("提交日期自"), required=False, widget=DATE)
    date_to = BoundedDateField(label=_("提交日期至"), required=False, widget=DATE)
    overdue_only = forms.BooleanField(label=_("仅显示已超期"), required=False)


class DashboardForm(forms.Form):
    agency = AgencyChoiceField(label=_("单位"))
    petition_type = forms.ChoiceField(
        label=_("信访类型"), required=False, choices=_with_blank(PetitionType.choices)
    )
    date_from = BoundedDateField(label=_("收件日期自"), required=False, widget=DATE)
    date_to = BoundedDateField(label=_("收件日期至"), required=False, widget=DATE)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("查阅事由"), max_length=200)


class PurposeForm(forms.Form):
    purpose = forms.CharField(label=_("查看用途"), max_length=200)


SUPERVISION_STATUSES = [("open", _("待反馈")), ("overdue", _("逾期未反馈")), ("answered", _("已反馈"))]


class SupervisionFilterForm(forms.Form):
    """The oversight list's filters (GET): a status and an agency code; a bad value is a 400 with a
    message, never a database error (a NUL byte or an over-long code is refused here)."""

    status = forms.ChoiceField(required=False, choices=_with_blank(SUPERVISION_STATUSES))
    agency = forms.CharField(required=False, max_length=20)


class InboxFilterForm(forms.Form):
    """The agency inbox's filter (GET); no status given means the unanswered ones."""

    status = forms.ChoiceField(required=False, choices=[*SUPERVISION_STATUSES, ("all", ALL)])


class SupervisionForm(forms.Form):
    kind = forms.ChoiceField(label=_("类别"), choices=SupervisionKind.choices)
    tracking_numbers = forms.CharField(
        label=_("信访件编号（每行一个，可多件）"), widget=forms.Textarea(attrs={"rows": 4})
    )
    message = forms.CharField(label=_("督办意见"), widget=forms.Textarea(attrs={"rows": 4}))
    answer_due = BoundedDateField(label=_("反馈期限"), widget=DATE)

    def clean_tracking_numbers(self) -> list[str]:
        numbers = [n.strip().upper() for n in re.split(r"[\s,，;；]+", self.cleaned_data["tracking_numbers"])]
        numbers = [n for n in dict.fromkeys(numbers) if n]
        if not numbers:
            raise forms.ValidationError(_("请至少填写一个信访件编号。"))
        return numbers


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("反馈情况"), widget=forms.Textarea(attrs={"rows": 5}))
