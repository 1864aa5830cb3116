"""The host routing keeps each host's agency for a few seconds (tenants.middleware): every edit made
here is seen at once, a deactivated agency's host stops answering, and requests never share a copy."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenants import middleware
from tenants.hosts import agency_host


def _domain_lookups(client, path="/healthz") -> int:
    with CaptureQueriesContext(connection) as captured:
        client.get(path)
    return sum('FROM "tenants_domain"' in q["sql"] for q in captured.captured_queries)


def test_a_host_is_looked_up_once_then_kept(host_client, agency_a):
    client = host_client(agency_a)
    assert _domain_lookups(client) == 1
    assert _domain_lookups(client) == 0


def test_an_unknown_host_is_never_kept(host_client):
    client = host_client("nosuchagency")
    assert client.get("/healthz").status_code == 404
    assert _domain_lookups(client) == 1


def test_deactivating_an_agency_is_seen_by_the_next_request(host_client, agency_a):
    client = host_client(agency_a)
    assert client.get("/healthz").status_code == 200
    agency_a.is_active = False
    agency_a.save()
    assert client.get("/healthz").status_code == 404


def test_a_kept_agency_expires(host_client, agency_a, monkeypatch):
    client = host_client(agency_a)
    client.get("/healthz")
    monkeypatch.setattr(middleware, "TENANT_CACHE_SECONDS", 0.0)
    middleware._tenants[agency_host(agency_a.code)] = (
        0.0,
        middleware._tenants[agency_host(agency_a.code)][1],
    )
    assert _domain_lookups(client) == 1


@pytest.mark.parametrize("attribute", ["domain_url", "name_zh"])
def test_each_request_gets_its_own_copy(rf, agency_a, attribute):
    from tenants.models import Domain

    mw = middleware.HallTenantMiddleware(lambda request: None)
    host = agency_host(agency_a.code)
    first = mw.get_tenant(Domain, host)
    setattr(first, attribute, "changed by one request")
    second = mw.get_tenant(Domain, host)
    assert second is not first
    assert getattr(second, attribute) != "changed by one request"
