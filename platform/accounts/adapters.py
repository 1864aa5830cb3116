"""allauth adapters: how the hall stores MFA secrets."""

from allauth.mfa.adapter import DefaultMFAAdapter

from config.crypto import decrypt_text, encrypt_text


class HallMFAAdapter(DefaultMFAAdapter):
    """TOTP secrets and recovery-code seeds are encrypted at rest with the same field key as
    citizens' ID numbers (allauth stores them in clear text by default)."""

    def encrypt(self, text: str) -> str:
        return encrypt_text(text)

    def decrypt(self, encrypted_text: str) -> str:
        return decrypt_text(encrypted_text)
