"""Who may act in which agency: the one place that answers it for views, APIs and tasks."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_tenants.utils import get_public_schema_name

from accounts.models import Membership


def agency_roles(user, agency) -> set[str]:
    """The roles ``user`` holds in ``agency`` (empty for anonymous users and outsiders)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active or agency is None:
        return set()
    if agency.schema_name == get_public_schema_name():
        return set()
    return set(Membership.objects.filter(user=user, agency=agency).values_list("role", flat=True))


def staff_required(*roles: str) -> Callable:
    """Decorate a workspace view: the user must be a member of the host's agency (with a role in
    ``roles`` when given). Anyone else gets a page saying so; an anonymous visitor is sent to sign in.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            held = agency_roles(request.user, request.tenant)
            if not held or (roles and not held.intersection(roles)):
                return render(
                    request,
                    "not_staff.html",
                    {"required_roles": roles, "held_roles": sorted(held)},
                    status=403,
                )
            request.agency_roles = held
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
