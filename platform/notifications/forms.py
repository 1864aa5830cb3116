from django import forms
from django.utils.translation import gettext_lazy as _


class ChannelsForm(forms.Form):
    email = forms.BooleanField(label=_("电子邮件通知"), required=False)
    sms = forms.BooleanField(label=_("短信通知"), required=False)


class PhoneCodeForm(forms.Form):
    phone = forms.CharField(label=_("手机号码"), max_length=20)
    code = forms.CharField(label=_("短信验证码"), max_length=6, required=False)
