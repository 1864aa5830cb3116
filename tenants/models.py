"""The tenant registry: every agency of the city is a PostgreSQL schema."""

import copy
import time
import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin


class AgencyKind(models.TextChoices):
    BUREAU = "bureau", _("信访局")
    DEPARTMENT = "department", _("市直部门")
    COUNTY = "county", _("县（市、区）")
    OVERSIGHT = "oversight", _("督查机构")
    # 纪检监察机关: handles reports of misconduct by officials (信访工作条例 art. 22 ¶2, art. 30).
    DISCIPLINE = "discipline", _("纪检监察机关")
    # The row that owns the public schema (the portal); never a case holder.
    PORTAL = "portal", _("门户")


class ReviewBody(models.Model):
    """A body that decides review (复查, art. 35) or re-review (复核, art. 36) requests.

    In the hall (``agency`` set) its decisions are taken by that agency's staff: the city government's
    reviews by the bureau, which acts for it. Outside the hall (``agency`` empty: the province, a
    复查复核委员会) the case is handed off with a notice and staff enter its result when it comes back.
    ``above`` is the level above it, which re-reviews its review opinions (art. 36).
    """

    code = models.SlugField(_("代码"), max_length=20, unique=True)
    name_zh = models.CharField(_("中文名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=150, blank=True)
    agency = models.ForeignKey(
        "Agency",
        verbose_name=_("代为办理的单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="acts_for",
    )
    above = models.ForeignKey(
        "self",
        verbose_name=_("上一级机关（复核）"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="below",
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("复查复核机关")
        verbose_name_plural = _("复查复核机关")

    def __str__(self) -> str:
        return self.name_zh

    @property
    def in_hall(self) -> bool:
        return self.agency_id is not None

    def display_name(self, language: str | None = None) -> str:
        from django.utils.translation import get_language

        english = (language or get_language() or "").startswith("en")
        return self.name_en if english and self.name_en else self.name_zh


class Agency(TenantMixin):
    """An agency (机关/单位) with its own schema.

    Schemas are created by tenants.provisioning (a journal replay), never implicitly on save.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.SlugField(_("代码"), max_length=20, unique=True)
    kind = models.CharField(_("类别"), max_length=20, choices=AgencyKind.choices)
    name_zh = models.CharField(_("中文名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=150)
    # Used in document numbers: 三信转〔2026〕15号.
    short_name = models.CharField(_("文号简称"), max_length=10, blank=True)
    # What the agency handles, in plain words: shown in the 民生服务室 and used for routing hints.
    responsibilities = models.TextField(_("职责范围"), blank=True)
    keywords = models.CharField(_("分流关键词"), max_length=500, blank=True)
    sort_order = models.PositiveIntegerField(default=0)
    # An office that belongs to another agency (信访局督查室 is part of 信访局): reported against, they
    # are one unit (see reported_unit_codes).
    part_of = models.ForeignKey(
        "self",
        verbose_name=_("所属单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="parts",
    )
    # 上级机关: the body that reviews this agency's written replies (复查, 信访工作条例 art. 35). Set by
    # the bureau, never by the agency itself: a body that picked its own reviewer could pick itself.
    review_body = models.ForeignKey(
        "ReviewBody",
        verbose_name=_("复查机关"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",  # no reverse manager (the tenant manager has no stub type)
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    auto_create_schema = False
    auto_drop_schema = False

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("机关")
        verbose_name_plural = _("机关")

    def __str__(self) -> str:
        return self.name_zh

    @property
    def is_case_holder(self) -> bool:
        return self.kind in {
            AgencyKind.BUREAU,
            AgencyKind.DEPARTMENT,
            AgencyKind.COUNTY,
            AgencyKind.DISCIPLINE,
        }

    @property
    def keeps_calendar(self) -> bool:
        """The city-wide working-day calendar is kept in the bureau's and the oversight body's
        workspaces only (workdays.views asks the tenant, so platform/ does not know agency kinds)."""
        return self.kind in {AgencyKind.BUREAU, AgencyKind.OVERSIGHT}

    def display_name(self, language: str | None = None) -> str:
        from django.utils.translation import get_language

        return self.name_en if (language or get_language() or "").startswith("en") else self.name_zh


def the_bureau() -> Agency | None:
    """The city's 信访局: the one lookup every part uses (the first active one, should there be two)."""
    return Agency.objects.filter(kind=AgencyKind.BUREAU, is_active=True).order_by("sort_order").first()


# Where filings go, kept per process for a few seconds: every filing asks, agencies change rarely. A
# save or delete of an agency in this process forgets them (tenants.apps, with the host routing's
# copies: tenants.middleware); another process sees a change within KEPT_AGENCY_SECONDS. Each caller
# gets its own copy, so what one request sets on it never reaches another.
KEPT_AGENCY_SECONDS = 5.0
_kept_agencies: dict[str, tuple[float, Agency]] = {}


def forget_kept_agencies() -> None:
    _kept_agencies.clear()


def filing_agency(code: str) -> Agency | None:
    """The active agency ``code`` names, or the bureau (the default way in) for an empty code; None
    for a code that names no active agency (not kept: a later one may be created or activated)."""
    now = time.monotonic()
    kept = _kept_agencies.get(code)
    if kept is None or kept[0] <= now:
        agency = Agency.objects.filter(code=code, is_active=True).first() if code else the_bureau()
        if agency is None:
            return None
        kept = _kept_agencies[code] = (now + KEPT_AGENCY_SECONDS, agency)
    return copy.copy(kept[1])


def the_oversight_agency() -> Agency | None:
    """The oversight office (督查室): the one lookup every part uses."""
    return Agency.objects.filter(kind=AgencyKind.OVERSIGHT, is_active=True).order_by("sort_order").first()


def reportable_agencies() -> models.QuerySet[Agency]:
    """The agencies a report of misconduct (检举控告) can name as the unit reported: every active agency
    of the registry. Forms and the API offer these codes; the case core accepts nothing else."""
    return (
        Agency.objects.filter(is_active=True).exclude(kind=AgencyKind.PORTAL).order_by("sort_order", "code")
    )


def reported_unit_codes(code: str) -> frozenset[str]:
    """The codes of every agency that belongs to the unit reported against when a report names ``code``.

    A unit is the whole organ: the named agency's topmost ``part_of`` ancestor and everything that
    belongs to it, at any depth. A report against 信访局 therefore also covers 信访局督查室, and one
    against the office covers the bureau it belongs to (信访工作条例 arts. 30, 46: neither may handle
    the report or read the reporter's identity). An empty code is no unit.
    """
    if not code:
        return frozenset()
    parent = dict(Agency.objects.values_list("code", "part_of__code"))
    if code not in parent:
        return frozenset({code})

    def root(of: str) -> str:
        seen = {of}
        while parent.get(of) and parent[of] not in seen:
            of = parent[of]
            seen.add(of)
        return of

    top = root(code)
    return frozenset(other for other in parent if root(other) == top)


class Domain(DomainMixin):
    class Meta:
        verbose_name = _("域名")
        verbose_name_plural = _("域名")


class SchemaJournal(models.Model):
    """The SQL that migrating one empty tenant schema executed, recorded once per migration state.

    Provisioning replays it inside one transaction instead of running every migration again; see
    tenants.provisioning for why this is both fast and exact.
    """

    fingerprint = models.CharField(max_length=64, unique=True)
    statements = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"journal {self.fingerprint[:12]} ({len(self.statements)} statements)"


class DemoHistory(models.Model):
    """The demo city's replayed year (tenants.demo_history): one row, the replay's cursor.

    The plan is a pure function of (seed, petitions, ends_at); ``steps_done`` advances in the same
    transaction as each step, so a killed replay resumes at the next step and never runs one twice.
    """

    seed = models.PositiveIntegerField()
    petitions = models.PositiveIntegerField()
    days = models.PositiveIntegerField(default=365)  # how far back the history starts
    ends_at = models.DateTimeField()  # the moment the history runs up to (the first start)
    steps_total = models.PositiveIntegerField(default=0)
    steps_done = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("演示数据")

    def __str__(self) -> str:
        return f"demo history {self.steps_done}/{self.steps_total}"

    @property
    def percent(self) -> int:
        if self.finished_at is not None or not self.steps_total:
            return 100 if self.finished_at is not None else 0
        return min(99, self.steps_done * 100 // self.steps_total)
