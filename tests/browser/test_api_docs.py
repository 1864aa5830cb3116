"""The API's docs page (/api/docs/, Swagger UI from drf-spectacular-sidecar) renders the schema in
Chromium under the hall's CSP, with no violation: its scripts and styles are our own static files."""

import pytest

from tests.browser.test_csp import csp_violations

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("host", ["portal", "gaj", "dcs"])
def test_the_api_docs_render_with_no_csp_violation(browser_page, urls, host):
    page = browser_page
    violations = csp_violations(page)
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    url = urls.portal("/api/docs/") if host == "portal" else urls.agency(host, "/api/docs/")
    response = page.goto(url)
    assert response.status == 200
    policy = response.headers["content-security-policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    page.locator(".swagger-ui .info .title").wait_for()
    assert "Petition Hall API" in page.locator(".swagger-ui .info .title").inner_text()
    page.locator(".opblock").first.wait_for()  # the operations of the host's schema are listed
    assert violations == [] and failed == []
