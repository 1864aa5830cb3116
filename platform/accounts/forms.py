from allauth.account.forms import LoginForm
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.identity import validate_mobile, validate_resident_id
from accounts.passwords import StaffPasswordValidator


class ProfileForm(forms.Form):
    """The real-name form. Field checks here give the citizen messages next to each field; the
    service checks again, since it is the one place that decides."""

    full_name = forms.CharField(
        label=_("姓名"),
        max_length=50,
        help_text=_("与居民身份证上的姓名一致。"),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    id_number = forms.CharField(
        label=_("居民身份证号码"),
        max_length=30,
        help_text=_("18位，最后一位可能是字母X。保存后只显示前4位和后4位。"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "inputmode": "text"}),
    )
    phone = forms.CharField(
        label=_("手机号码"),
        max_length=20,
        help_text=_("11位中国大陆手机号码，用于接收办理进度通知。"),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    address = forms.CharField(
        label=_("联系地址"),
        max_length=200,
        help_text=_("用于寄送书面告知书和答复意见。"),
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )

    def __init__(self, *args, has_id_number: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if has_id_number:
            # The registered number is never shown again; leaving the field empty keeps it.
            self.fields["id_number"].required = False
            self.fields["id_number"].help_text = _("已登记。如需更正，请输入完整的新号码；留空则保持不变。")

    def clean_id_number(self) -> str | None:
        value = self.cleaned_data.get("id_number", "")
        if not value.strip():
            return None
        return validate_resident_id(value)

    def clean_phone(self) -> str:
        return validate_mobile(self.cleaned_data.get("phone", ""))


class HallLoginForm(LoginForm):
    """allauth's sign-in, refusing a staff account whose password is below the staff rule.

    A citizen's account becomes staff when an agency admin adds it (cases.workspace.services
    .add_member), keeping the password it was given under the citizens' rule; the sign-in is the one
    moment the password is seen again, so it is checked there and the member sent to reset it.
    """

    def clean(self):
        cleaned_data = super().clean()
        if self.user is not None and not self._errors:
            try:
                StaffPasswordValidator().validate(cleaned_data.get("password", ""), self.user)
            except ValidationError:
                raise ValidationError(
                    _(
                        "工作人员的密码至少需要12个字符，并同时包含字母、数字和符号。"
                        "您的密码不符合要求，请使用“忘记密码”重设后再登录。"
                    ),
                    code="staff_password_too_weak",
                ) from None
        return cleaned_data


class ApiTokenForm(forms.Form):
    """A new API token: a name, its scopes, an optional expiry (and for an agency, the member it acts as)."""

    name = forms.CharField(label=_("名称"), max_length=80, help_text=_("例如：12345 热线对接系统"))
    scopes = forms.MultipleChoiceField(label=_("权限"), widget=forms.CheckboxSelectMultiple)
    expires_at = forms.DateTimeField(label=_("有效期至（可不填）"), required=False)

    def __init__(self, *args, scopes, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scopes"].choices = scopes
        if members is not None:
            self.fields["member"] = forms.ChoiceField(
                label=_("令牌代表的工作人员"),
                choices=[(str(user.uuid), f"{user.display_name} <{user.email}>") for user in members],
            )
