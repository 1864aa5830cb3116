"""allauth adapters: how the hall stores MFA secrets, and who may sign in where."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django import forms

from accounts.surfaces import staff_sign_in_refusal
from config.crypto import decrypt_text, encrypt_text
from config.errors import Forbidden


class HallMFAAdapter(DefaultMFAAdapter):
    """TOTP secrets and recovery-code seeds are encrypted at rest with the same field key as
    citizens' ID numbers (allauth stores them in clear text by default)."""

    def encrypt(self, text: str) -> str:
        return encrypt_text(text)

    def decrypt(self, encrypted_text: str) -> str:
        return decrypt_text(encrypted_text)


class HallAccountAdapter(DefaultAccountAdapter):
    """Staff are refused on the portal (accounts.surfaces): on the password form as a form error,
    on any other way in (e-mail confirmation, password reset) as a 403 page."""

    def authenticate(self, request, **credentials):
        user = super().authenticate(request, **credentials)
        if user is not None:
            refusal = staff_sign_in_refusal(request, user)
            if refusal is not None:
                raise forms.ValidationError(refusal, code="staff_on_portal")
        return user

    def pre_login(self, request, user, **kwargs):
        refusal = staff_sign_in_refusal(request, user)
        if refusal is not None:
            from allauth.account.internal.stagekit import clear_login

            clear_login(request)
            raise Forbidden(refusal, code="staff_on_portal")
        return super().pre_login(request, user, **kwargs)
