"""Forms of the citizens' portal. Labels and messages are Chinese msgids, translated by Django i18n."""

from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import MAX_PEOPLE_COUNT, PetitionType, Satisfaction
from config.forms import BoundedDateField, MultipleFileField
from documents.printable import check_printable
from tenants.models import reportable_agencies

MAX_ATTACHMENTS = 10


class PetitionForm(forms.Form):
    petition_type = forms.ChoiceField(
        label=_("信访类型"), choices=[("", _("请选择"))] + list(PetitionType.choices)
    )
    title = forms.CharField(
        label=_("标题"),
        max_length=200,
        help_text=_("用一句话概括您反映的问题，例如“小区物业违规收取停车费”。"),
    )
    body = forms.CharField(
        label=_("内容"),
        widget=forms.Textarea(attrs={"rows": 8}),
        min_length=10,
        max_length=10000,
        help_text=_("写清楚事情经过（时间、地点、涉及的单位）和您的具体诉求。"),
    )
    location = forms.CharField(label=_("事发地点"), max_length=200, required=False)
    people_count = forms.IntegerField(label=_("涉及人数"), min_value=1, max_value=MAX_PEOPLE_COUNT, initial=1)
    is_public = forms.TypedChoiceField(
        label=_("是否公开"),
        choices=[("0", _("不公开")), ("1", _("公开"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
        initial="0",
        help_text=_("公开的事项答复后会在“答复公开”栏目展示（已去除姓名、证件号码、电话等个人信息）。"),
    )
    reported_agency = forms.ChoiceField(
        label=_("被检举单位（检举控告时必选）"),
        required=False,
        help_text=_("检举控告不会交给被检举单位办理，您的身份信息和材料不会向被检举单位或个人透露。"),
    )
    attachments = MultipleFileField(
        label=_("附件（可多选）"),
        required=False,
        help_text=_("PDF、图片、Word、Excel 或纯文本，每个文件不超过规定大小，最多10个。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # 信访工作条例 arts. 30, 46: the reported unit is a choice from the registry, never free text.
        self.fields["reported_agency"].choices = [("", _("请选择"))] + [
            (agency.code, agency.display_name()) for agency in reportable_agencies()
        ]
        # Screen readers announce which fields have errors (WCAG 3.3.1).
        for name, field in self.fields.items():
            if self.is_bound and name in self.errors:
                field.widget.attrs["aria-invalid"] = "true"

    def clean_title(self):
        return self.cleaned_data["title"].strip()

    def clean(self):
        cleaned = super().clean()
        check_printable(self, ["title", "body"])  # both are printed in the notices
        if cleaned.get("petition_type") != PetitionType.REPORT:
            cleaned["reported_agency"] = ""
        elif not cleaned.get("reported_agency") and "reported_agency" not in self.errors:
            self.add_error("reported_agency", _("检举控告须选择被检举单位。"))
        return cleaned


class EvaluationForm(forms.Form):
    satisfaction = forms.ChoiceField(
        label=_("您对答复的评价"), choices=Satisfaction.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("意见和建议（可不填）"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReviewRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("不服的理由"),
        min_length=5,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("写明您不同意处理意见的事实和理由。"),
    )


class LookupForm(forms.Form):
    tracking_number = forms.CharField(
        label=_("信访件编号"), max_length=32, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    query_code = forms.CharField(
        label=_("查询码"), max_length=16, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )


class ClaimForm(LookupForm):
    """The tracking number and query code staff gave the citizen with a letter, visit or call."""


class PeriodForm(forms.Form):
    start = BoundedDateField(label=_("开始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    end = BoundedDateField(label=_("结束日期"), widget=forms.DateInput(attrs={"type": "date"}))
    metric = forms.ChoiceField(
        label=_("图表显示"),
        required=False,
        choices=[
            ("received", _("收件数")),
            ("acceptance_rate", _("及时受理率")),
            ("completion_rate", _("按期办结率")),
            ("satisfaction_rate", _("满意率")),
        ],
    )

    @staticmethod
    def default_period() -> tuple[date, date]:
        today = timezone.localdate()
        return date(today.year, 1, 1), today

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if start > end:
                self.add_error("end", _("结束日期不能早于开始日期。"))
            elif (end - start).days > 366 * 5:
                self.add_error("start", _("统计期间最长五年。"))
        return cleaned
