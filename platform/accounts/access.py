"""Who may act in which agency: the one place that answers it for views, APIs and tasks."""

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django_tenants.utils import get_public_schema_name

from accounts.models import Membership

# Where staff_required remembers the workspace page a staff member was heading for while they set
# up their authenticator; the MFA pages offer a link back to it (allauth's activation view itself
# always continues to the recovery codes).
MFA_NEXT_SESSION_KEY = "hall_mfa_next"


def agency_roles(user, agency) -> set[str]:
    """The roles ``user`` holds in ``agency`` (empty for anonymous users and outsiders)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active or agency is None:
        return set()
    if agency.schema_name == get_public_schema_name():
        return set()
    return set(Membership.objects.filter(user=user, agency=agency).values_list("role", flat=True))


def has_totp(user) -> bool:
    from allauth.mfa.models import Authenticator
    from allauth.mfa.utils import is_mfa_enabled

    return is_mfa_enabled(user, [Authenticator.Type.TOTP])


def staff_mfa_missing(request: HttpRequest) -> bool:
    """True when the signed-in staff member on a workspace host still has to set up TOTP."""
    if not getattr(settings, "HALL_STAFF_MFA_REQUIRED", True):
        return False
    tenant = getattr(request, "tenant", None)
    if tenant is None or tenant.schema_name == get_public_schema_name():
        return False
    return not has_totp(request.user)


def redirect_to_totp_setup(request: HttpRequest) -> HttpResponse:
    next_path = request.get_full_path()
    request.session[MFA_NEXT_SESSION_KEY] = next_path
    return redirect(f"{reverse('mfa_activate_totp')}?{urlencode({'next': next_path})}")


def staff_required(*roles: str) -> Callable:
    """Decorate a workspace view: the user must be a member of the host's agency (with a role in
    ``roles`` when given). Anyone else gets a page saying so; an anonymous visitor is sent to sign in.

    A member who has no authenticator app yet is sent to set one up first (HALL_STAFF_MFA_REQUIRED);
    one who has one passed allauth's TOTP stage when signing in.
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
            if staff_mfa_missing(request):
                return redirect_to_totp_setup(request)
            if MFA_NEXT_SESSION_KEY in request.session:
                del request.session[MFA_NEXT_SESSION_KEY]  # arrived: the "continue" link has done its job
            request.agency_roles = held
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def profile_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Decorate a portal view that needs the citizen's real-name profile (filing a petition).

    Anonymous visitors sign in first; a citizen without a profile goes to the profile page, which
    sends them back (``?next=``) once it is saved.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        from accounts.queries import has_profile

        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not has_profile(request.user):
            return redirect(f"{reverse('accounts:profile')}?{urlencode({'next': request.get_full_path()})}")
        return view(request, *args, **kwargs)

    return wrapped
