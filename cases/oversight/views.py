"""The oversight body's pages: read across every agency through the public CaseIndex."""

from django.shortcuts import render

from accounts.access import staff_required
from accounts.models import Role


@staff_required(Role.SUPERVISOR, Role.LEADER, Role.ADMIN)
def dashboard(request):
    return render(request, "oversight/dashboard.html", {"roles": sorted(request.agency_roles)})
