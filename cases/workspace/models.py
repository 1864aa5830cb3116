"""Reply templates an agency keeps for its written replies (信访处理意见书).

Kept in the public schema (this app is shared): a template is an agency's own text, not case data, and
the agency key makes every read and write tenant-scoped in the workspace services.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models import HandlingOpinion


class ReplyTemplate(models.Model):
    agency = models.ForeignKey("tenants.Agency", on_delete=models.CASCADE, related_name="reply_templates")
    title = models.CharField(_("模板名称"), max_length=100)
    opinion = models.CharField(_("处理意见"), max_length=20, choices=HandlingOpinion.choices)
    body = models.TextField(_("答复正文"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "title"], name="reply_template_title_unique"),
        ]
        verbose_name = _("答复模板")
        verbose_name_plural = _("答复模板")

    def __str__(self) -> str:
        return self.title
