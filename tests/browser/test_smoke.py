import pytest

pytestmark = pytest.mark.browser


def test_portal_home_in_chromium(browser_page, urls, screenshot):
    browser_page.goto(urls.portal("/"))
    assert browser_page.get_by_role("heading", name="民生服务室").is_visible()
    screenshot("portal-home")
