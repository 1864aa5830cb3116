"""One global user table (citizens and staff) and agency memberships, in the public schema."""

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from config.crypto import EncryptedTextField


class User(AbstractUser):
    """Citizens and staff alike. Cross-schema references use ``uuid``, never the database id."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(_("电子邮箱"), unique=True)
    full_name = models.CharField(_("姓名"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.full_name or self.email or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.email


class Role(models.TextChoices):
    HANDLER = "handler", _("承办人")
    LEADER = "leader", _("负责人")
    ADMIN = "admin", _("管理员")
    SUPERVISOR = "supervisor", _("督查员")


class Membership(models.Model):
    """A user's role in one agency. A user may hold several roles in several agencies."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    agency = models.ForeignKey("tenants.Agency", on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "agency", "role"], name="membership_unique_role"),
        ]
        verbose_name = _("成员")
        verbose_name_plural = _("成员")

    def __str__(self) -> str:
        return f"{self.user} @ {self.agency.code} ({self.role})"


class CitizenProfile(models.Model):
    """A citizen's real-name registration (实名登记), in the public schema.

    The ID number is stored only encrypted (config.crypto, Fernet); ``id_number_hash`` is a keyed hash
    for finding a profile by number without decrypting, and ``id_number_last4`` a hint for display.
    Phone and address are encrypted columns too (EncryptedTextField: plain text on the model only).
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="citizen_profile")
    full_name = models.CharField(_("姓名"), max_length=50)
    id_number_encrypted = models.TextField(editable=False)
    id_number_hash = models.CharField(max_length=64, unique=True, editable=False)
    id_number_last4 = models.CharField(max_length=4, editable=False)
    phone = EncryptedTextField(_("手机号码"))
    address = EncryptedTextField(_("联系地址"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("实名信息")
        verbose_name_plural = _("实名信息")

    def __str__(self) -> str:
        return f"{self.full_name} (****{self.id_number_last4})"

    @property
    def masked_id_number(self) -> str:
        """4112**********123X: the region prefix and the last four, never the whole number."""
        from config.crypto import decrypt_text
        from config.masking import mask_id_number

        number = decrypt_text(self.id_number_encrypted)
        return mask_id_number(number) if number else "*" * 14 + self.id_number_last4

    @property
    def masked_phone(self) -> str:
        from config.masking import mask_phone

        return mask_phone(self.phone)

    @property
    def masked_address(self) -> str:
        from config.masking import mask_address

        return mask_address(self.address)


class TokenScope(models.TextChoices):
    """What an API token may do. Staff tokens need READ for reads and ACT for actions; OVERSIGHT is
    the oversight body's (its host refuses a token without it)."""

    READ = "read", _("读取")
    ACT = "act", _("办理")
    OVERSIGHT = "oversight", _("督查")


class ApiToken(models.Model):
    """A bearer token for an app or a system (api.authentication), in the public schema.

    A citizen's personal token (``agency`` empty) works only on the portal; an agency's token only on
    that agency's host, acting as ``user`` (a member whose roles it borrows, so removing the member
    disables it). Only a SHA-256 digest is kept: the token itself is shown once, when it is made.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    agency = models.ForeignKey(
        "tenants.Agency", null=True, blank=True, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("名称"), max_length=80)
    scopes = models.JSONField(default=list)
    # The first characters of the token, to tell tokens apart in a list; never enough to use one.
    prefix = models.CharField(max_length=12, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="api_tokens_created", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("有效期至"), null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
