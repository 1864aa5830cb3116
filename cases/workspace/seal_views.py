"""The agency's electronic seal (电子印章) in the workspace settings: its administrator uploads,
previews or removes it (documents.seals); the notices the agency issues then carry it over their date.

Adapters only, kept apart from workspace.views: each view checks the role (staff_required("admin")),
calls one documents.seals service, and renders.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import staff_required
from cases.workspace import forms
from config.errors import HallError
from config.hall_request import HallRequest
from documents import seals
from tenants.models import Agency

StaffRequest = HallRequest[Agency]


def _page(request: StaffRequest, form: forms.SealForm, *, status: int = 200) -> HttpResponse:
    current = seals.agency_seal(agency_code=request.tenant.code)
    context = {"form": form, "seal": current}
    return render(request, "workspace/seal.html", context, status=status)


@staff_required("admin")
@require_http_methods(["GET", "POST"])
def seal_settings(request: StaffRequest) -> HttpResponse:
    if request.method != "POST":
        return _page(request, forms.SealForm())
    form = forms.SealForm(request.POST, request.FILES)
    status = 400
    if form.is_valid():
        try:
            seals.set_agency_seal(
                acting_user=request.user, agency=request.tenant, upload=form.cleaned_data["seal"]
            )
        except HallError as exc:
            form.add_error("seal", str(exc))
            status = exc.status
        else:
            messages.success(request, _("已保存电子印章，此后生成的文书将加盖此印章。"))
            return redirect("workspace:seal")
    return _page(request, form, status=status)


@staff_required("admin")
@require_POST
def seal_remove(request: StaffRequest) -> HttpResponse:
    try:
        removed = seals.remove_agency_seal(acting_user=request.user, agency=request.tenant)
    except HallError as exc:
        messages.error(request, str(exc))
        return _page(request, forms.SealForm(), status=exc.status)
    if removed:
        messages.success(request, _("已移除电子印章，此后生成的文书将注明未加盖印章。"))
    return redirect("workspace:seal")


@staff_required("admin")
@never_cache
def seal_image(request: StaffRequest) -> HttpResponse:
    """The current seal, for the preview on the settings page (checked as a PNG when uploaded)."""
    current = seals.agency_seal(agency_code=request.tenant.code)
    if current is None:
        raise Http404(_("本单位尚未设置电子印章。"))
    response = HttpResponse(current.data, content_type="image/png")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = 'inline; filename="seal.png"'
    return response
