"""The working-day calendar (工作日历): public holidays and make-up working days, in the public schema.

Every other day follows the week: Monday to Friday are working days, Saturday and Sunday rest days.
Deadline arithmetic lives in workdays.rules; edits go through workdays.services.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("法定节假日")
    # 调休上班日: a Saturday or Sunday that is worked to make a holiday longer.
    WORKDAY = "workday", _("调休上班日")


class CalendarDay(models.Model):
    """A date whose status differs from the ordinary week, as the State Council announces each year."""

    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=DayKind.choices)
    name = models.CharField(_("名称"), max_length=60)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("录入人"),
    )

    class Meta:
        ordering = ["date"]
        verbose_name = _("日历日")
        verbose_name_plural = _("日历日")

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.get_kind_display()} {self.name}"


class CalendarVersion(models.Model):
    """One row whose token changes in the same transaction as any change to the calendar.

    Every process keeps the calendar in memory keyed by this token and re-reads it when the token
    differs, so an edit made by one process is seen by all of them. A random token rather than a
    counter: a counter bumped in a transaction that is then rolled back would be reused by the next
    edit, and a process that had cached the rolled-back calendar under it would never notice.
    """

    token = models.CharField(max_length=32)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("日历版本")
        verbose_name_plural = _("日历版本")

    def __str__(self) -> str:
        return self.token
