"""Agency settings, changed only here: members and roles, reply templates, what the agency handles.

Case changes are not here: they go through cases.services. These functions change an agency's own
configuration; each checks the acting user's role in that agency itself, so a view, a command or an API
that calls one cannot skip the check.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from accounts.access import agency_roles
from accounts.models import Membership, Role, User
from cases.models import HandlingOpinion
from cases.workspace.models import ReplyTemplate
from config.errors import Forbidden, HallError, NotFound
from tenants.middleware import forget_tenants
from tenants.models import Agency, AgencyKind, ReviewBody

ADMIN_ROLES = frozenset({Role.ADMIN})
TEMPLATE_KEEPERS = frozenset({Role.ADMIN, Role.LEADER})
KEYWORDS_MAX = 500


def _require_role(user: User, agency: Agency, roles: frozenset[str]) -> None:
    if not agency_roles(user, agency) & roles:
        raise Forbidden(_("只有本单位管理员才能修改单位设置。"), code="admin_required")


def grantable_roles(agency: Agency) -> list[str]:
    """Roles an agency may give: supervisors exist only in the oversight body."""
    if agency.kind == AgencyKind.OVERSIGHT:
        return [Role.SUPERVISOR, Role.LEADER, Role.ADMIN]
    return [Role.HANDLER, Role.LEADER, Role.ADMIN]


# --- Members and roles ----------------------------------------------------------------------------


def add_member(*, acting_user: User, agency: Agency, email: str, role: str) -> Membership:
    """Give an existing account a role in ``agency`` (staff register on the portal first)."""
    _require_role(acting_user, agency, ADMIN_ROLES)
    if role not in grantable_roles(agency):
        raise HallError(_("请选择有效的角色。"), code="invalid_role")
    user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if user is None:
        raise NotFound(
            _("没有使用该邮箱的账户。请先让其在网上信访大厅注册并验证邮箱。"), code="user_not_found"
        )
    try:
        with transaction.atomic():
            return Membership.objects.create(user=user, agency=agency, role=role)
    except IntegrityError:
        raise HallError(_("该用户已具有此角色。"), code="membership_exists", status=409) from None


def remove_member(*, acting_user: User, agency: Agency, membership_id: int) -> None:
    """Take one role away. The last administrator cannot be removed: the agency would lock itself out."""
    _require_role(acting_user, agency, ADMIN_ROLES)
    with transaction.atomic():
        # Lock every admin row of the agency: two admins removing each other at once must not both win.
        admins = list(
            Membership.objects.select_for_update()
            .filter(agency=agency, role=Role.ADMIN)
            .values_list("pk", flat=True)
        )
        membership = Membership.objects.select_for_update().filter(pk=membership_id, agency=agency).first()
        if membership is None:
            raise NotFound(_("找不到该成员。"))
        if membership.role == Role.ADMIN and admins == [membership.pk]:
            raise HallError(_("不能移除本单位最后一名管理员。"), code="last_admin", status=409)
        membership.delete()


# --- Reply templates ----------------------------------------------------------------------------


def save_reply_template(
    *,
    acting_user: User,
    agency: Agency,
    title: str,
    opinion: str,
    body: str,
    template_id: int | None = None,
) -> ReplyTemplate:
    _require_role(acting_user, agency, TEMPLATE_KEEPERS)
    fields = {}
    if not title.strip():
        fields["title"] = _("请填写模板名称。")
    if opinion not in HandlingOpinion.values:
        fields["opinion"] = _("请选择处理意见。")
    if len(body.strip()) < 10:
        fields["body"] = _("答复正文至少10个字。")
    if fields:
        raise HallError(_("模板有需要修改的地方。"), code="invalid_template", fields=fields)
    try:
        with transaction.atomic():
            if template_id is None:
                return ReplyTemplate.objects.create(
                    agency=agency, title=title.strip()[:100], opinion=opinion, body=body.strip()
                )
            template = ReplyTemplate.objects.select_for_update().filter(pk=template_id, agency=agency).first()
            if template is None:
                raise NotFound(_("找不到该模板。"))
            template.title, template.opinion, template.body = title.strip()[:100], opinion, body.strip()
            template.save()
            return template
    except IntegrityError:
        raise HallError(
            _("已有同名模板。"), code="template_exists", status=409, fields={"title": _("已有同名模板。")}
        ) from None


def delete_reply_template(*, acting_user: User, agency: Agency, template_id: int) -> None:
    _require_role(acting_user, agency, TEMPLATE_KEEPERS)
    deleted, _rows = ReplyTemplate.objects.filter(pk=template_id, agency=agency).delete()
    if not deleted:
        raise NotFound(_("找不到该模板。"))


# --- What the agency handles ------------------------------------------------------------------------


def update_responsibilities(
    *, acting_user: User, agency: Agency, responsibilities: str, keywords: str
) -> Agency:
    """职责范围 and routing keywords: shown in the portal's service room, used for routing suggestions."""
    _require_role(acting_user, agency, ADMIN_ROLES)
    words = []
    for word in keywords.replace("，", ",").replace("、", ",").split(","):
        word = word.strip()
        if word and word not in words:
            words.append(word)
    joined = ",".join(words)
    if len(joined) > KEYWORDS_MAX:
        raise HallError(
            _("分流关键词总长度不能超过500个字符。"),
            code="keywords_too_long",
            fields={"keywords": _("分流关键词总长度不能超过500个字符。")},
        )
    with transaction.atomic():
        row = Agency.objects.select_for_update().get(pk=agency.pk)
        row.responsibilities = responsibilities.strip()
        row.keywords = joined
        row.save(update_fields=["responsibilities", "keywords"])
    agency.responsibilities, agency.keywords = row.responsibilities, row.keywords
    return row


# --- The review hierarchy (信访工作条例 arts. 35-36) -----------------------------------------------------


def set_review_body(*, acting_user: User, bureau: Agency, agency: Agency, body_code: str) -> Agency:
    """Set which body reviews ``agency``'s replies (its 上级机关, art. 35).

    The bureau's administrator sets it for every agency, never an agency for itself: a body that chose
    its own reviewer could choose itself or a friendly one. A chain in which any body would review or
    re-review its own decision is refused (arts. 35-36).
    """
    from cases.services import review_chain_problems

    if bureau.kind != AgencyKind.BUREAU:
        raise Forbidden(_("复查机关由信访局设置。"), code="bureau_required")
    _require_role(acting_user, bureau, ADMIN_ROLES)
    body = ReviewBody.objects.filter(code=body_code).first()
    if body is None:
        raise HallError(
            _("请选择复查机关。"), code="invalid_review_body", fields={"body": _("请选择复查机关。")}
        )
    with transaction.atomic():
        row = Agency.objects.select_for_update().get(pk=agency.pk)
        row.review_body = body
        problems = review_chain_problems(row)
        if problems:
            raise HallError("；".join(problems), code="self_review", fields={"body": "；".join(problems)})
        # An update, not save(): the bureau's request runs in the bureau's schema, and django-tenants
        # refuses to save another tenant's row from there.
        Agency.objects.filter(pk=row.pk).update(review_body=body)
        # No save signal for an update: the host routing's copy forgets now, and again at the commit
        # (a request in between may have kept the old row).
        forget_tenants()
        transaction.on_commit(forget_tenants)
    return row
