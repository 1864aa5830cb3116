"""The client's address, for audit records and rate limits."""

from django.conf import settings


def client_ip(request) -> str | None:
    """REMOTE_ADDR, or behind a trusted reverse proxy (HALL_TRUST_X_FORWARDED_FOR) the address that
    proxy saw: the last entry of X-Forwarded-For, which nginx's $proxy_add_x_forwarded_for appends."""
    if getattr(settings, "HALL_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        last = forwarded.split(",")[-1].strip()
        if last:
            return last
    return request.META.get("REMOTE_ADDR") or None
