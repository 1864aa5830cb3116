"""The agency's own settings, for its administrator (members and roles, responsibilities) and leaders
(reply templates)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import staff_required
from accounts.models import Role
from cases.workspace import forms
from cases.workspace import reads as ws_selectors
from cases.workspace import services as ws_services
from cases.workspace.common import (
    _errors_to_form,
)
from cases.workspace.models import ReplyTemplate
from config.errors import HallError
from config.hall_request import HallRequest
from tenants.models import Agency, AgencyKind, ReviewBody

# --- Settings (the agency's own administrator) ---------------------------------------------------


def _review_rows(tenant: Agency, is_admin: bool) -> list[dict]:
    """The review hierarchy: every agency's 复查机关 and 复核机关 for the bureau's administrator, who sets
    them; this agency's own for anyone else (shown, never set by itself, arts. 35-36)."""
    from cases.services import review_body_of, review_chain_problems

    bodies = list(ReviewBody.objects.select_related("agency", "above"))
    if tenant.kind == AgencyKind.BUREAU and is_admin:
        agencies = [a for a in Agency.objects.filter(is_active=True) if a.is_case_holder]
    elif tenant.is_case_holder:
        agencies = [tenant]
    else:
        return []
    rows = []
    for agency in agencies:
        body = review_body_of(agency)
        rows.append(
            {
                "agency": agency,
                "body": body,
                "above": body.above,
                "problems": review_chain_problems(agency),
                "form": forms.ReviewBodyForm(
                    initial={"agency": agency.code, "body": body.code}, bodies=bodies
                )
                if tenant.kind == AgencyKind.BUREAU and is_admin
                else None,
            }
        )
    return rows


def _settings_page(request: HallRequest[Agency], *, status: int = 200, **forms_given) -> HttpResponse:
    tenant = request.tenant
    is_admin = Role.ADMIN in request.agency_roles
    context = {
        "review_rows": _review_rows(tenant, is_admin),
        "is_admin": is_admin,
        "members": list(ws_selectors.members(tenant)) if is_admin else [],
        "member_form": forms_given.get("member_form")
        or forms.MemberForm(roles=ws_services.grantable_roles(tenant)),
        "templates": list(ReplyTemplate.objects.filter(agency=tenant)),
        "template_form": forms_given.get("template_form") or forms.TemplateForm(),
        "responsibilities_form": forms_given.get("responsibilities_form")
        or forms.ResponsibilitiesForm(
            initial={"responsibilities": tenant.responsibilities, "keywords": tenant.keywords}
        ),
    }
    return render(request, "workspace/settings.html", context, status=status)


@staff_required("admin", "leader")
def settings_home(request: HallRequest[Agency]) -> HttpResponse:
    return _settings_page(request)


@staff_required("admin")
@require_POST
def member_add(request: HallRequest[Agency]) -> HttpResponse:
    form = forms.MemberForm(request.POST, roles=ws_services.grantable_roles(request.tenant))
    status = 400
    if form.is_valid():
        try:
            ws_services.add_member(
                acting_user=request.user,
                agency=request.tenant,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
            )
        except HallError as exc:
            form.add_error(None, str(exc))
            status = exc.status
        else:
            messages.success(request, _("已添加成员。"))
            return redirect("workspace:settings")
    return _settings_page(request, status=status, member_form=form)


@staff_required("admin")
@require_POST
def member_remove(request: HallRequest[Agency], membership_id: int) -> HttpResponse:
    try:
        ws_services.remove_member(
            acting_user=request.user, agency=request.tenant, membership_id=membership_id
        )
    except HallError as exc:
        messages.error(request, str(exc))
        return _settings_page(request, status=exc.status)
    messages.success(request, _("已移除该角色。"))
    return redirect("workspace:settings")


@staff_required("admin")
@require_POST
def responsibilities(request: HallRequest[Agency]) -> HttpResponse:
    form = forms.ResponsibilitiesForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            ws_services.update_responsibilities(
                acting_user=request.user,
                agency=request.tenant,
                responsibilities=form.cleaned_data["responsibilities"],
                keywords=form.cleaned_data["keywords"],
            )
        except HallError as exc:
            _errors_to_form(form, exc)
            status = exc.status
        else:
            messages.success(request, _("已保存职责范围和分流关键词。"))
            return redirect("workspace:settings")
    return _settings_page(request, status=status, responsibilities_form=form)


@staff_required("admin")
@require_POST
def review_body(request: HallRequest[Agency]) -> HttpResponse:
    """The bureau's administrator sets an agency's 复查机关 (arts. 35-36)."""
    form = forms.ReviewBodyForm(request.POST, bodies=ReviewBody.objects.all())
    agency = Agency.objects.filter(code=request.POST.get("agency", ""), is_active=True).first()
    if not form.is_valid() or agency is None or not agency.is_case_holder:
        messages.error(request, _("请选择复查机关。"))
        return _settings_page(request, status=400)
    try:
        ws_services.set_review_body(
            acting_user=request.user,
            bureau=request.tenant,
            agency=agency,
            body_code=form.cleaned_data["body"],
        )
    except HallError as exc:
        messages.error(request, str(exc))
        return _settings_page(request, status=exc.status)
    messages.success(request, _("已保存%(agency)s的复查机关。") % {"agency": agency.name_zh})
    return redirect("workspace:settings")


@staff_required("admin", "leader")
@require_http_methods(["GET", "POST"])
def template_edit(request: HallRequest[Agency], template_id: int | None = None) -> HttpResponse:
    template = None
    if template_id is not None:
        template = ReplyTemplate.objects.filter(pk=template_id, agency=request.tenant).first()
        if template is None:
            raise Http404(_("找不到该模板。"))
    status = 200
    if request.method == "POST":
        form = forms.TemplateForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                ws_services.save_reply_template(
                    acting_user=request.user,
                    agency=request.tenant,
                    template_id=template_id,
                    **form.cleaned_data,
                )
            except HallError as exc:
                _errors_to_form(form, exc)
                status = exc.status
            else:
                messages.success(request, _("已保存答复模板。"))
                return redirect("workspace:settings")
    else:
        initial = (
            {"title": template.title, "opinion": template.opinion, "body": template.body} if template else {}
        )
        form = forms.TemplateForm(initial=initial)
    return render(
        request, "workspace/template_edit.html", {"form": form, "template": template}, status=status
    )


@staff_required("admin", "leader")
@require_POST
def template_delete(request: HallRequest[Agency], template_id: int) -> HttpResponse:
    try:
        ws_services.delete_reply_template(
            acting_user=request.user, agency=request.tenant, template_id=template_id
        )
    except HallError as exc:
        raise Http404(str(exc)) from None
    messages.success(request, _("已删除答复模板。"))
    return redirect("workspace:settings")
