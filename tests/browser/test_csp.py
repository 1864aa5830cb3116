"""The Content-Security-Policy in Chromium: the hall's own scripts run, inline script is blocked."""

import pytest

pytestmark = pytest.mark.browser


def csp_violations(page) -> list[str]:
    seen: list[str] = []
    page.on(
        "console",
        lambda message: seen.append(message.text) if "Content Security Policy" in message.text else None,
    )
    return seen


def test_the_halls_scripts_run_under_the_policy(browser_page, urls):
    page = browser_page
    violations = csp_violations(page)
    response = page.goto(urls.portal("/"))
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    # hall.js (a static file) handles the error pages' "back" link.
    page.goto(urls.portal("/no-such-page/"))
    page.get_by_role("link", name="返回上一页").click()
    page.wait_for_url(urls.portal("/"))
    assert violations == []


def test_inline_script_is_blocked(browser_page, urls):
    page = browser_page
    violations = csp_violations(page)
    page.goto(urls.portal("/"))
    page.evaluate(
        """() => document.body.insertAdjacentHTML(
            "beforeend", '<img src="/no-such-image.png" onerror="window.inlineRan = true">')"""
    )
    page.wait_for_timeout(500)
    assert page.evaluate("() => window.inlineRan") is None
    assert any("script-src" in text for text in violations)
