"""The client's address (config.net): X-Forwarded-For is believed only as far as our own proxies."""

from django.test import override_settings

from config.net import client_ip, rate_limit_address

# nginx connects from 127.0.0.1; the client put "203.0.113.9" in the header itself.
SPOOFED = "203.0.113.9"


def _request(rf, forwarded: str | None, remote: str = "127.0.0.1"):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return rf.get("/", REMOTE_ADDR=remote, **extra)


@override_settings(HALL_TRUSTED_PROXY_COUNT=0)
def test_with_no_trusted_proxy_a_spoofed_header_is_ignored(rf):
    assert client_ip(_request(rf, SPOOFED, remote="198.51.100.7")) == "198.51.100.7"


@override_settings(HALL_TRUSTED_PROXY_COUNT=1)
def test_behind_one_proxy_the_address_it_appended_is_used(rf):
    assert client_ip(_request(rf, f"{SPOOFED}, 198.51.100.7")) == "198.51.100.7"
    assert client_ip(_request(rf, "198.51.100.7")) == "198.51.100.7"


@override_settings(HALL_TRUSTED_PROXY_COUNT=2)
def test_behind_two_proxies_the_address_two_hops_from_the_right_is_used(rf):
    # client spoof, the client as the CDN saw it, the CDN as nginx saw it
    assert client_ip(_request(rf, f"{SPOOFED}, 198.51.100.7, 192.0.2.10")) == "198.51.100.7"
    # A request that reached nginx directly passed one proxy only: its entry is the client.
    assert client_ip(_request(rf, "198.51.100.8")) == "198.51.100.8"


@override_settings(HALL_TRUSTED_PROXY_COUNT=1)
def test_without_the_header_or_with_garbage_the_connection_address_is_used(rf):
    assert client_ip(_request(rf, None, remote="198.51.100.7")) == "198.51.100.7"
    assert client_ip(_request(rf, "<script>", remote="198.51.100.7")) == "198.51.100.7"


def test_rate_limits_count_an_ipv6_client_by_its_64(rf):
    first = _request(rf, None, remote="2001:db8:1:2::1")
    second = _request(rf, None, remote="2001:db8:1:2:ffff::9")
    assert rate_limit_address(first) == rate_limit_address(second) == "2001:db8:1:2::"
    assert rate_limit_address(_request(rf, None, remote="198.51.100.7")) == "198.51.100.7"
