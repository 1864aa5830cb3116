"""The agency's supervision inbox: reminders and supervision orders addressed to it, and its answers."""

from django.http import Http404
from django.shortcuts import render

from accounts.access import staff_required


@staff_required()
def inbox(request):
    return render(request, "oversight/agency_inbox.html", {"items": []})


@staff_required()
def item_detail(request, item_id):
    raise Http404
