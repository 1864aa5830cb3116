"""The client's address, for audit records and rate limits: the one place that reads it.

allauth's rate limits read it too (accounts.adapters.HallAccountAdapter.get_client_ip), so a login
throttle, a query-code throttle and an audit record all see the same address.
"""

import ipaddress

from django.conf import settings

# Rate limits count an IPv6 client by its /64: one subscriber usually holds a whole /64, and counting
# single addresses would give them 2**64 fresh counters (allauth's RATE_LIMIT_IPV6_PREFIX default).
IPV6_RATE_LIMIT_PREFIX = 64


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """REMOTE_ADDR, or behind HALL_TRUSTED_PROXY_COUNT reverse proxies the address the outermost of
    them saw.

    Each trusted proxy appends the address it received the request from to X-Forwarded-For (nginx's
    ``$proxy_add_x_forwarded_for``), so the last ``count`` entries are written by proxies we run and
    everything left of them is whatever the client sent: the entry ``count`` hops from the right is
    the client. With a count of 0 the header is ignored (anyone can send it). A request that passed
    fewer proxies than the count (one reached the inner proxy directly) has only proxy-written
    entries, so the leftmost of them is its client. An entry that is not an address (a misconfigured
    proxy) falls back to REMOTE_ADDR rather than let a string become a rate-limit key.
    """
    count = settings.HALL_TRUSTED_PROXY_COUNT
    if count > 0:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [hop for hop in hops if hop]
        if hops:
            forwarded = _valid(hops[-count] if len(hops) >= count else hops[0])
            if forwarded:
                return forwarded
    remote = request.META.get("REMOTE_ADDR") or ""
    return _valid(remote) if remote else None


def rate_limit_address(request) -> str:
    """The client's address as rate limits count it: IPv4 as is, IPv6 by its /64 network."""
    address = client_ip(request)
    if address is None:
        return "unknown"
    parsed = ipaddress.ip_address(address)
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/{IPV6_RATE_LIMIT_PREFIX}", strict=False).network_address)
    return address
