"""Which surface a request is on (内外网物理隔离): the internet-facing portal or the staff network.

The portal is the public schema's host; every agency and oversight host is the staff surface. Kept
here, below the tenant registry, so that accounts, file downloads and sessions all ask one place.
"""

from django_tenants.utils import get_public_schema_name

PORTAL = "portal"
STAFF = "staff"


def surface_of_schema(schema_name: str) -> str:
    return PORTAL if schema_name == get_public_schema_name() else STAFF


def request_surface(request) -> str:
    """ "portal" or "staff": the surface of the request's host (no tenant yet: the portal)."""
    tenant = getattr(request, "tenant", None)
    return surface_of_schema(tenant.schema_name) if tenant is not None else PORTAL
