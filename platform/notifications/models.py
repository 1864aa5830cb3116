"""The inbox on the portal and workspaces, the record of every message sent (public schema), and who
wants which channel."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from config.crypto import EncryptedTextField


class Notification(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    case_uuid = models.UUIDField(null=True, blank=True)
    tracking_number = models.CharField(max_length=32, blank=True)
    kind = models.CharField(max_length=40)
    # subject and body as written (in the hall's language, as the e-mail went); kind and params let the
    # inbox say it again at read time in the reader's language (display_subject, display_body). Rows
    # written before params existed show what was stored.
    subject = models.CharField(max_length=200)
    body = models.TextField()
    params = models.JSONField(default=dict, blank=True)
    needs_action = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    # One inbox row per effect: the key comes with the task's message, so a task run twice (a worker
    # lost mid-task, a redelivery) finds the row it already wrote.
    idempotency_key = models.CharField(max_length=100, null=True, blank=True, unique=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_unread")]

    def __str__(self) -> str:
        return self.subject

    def display_subject(self) -> str:
        from notifications.services import rendered_subject

        return rendered_subject(self)

    def display_body(self) -> str:
        from notifications.services import rendered_body

        return rendered_body(self)


class Channel(models.TextChoices):
    EMAIL = "email", _("电子邮件")
    SMS = "sms", _("短信")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")


class Delivery(models.Model):
    """One message by e-mail or SMS, with how its delivery went. Failed ones are listed for staff."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Notification key + channel: a redone task finds the delivery it already made.
    idempotency_key = models.CharField(max_length=120, unique=True)
    notification = models.ForeignKey(
        Notification, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    # Masked: the list staff see never shows a full address or number; sending reads the user's own.
    recipient_masked = models.CharField(max_length=200)
    template = models.CharField(max_length=100)
    params = models.JSONField(default=dict)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="delivery_status")]

    def __str__(self) -> str:
        return f"{self.channel} {self.template} {self.status}"


class ChannelPreference(models.Model):
    """Which channels a user wants besides the inbox (always on). No row: e-mail yes, SMS no."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="channel_preference"
    )
    email = models.BooleanField(_("电子邮件通知"), default=True)
    sms = models.BooleanField(_("短信通知"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user_id}: email={self.email} sms={self.sms}"


class PhoneCode(models.Model):
    """An SMS code sent to a mobile number, kept as a hash; it expires and works once."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    phone_hash = models.CharField(max_length=64, db_index=True)
    purpose = models.CharField(max_length=20)  # "verify" (the profile) or "sign_in"
    code_hash = models.CharField(max_length=128)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)  # by the worker: a redone task sends nothing
    failed_attempts = models.PositiveSmallIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.purpose} code {self.pk}"


class VerifiedPhone(models.Model):
    """A citizen's mobile number proven by an SMS code: SMS goes only to a verified number, and the
    number signs in with a code. Stored as a lookup hash (config.crypto) and encrypted."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="verified_phone"
    )
    phone_hash = models.CharField(max_length=64, unique=True)
    phone = EncryptedTextField()
    verified_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"verified phone of {self.user_id}"
