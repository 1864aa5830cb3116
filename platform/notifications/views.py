"""The citizen's inbox on the portal: every message about their petitions, newest first."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from notifications.services import mark_all_read as mark_all_read_service
from notifications.services import mark_read as mark_read_service
from notifications.services import query_codes, unread_count


@login_required
def inbox(request):
    from notifications.models import Notification

    rows = Notification.objects.filter(user=request.user).order_by("-created_at")
    page = Paginator(rows, 20).get_page(request.GET.get("page"))
    # The query code of each of the citizen's petitions, beside its messages (decrypted from the index).
    codes = query_codes(request.user, [note.case_uuid for note in page.object_list])
    for note in page.object_list:
        note.query_code = codes.get(note.case_uuid, "")
    return render(
        request,
        "notifications/inbox.html",
        {"page": page, "unread": unread_count(request.user)},
    )


@login_required
@require_POST
def mark_read(request, notification_id):
    # Someone else's id marks nothing: the service filters by the signed-in user.
    mark_read_service(user=request.user, notification_id=notification_id)
    return redirect("notifications:inbox")


@login_required
@require_POST
def mark_all_read(request):
    mark_all_read_service(user=request.user)
    return redirect("notifications:inbox")
