"""Host routing: the portal host, one host per agency workspace, the oversight host.

Also enforces the surfaces setting (internet/intranet separation): a process configured to serve
only the portal cannot route a request to any staff page, and vice versa.
"""

import copy
import time

from django.conf import settings
from django.db import connection
from django.shortcuts import render
from django.urls import set_urlconf
from django_tenants.middleware.main import TenantMainMiddleware
from django_tenants.utils import get_public_schema_name

from config.surfaces import surface_of_schema
from tenants.models import KEPT_AGENCY_SECONDS, AgencyKind, forget_kept_agencies


def surface_of(tenant) -> str:
    """Which surface a tenant's host belongs to: the internet-facing portal or the staff network."""
    return surface_of_schema(tenant.schema_name)


def _not_found(request, hostname: str, reason: str):
    """The same page for a host that names no agency, an agency this process does not serve (a
    workspace host on the portal process) and a deactivated one: it names no agency and does not
    tell which of the three it was, so the internet side learns nothing about the intranet."""
    connection.set_schema_to_public()  # type: ignore[attr-defined]  # django-tenants' DatabaseWrapper
    set_urlconf(None)
    request.tenant = None  # the page header must not show the agency the host belongs to
    response = render(
        request,
        "unknown_host.html",
        {"hostname": hostname, "portal_url": portal_url()},
        status=404,
    )
    response["Cache-Control"] = "no-store"
    return response


def portal_url() -> str:
    port = "" if settings.HALL_PORT in (80, 443) else f":{settings.HALL_PORT}"
    return f"{settings.HALL_SCHEME}://{settings.HALL_DOMAIN}{port}/"


# Host name → its agency, kept for a few seconds per process: every request asks, agencies change
# rarely. A save or delete of an agency or a domain in this process forgets them all (tenants.apps);
# another process sees the change within TENANT_CACHE_SECONDS. Each request gets its own copy of the
# agency, so what one request sets on it never reaches another.
TENANT_CACHE_SECONDS = KEPT_AGENCY_SECONDS
_tenants: dict[str, tuple[float, object]] = {}


def forget_tenants(**_kwargs) -> None:
    _tenants.clear()
    forget_kept_agencies()


class HallTenantMiddleware(TenantMainMiddleware):
    def get_tenant(self, domain_model, hostname):
        now = time.monotonic()
        kept = _tenants.get(hostname)
        if kept is None or kept[0] <= now:
            tenant = super().get_tenant(domain_model, hostname)  # an unknown host raises, never kept
            kept = (now + TENANT_CACHE_SECONDS, tenant)
            _tenants[hostname] = kept
        return copy.copy(kept[1])

    def process_request(self, request):
        response = super().process_request(request)
        if response is not None:
            return response
        tenant = request.tenant
        surfaces = settings.HALL_SURFACES
        if surfaces != "all" and surface_of(tenant) != surfaces:
            return _not_found(request, request.get_host(), "surface")
        if not tenant.is_active and tenant.schema_name != get_public_schema_name():
            return _not_found(request, request.get_host(), "inactive")
        return None

    def no_tenant_found(self, request, hostname):
        return _not_found(request, hostname, "unknown")

    @staticmethod
    def setup_url_routing(request, force_public=False):
        tenant = getattr(request, "tenant", None)
        if force_public or tenant is None or tenant.schema_name == get_public_schema_name():
            request.urlconf = settings.PUBLIC_SCHEMA_URLCONF
        elif tenant.kind == AgencyKind.OVERSIGHT:
            request.urlconf = settings.OVERSIGHT_URLCONF
        else:
            request.urlconf = settings.ROOT_URLCONF
        set_urlconf(request.urlconf)
