"""Host names and URLs of the portal and the workspaces."""

from django.conf import settings

from tenants.middleware import portal_url


def agency_host(code: str) -> str:
    return f"{code}.{settings.HALL_DOMAIN}"


def agency_url(code: str) -> str:
    port = "" if settings.HALL_PORT in (80, 443) else f":{settings.HALL_PORT}"
    return f"{settings.HALL_SCHEME}://{agency_host(code)}{port}/"


__all__ = ["agency_host", "agency_url", "portal_url"]
