"""Official documents (文书) the hall issues, and their per-agency yearly numbering."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentKind(models.TextChoices):
    FORWARD_NOTICE = "forward_notice", _("转送告知")
    ASSIGNMENT_ORDER = "assignment_order", _("交办单")
    ACCEPTANCE_NOTICE = "acceptance_notice", _("受理告知书")
    NON_ACCEPTANCE_NOTICE = "non_acceptance_notice", _("不予受理告知书")
    EXTENSION_NOTICE = "extension_notice", _("延期告知书")
    HANDLING_OPINION = "handling_opinion", _("信访处理意见书")
    REVIEW_OPINION = "review_opinion", _("复查意见书")
    REREVIEW_OPINION = "rereview_opinion", _("复核意见书")
    NOT_ACCEPTED_BY_BUREAU = "not_accepted_by_bureau", _("不予受理告知（信访局）")
    COMPLETION_REPORT = "completion_report", _("办结报告")
    REPEAT_NOTICE = "repeat_notice", _("重复信访告知书")
    FINAL_NOTICE = "final_notice", _("不再受理告知书")
    REFERRAL_NOTICE = "referral_notice", _("移送复查（复核）告知书")


class DocumentSequence(models.Model):
    """The last number issued for one kind of document by one agency in one year (文号).

    Lives in the public schema so numbering never depends on the current search_path; rows are
    bumped with one UPSERT ... RETURNING (documents.services.next_document_number).
    """

    agency_code = models.SlugField(_("机关代码"), max_length=20)
    kind = models.CharField(_("文书类别"), max_length=40, choices=DocumentKind.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    last_number = models.PositiveIntegerField(_("已用文号"), default=0)

    class Meta:
        verbose_name = _("文书编号序列")
        verbose_name_plural = _("文书编号序列")
        constraints = [
            models.UniqueConstraint(fields=["agency_code", "kind", "year"], name="documents_sequence_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.agency_code}/{self.kind}/{self.year}: {self.last_number}"


class AgencySeal(models.Model):
    """An agency's electronic seal (电子印章): a PNG with a transparent background, uploaded by the
    agency's administrator and placed over the signature and date of the notices the agency issues.

    Public schema, one row per agency (replaced on a new upload). The image is small (a few tens of kB,
    capped by documents.seals.SEAL_MAX_BYTES) and read on every rendering, so it is kept in the row
    rather than in the object store: no network round trip while a notice is generated.
    """

    agency_code = models.SlugField(_("机关代码"), max_length=20, unique=True)
    # The schema the agency's notices are rendered in: how a rendering finds its agency's seal.
    schema_name = models.CharField(_("机关数据库模式"), max_length=63, unique=True)
    image = models.BinaryField(_("印章图片（PNG）"))
    width_px = models.PositiveIntegerField(_("宽度（像素）"))
    height_px = models.PositiveIntegerField(_("高度（像素）"))
    uploaded_at = models.DateTimeField(_("上传时间"))
    uploaded_by_uuid = models.UUIDField(_("上传人"), null=True, blank=True)

    class Meta:
        verbose_name = _("电子印章")
        verbose_name_plural = _("电子印章")

    def __str__(self) -> str:
        return f"{self.agency_code} ({self.width_px}×{self.height_px})"
