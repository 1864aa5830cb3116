"""Forms of the workspace pages. They parse input only: every rule about a case is the service's."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.models import MAX_PEOPLE_COUNT, Channel, HandlingOpinion, LawfulChannel, PetitionType, RoutingMode
from cases.wording import document_title
from config.forms import BoundedDateField, MultipleFileField
from documents.printable import check_printable

DECISIONS = [("approve", _("同意")), ("refuse", _("不同意"))]
TEXTAREA = forms.Textarea(attrs={"rows": 4})
LONG_TEXTAREA = forms.Textarea(attrs={"rows": 10})


def _blank(label) -> list[tuple[str, str]]:
    return [("", label)]


class ActionForm(forms.Form):
    """A case action's form; ``ctx`` (the case page's context) gives choices that depend on the case."""

    def __init__(self, *args, ctx=None, **kwargs):
        self.ctx = ctx
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class EmptyForm(ActionForm):
    pass


class RouteForm(ActionForm):
    target = forms.ChoiceField(label=_("接收单位"), error_messages={"required": _("请选择接收单位。")})
    mode = forms.ChoiceField(label=_("处理方式"), choices=RoutingMode.choices, initial=RoutingMode.FORWARD)
    assignment_due = BoundedDateField(
        label=_("交办办结期限"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("仅交办时填写：承办单位须在此日期前报送办结报告（第二十二条）。"),
        error_messages={"invalid": _("请输入有效的日期，格式为 YYYY-MM-DD。")},
    )
    message = forms.CharField(label=_("转送说明（可选）"), required=False, widget=TEXTAREA, max_length=1000)

    def __init__(self, *args, ctx=None, **kwargs):
        super().__init__(*args, ctx=ctx, **kwargs)
        agencies = ctx.routing_targets if ctx is not None else []
        self.fields["target"].choices = _blank(_("请选择")) + [(a.code, a.name_zh) for a in agencies]


class OpinionForm(ActionForm):
    opinion = forms.ChoiceField(
        label=_("处理意见"),
        choices=_blank(_("请选择")) + list(HandlingOpinion.choices),
        required=False,
    )
    text = forms.CharField(label=_("答复内容（事实、理由和依据）"), required=False, widget=LONG_TEXTAREA)


class ReplyForm(OpinionForm):
    # A declared field (the form metaclass moves it to base_fields), not BaseForm.files.
    files = MultipleFileField(label=_("随答复发送的附件（可选，可多选）"), required=False)  # type: ignore[assignment]

    def clean(self):
        cleaned = super().clean()
        check_printable(self, ["text"])  # the reply is printed in the handling opinion
        return cleaned


def _date(label, *, required=True, help_text=""):
    return BoundedDateField(
        label=label,
        required=required,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=help_text,
        error_messages={
            "required": _("请填写日期。"),
            "invalid": _("请输入有效的日期，格式为 YYYY-MM-DD。"),
        },
    )


class OutsideResultForm(OpinionForm):
    """The opinion of a review body outside the hall, entered when it comes back (arts. 35-36)."""

    decided_on = _date(_("意见日期"))
    delivered_on = _date(_("送达信访人日期"), required=False, help_text=_("不填则为今天。"))
    number = forms.CharField(label=_("文号（可选）"), required=False, max_length=60)


class HearingForm(ActionForm):
    starts_on = _date(_("听证日期"))
    place = forms.CharField(label=_("听证地点"), required=False, max_length=200)


class HearingRecordForm(ActionForm):
    ends_on = _date(_("听证结束日期"))
    minutes = forms.CharField(label=_("听证笔录要点"), required=False, widget=LONG_TEXTAREA)


class LawfulChannelForm(ActionForm):
    channel = forms.ChoiceField(
        label=_("法定途径"), choices=_blank(_("请选择")) + list(LawfulChannel.choices), required=False
    )
    reason = forms.CharField(label=_("理由"), required=False, widget=TEXTAREA)


class MergeForm(ActionForm):
    into_tracking_number = forms.CharField(
        label=_("合并到的信访件编号"),
        max_length=32,
        error_messages={"required": _("请填写要合并到的信访件编号。")},
        widget=forms.TextInput(attrs={"placeholder": "SMX-2026-000001"}),
    )


class ReasonForm(ActionForm):
    reason = forms.CharField(label=_("理由"), required=False, widget=TEXTAREA)


class AcceptForm(ActionForm):
    message = forms.CharField(label=_("告知说明（可选）"), required=False, widget=TEXTAREA, max_length=1000)


class AssignHandlerForm(ActionForm):
    handler = forms.ChoiceField(label=_("承办人"), error_messages={"required": _("请选择承办人。")})

    def __init__(self, *args, ctx=None, **kwargs):
        super().__init__(*args, ctx=ctx, **kwargs)
        people = ctx.handlers if ctx is not None else []
        self.fields["handler"].choices = _blank(_("请选择")) + [(str(u.uuid), u.display_name) for u in people]


class NoteForm(ActionForm):
    text = forms.CharField(label=_("内部备注（群众不可见）"), required=False, widget=TEXTAREA)


class ExtensionForm(ActionForm):
    days = forms.IntegerField(
        label=_("延长天数（1至30日）"),
        error_messages={"required": _("请填写延长天数。"), "invalid": _("请填写整数天数。")},
    )
    reason = forms.CharField(label=_("延期理由（将告知信访人）"), required=False, widget=TEXTAREA)


class DecisionForm(ActionForm):
    decision = forms.ChoiceField(
        label=_("决定"),
        choices=DECISIONS,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择。")},
    )
    comment = forms.CharField(label=_("意见"), required=False, widget=TEXTAREA)


class ReportForm(ActionForm):
    text = forms.CharField(label=_("办结报告"), required=False, widget=LONG_TEXTAREA)


class DeliveryForm(ActionForm):
    delivered_on = BoundedDateField(
        label=_("送达日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("纸质送达时，信访人收到文书的日期；复查、复核期限自该日起算（第三十五、三十六条）。"),
        error_messages={
            "required": _("请填写送达日期。"),
            "invalid": _("请输入有效的日期，格式为 YYYY-MM-DD。"),
        },
    )


class ScanForm(ActionForm):
    document = forms.ChoiceField(label=_("文书"), error_messages={"required": _("请选择要替换的文书。")})
    file = forms.FileField(label=_("签章扫描件"), error_messages={"required": _("请选择文件。")})

    def __init__(self, *args, ctx=None, **kwargs):
        super().__init__(*args, ctx=ctx, **kwargs)
        docs = ctx.replaceable_documents if ctx is not None else []
        self.fields["document"].choices = [(str(d.pk), f"{d.number} {document_title(d)}") for d in docs]


class IdentityForm(ActionForm):
    purpose = forms.CharField(
        label=_("查看用途（将记录在案）"), max_length=200, error_messages={"required": _("请说明查看用途。")}
    )


# --- Intake (来信、来访、来电 registered by staff) -------------------------------------------------------


class IntakeForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("信访渠道"),
        choices=[c for c in Channel.choices if c[0] != Channel.ONLINE],
        error_messages={"required": _("请选择渠道。")},
    )
    arrived_on = BoundedDateField(
        label=_("来信到达日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("来信时填写信件实际到达的日期，分流期限自该日起算（第二十二条）；不填为今天。"),
        error_messages={"invalid": _("请输入有效的日期，格式为 YYYY-MM-DD。")},
    )
    petitioner_name = forms.CharField(label=_("信访人姓名"), max_length=50, required=False)
    petitioner_id_number = forms.CharField(label=_("身份证号"), max_length=18, required=False)
    petitioner_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    petitioner_address = forms.CharField(label=_("联系地址"), max_length=200, required=False)
    citizen_email = forms.EmailField(
        label=_("信访人网上账户邮箱（可选）"),
        required=False,
        help_text=_("已注册的群众可直接在“我的信访”中看到此件；未注册的可凭编号和查询码认领。"),
        error_messages={"invalid": _("请输入有效的邮箱地址。")},
    )
    petition_type = forms.ChoiceField(
        label=_("信访类型"), choices=_blank(_("请选择")) + list(PetitionType.choices), required=False
    )
    # 信访工作条例 arts. 30, 46: a choice from the registry, never free text (the core checks it too).
    reported_agency = forms.ChoiceField(label=_("被检举单位（检举控告时必选）"), required=False)
    title = forms.CharField(label=_("标题"), max_length=200, required=False)
    body = forms.CharField(label=_("内容"), required=False, widget=LONG_TEXTAREA)
    location = forms.CharField(label=_("事发地点"), max_length=200, required=False)
    people_count = forms.IntegerField(
        label=_("涉及人数"),
        min_value=1,
        max_value=MAX_PEOPLE_COUNT,
        initial=1,
        error_messages={"invalid": _("请填写整数。")},
    )
    is_public = forms.BooleanField(label=_("同意公开"), required=False)
    attachment = forms.FileField(label=_("材料扫描件（可选）"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from tenants.models import reportable_agencies

        self.fields["reported_agency"].choices = _blank(_("不是检举控告")) + [
            (agency.code, agency.name_zh) for agency in reportable_agencies()
        ]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("petition_type") != PetitionType.REPORT:
            cleaned["reported_agency"] = ""
        return cleaned


class QueueFilterForm(forms.Form):
    q = forms.CharField(label=_("搜索标题或编号"), required=False, max_length=100)
    state = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("全部")), ("submitted", _("待登记")), ("registered", _("已登记"))],
    )
    petition_type = forms.ChoiceField(
        label=_("信访类型"), required=False, choices=[("", _("全部")), *PetitionType.choices]
    )
    channel = forms.ChoiceField(label=_("渠道"), required=False, choices=[("", _("全部")), *Channel.choices])


# --- Settings ---------------------------------------------------------------------------------------


class MemberForm(forms.Form):
    email = forms.EmailField(
        label=_("成员邮箱"),
        error_messages={"required": _("请填写邮箱。"), "invalid": _("请输入有效的邮箱地址。")},
    )
    role = forms.ChoiceField(label=_("角色"), error_messages={"required": _("请选择角色。")})

    def __init__(self, *args, roles=(), **kwargs):
        super().__init__(*args, **kwargs)
        from accounts.models import Role

        self.fields["role"].choices = [(r, Role(r).label) for r in roles]


class TemplateForm(forms.Form):
    title = forms.CharField(label=_("模板名称"), max_length=100, required=False)
    opinion = forms.ChoiceField(
        label=_("处理意见"), choices=_blank(_("请选择")) + list(HandlingOpinion.choices), required=False
    )
    body = forms.CharField(label=_("答复正文"), required=False, widget=LONG_TEXTAREA)


class ReviewBodyForm(forms.Form):
    agency = forms.CharField(widget=forms.HiddenInput)
    body = forms.ChoiceField(label=_("复查机关（上级机关）"))

    def __init__(self, *args, bodies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].choices = [(b.code, b.name_zh) for b in bodies]


class ResponsibilitiesForm(forms.Form):
    responsibilities = forms.CharField(label=_("职责范围"), required=False, widget=TEXTAREA)
    keywords = forms.CharField(
        label=_("分流关键词（用逗号分隔）"), required=False, widget=TEXTAREA, max_length=1000
    )


class SealForm(forms.Form):
    # The content is checked where it is stored (documents.seals.check_seal_image), not by the name.
    seal = forms.FileField(
        label=_("电子印章图片"),
        help_text=_("透明背景的 PNG 图片，不超过 512 KB，边长 120 到 3000 像素。"),
        error_messages={"required": _("请选择电子印章图片。")},
        widget=forms.ClearableFileInput(attrs={"accept": "image/png"}),
    )
