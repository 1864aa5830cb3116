"""Agency workspace pages (bureau, departments, counties)."""

from django.shortcuts import render

from accounts.access import staff_required


@staff_required()
def home(request):
    return render(request, "workspace/home.html", {"roles": sorted(request.agency_roles)})
