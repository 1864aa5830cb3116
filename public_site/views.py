from django.shortcuts import render

from tenants.models import Agency, AgencyKind


def home(request):
    agencies = Agency.objects.filter(
        kind__in=[AgencyKind.DEPARTMENT, AgencyKind.COUNTY], is_active=True
    ).order_by("sort_order")
    return render(request, "public_site/home.html", {"agencies": agencies})
