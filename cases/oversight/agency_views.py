"""The agency's supervision inbox (督办件): reminders and orders addressed to it, and its answers.

Mounted at /supervision/ on agency hosts. An agency sees only items addressed to it: every lookup is
filtered by the host's agency, so another agency's item is "not found".
"""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.access import staff_required
from cases.oversight import forms
from cases.oversight import queries as ovs
from cases.oversight import services as ovs_services
from cases.oversight.models import SupervisionItem
from cases.services import Actor
from config import clock
from config.errors import HallError
from config.hall_request import HallRequest
from config.net import client_ip
from tenants.models import Agency


def _own_item(request: HallRequest[Agency], item_id) -> SupervisionItem:
    item = (
        SupervisionItem.objects.select_related("agency", "issued_by", "answered_by")
        .filter(pk=item_id, agency=request.tenant)
        .first()
    )
    if item is None:
        raise Http404(_("找不到该督办事项。"))
    return item


@staff_required()
def inbox(request: HallRequest[Agency]) -> HttpResponse:
    form = forms.InboxFilterForm(request.GET)
    status, code = "open", 200
    if not form.is_valid():
        messages.error(request, _("筛选条件无效，已显示待反馈的督办件。"))
        code = 400
    elif form.cleaned_data["status"]:
        status = form.cleaned_data["status"]
    items = ovs.supervision_items(agency=request.tenant, status=status if status != "all" else "")[:200]
    return render(
        request,
        "oversight/agency_inbox.html",
        {"items": items, "status": status, "today": clock.today()},
        status=code,
    )


@staff_required()
@require_http_methods(["GET", "POST"])
def item_detail(request: HallRequest[Agency], item_id) -> HttpResponse:
    item = _own_item(request, item_id)
    form = forms.AnswerForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and form.is_valid():
        actor = Actor.staff(request.user, request.tenant, ip=client_ip(request))
        try:
            ovs_services.answer_supervision(actor=actor, item=item, text=form.cleaned_data["answer"])
        except HallError as exc:
            form.add_error(None, exc.message)
            status = exc.status
        else:
            messages.success(request, _("已反馈。"))
            return redirect("supervision:item", item_id=item.pk)
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "oversight/agency_item.html",
        {"item": item, "form": form, "today": clock.today()},
        status=status,
    )
