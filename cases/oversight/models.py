"""Public-schema tables of the oversight body: the audit log of its case reads and the supervision
items (催办 reminders and 督办单 supervision orders) it issues to agencies."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OversightReadLog(models.Model):
    """Every time the oversight body opens a case: who, which case, held by whom, why, from where."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    case_uuid = models.UUIDField(db_index=True)
    tracking_number = models.CharField(max_length=32, blank=True)
    agency = models.ForeignKey("tenants.Agency", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("查阅事由"), max_length=200)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("督查查阅记录")

    def __str__(self) -> str:
        return f"{self.tracking_number} by {self.user_id}"


class SupervisionKind(models.TextChoices):
    REMINDER = "reminder", _("催办")
    ORDER = "order", _("督办单")


class SupervisionItem(models.Model):
    """A reminder or a supervision order issued to one agency on one or many cases, to be answered by
    ``answer_due``. ``auto_rule`` names the sweep rule that raised it ("" when a person issued it)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("类别"), max_length=10, choices=SupervisionKind.choices)
    agency = models.ForeignKey(
        "tenants.Agency",
        on_delete=models.PROTECT,
        related_name="supervision_items",
        verbose_name=_("被督办单位"),
    )
    # [{"uuid": "...", "tracking_number": "SMX-2026-000001"}, ...]: cases live in agency schemas, so
    # no foreign key; the tracking number is kept for display without a cross-schema read.
    cases = models.JSONField(default=list)
    message = models.TextField(_("督办意见"))
    answer_due = models.DateField(_("反馈期限"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    issued_at = models.DateTimeField(default=timezone.now)
    answer = models.TextField(_("反馈情况"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    auto_rule = models.CharField(max_length=40, blank=True)
    # For auto items: the one case the rule fired on, so a rule fires once per case (unique below).
    auto_case_uuid = models.UUIDField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at"]
        indexes = [
            models.Index(fields=["agency", "answered_at", "answer_due"], name="supervision_agency_open"),
            models.Index(fields=["answered_at", "answer_due"], name="supervision_open_due"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["auto_rule", "auto_case_uuid"],
                condition=models.Q(auto_case_uuid__isnull=False),
                name="supervision_auto_once_per_case",
            )
        ]
        verbose_name = _("督办事项")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.agency_id} {self.answer_due}"

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None

    def is_overdue(self, today=None) -> bool:
        """Unanswered after the last day for the answer (the day itself still counts as in time)."""
        return self.answered_at is None and (today or timezone.localdate()) > self.answer_due

    def answered_late(self) -> bool:
        return self.answered_at is not None and timezone.localdate(self.answered_at) > self.answer_due

    @property
    def case_uuids(self) -> list[str]:
        return [c["uuid"] for c in self.cases]

    @property
    def tracking_numbers(self) -> list[str]:
        return [c["tracking_number"] for c in self.cases]
