"""Forms of the citizens' portal. Labels and messages are Chinese msgids, translated by Django i18n."""

from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import MAX_BODY_LENGTH, MAX_PEOPLE_COUNT, PetitionType, Satisfaction
from config.forms import BoundedDateField, MultipleFileField
from documents.printable import check_printable
from tenants.models import reportable_agencies

MAX_ATTACHMENTS = 10
TITLE_MAX = 200
BODY_MAX = MAX_BODY_LENGTH
SUPPLEMENT_MAX = 5000


class LongTextField(forms.CharField):
    """A textarea's text with its line breaks as the page counts them: browsers send each one as
    CRLF, two characters the live counter never saw."""

    def to_python(self, value):
        return super().to_python(value).replace("\r\n", "\n")


def count_characters(field: forms.Field) -> None:
    """Refuse, never cut: a browser silently drops whatever goes past an input's ``maxlength`` (a
    pasted letter loses its end), so the limit is not put on the input. It is stated in the help
    text, counted live by hall.js (``data-maxlength``) and enforced by the form's validator, which
    refuses with the count and keeps everything typed."""
    limit = field.max_length  # type: ignore[attr-defined]
    field.show_counter = True  # type: ignore[attr-defined]  # _field.html renders the counter
    field.widget.attrs.pop("maxlength", None)
    field.widget.attrs["data-maxlength"] = str(limit)
    field.error_messages["max_length"] = _(
        "最多%(limit_value)d个字，现有%(show_value)d个字，请删减后再提交。"
    )


class PetitionForm(forms.Form):
    petition_type = forms.ChoiceField(
        label=_("信访类型"), choices=[("", _("请选择"))] + list(PetitionType.choices)
    )
    title = forms.CharField(
        label=_("标题"),
        max_length=TITLE_MAX,
        help_text=_("用一句话概括您反映的问题，例如“小区物业违规收取停车费”。最多200字。"),
    )
    body = LongTextField(
        label=_("内容"),
        widget=forms.Textarea(attrs={"rows": 8}),
        min_length=10,
        max_length=BODY_MAX,
        help_text=_("写清楚事情经过（时间、地点、涉及的单位）和您的具体诉求。最多10000字。"),
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
        count_characters(self.fields["title"])
        count_characters(self.fields["body"])
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        count_characters(self.fields["comment"])


class ReviewRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("不服的理由"),
        min_length=5,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("写明您不同意处理意见的事实和理由。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        count_characters(self.fields["reason"])


class SupplementForm(forms.Form):
    """补充材料: what a citizen adds to a petition already filed (text, files, or both)."""

    text = LongTextField(
        label=_("补充说明"),
        required=False,
        max_length=SUPPLEMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("补充新的情况或材料，办理单位会在办理过程中看到。最多5000字。"),
    )
    attachments = MultipleFileField(label=_("补充附件（可多选）"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        count_characters(self.fields["text"])


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
