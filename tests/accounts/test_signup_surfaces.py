"""Sign-up is for citizens on the portal: offered on its home page, refused and never linked on the
staff network (agency and oversight hosts)."""

import pytest
from django.core.cache import cache

from accounts.models import User

PASSWORD = "Zhengfu-2026-xinfang"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def test_the_portal_home_page_links_to_sign_up(portal_client, city):
    page = portal_client.get("/").content.decode()
    assert 'data-testid="signup-link"' in page and 'href="/accounts/signup/"' in page
    assert 'href="/accounts/signup/"' in portal_client.get("/accounts/login/").content.decode()
    assert 'name="password1"' in portal_client.get("/accounts/signup/").content.decode()


@pytest.mark.parametrize("code", ["xfj", "gaj", "dcs"])
def test_sign_up_is_refused_and_not_linked_on_a_staff_host(host_client, city, code):
    client = host_client(code)
    form = client.get("/accounts/signup/").content.decode()
    assert 'name="password1"' not in form
    response = client.post(
        "/accounts/signup/", {"email": "sneak@example.cn", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code in (200, 403) and 'name="password1"' not in response.content.decode()
    assert not User.objects.filter(email="sneak@example.cn").exists()
    login = client.get("/accounts/login/").content.decode()
    assert "/accounts/signup/" not in login
