from django.conf import settings
from django_tenants.utils import get_public_schema_name

from tenants.middleware import portal_url


def hall(request):
    tenant = getattr(request, "tenant", None)
    is_workspace = tenant is not None and tenant.schema_name != get_public_schema_name()
    return {
        "hall_domain": settings.HALL_DOMAIN,
        "portal_url": portal_url(),
        "current_agency": tenant if is_workspace else None,
    }
