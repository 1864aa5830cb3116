"""Messages in the workspace: a member's own notices (a case arrived, a supervision order, the daily
digest), and the bureau's list of messages that could not be delivered, with sending one again.

Only the 信访局's admins and leaders see the failed deliveries: the list spans every agency's
citizens (recipients masked). Messages about a report of misconduct (检举控告) are never listed: the
bureau may be the unit reported, and a tracking number beside a masked address already says who
reported (信访工作条例 arts. 30, 46). They keep retrying by themselves and stay in the reporter's inbox.
"""

import uuid

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import staff_required
from config.hall_request import HallRequest
from notifications import services as notification_services
from tenants.models import Agency, AgencyKind


def _listable():
    """Failed deliveries staff may see and resend: none about a protected report."""
    from cases.index.models import ProtectedIdentity

    return notification_services.failed_deliveries().exclude(
        notification__case_uuid__in=ProtectedIdentity.objects.values("case_uuid")
    )


def _bureau_only(request: HallRequest[Agency]) -> None:
    if request.tenant.kind != AgencyKind.BUREAU:
        raise Http404("not the bureau")


@staff_required("admin", "leader")
def failed_deliveries(request: HallRequest[Agency]) -> HttpResponse:
    _bureau_only(request)
    rows = _listable().order_by("-created_at")
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "workspace/failed_deliveries.html", {"page": page})


@staff_required("admin", "leader")
@require_POST
def resend_delivery(request: HallRequest[Agency], delivery_id: uuid.UUID) -> HttpResponse:
    _bureau_only(request)
    if not _listable().filter(pk=delivery_id).exists():
        messages.error(request, _("该消息不是发送失败状态，未重新发送。"))
        return redirect("workspace:failed_deliveries")
    if notification_services.resend_delivery(delivery_id=delivery_id):
        messages.success(request, _("已重新发送。"))
    else:
        messages.error(request, _("该消息不是发送失败状态，未重新发送。"))
    return redirect("workspace:failed_deliveries")


@staff_required()
def staff_messages(request: HallRequest[Agency]) -> HttpResponse:
    """The member's own notices, newest first; POST marks them all read."""
    from notifications.models import Notification

    if request.method == "POST":
        notification_services.mark_all_read(user=request.user)
        return redirect("workspace:messages")
    rows = Notification.objects.filter(user=request.user).order_by("-created_at")
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "workspace/messages.html",
        {"page": page, "unread": notification_services.unread_count(request.user)},
    )
