"""WCAG 2.1 AA basics checked in Chromium on the main pages of the portal and a workspace: the page
language, a name for every form control, alt text, headings, the skip link on the first Tab, and text
contrast of at least 4.5:1 (3:1 for large text)."""

import uuid

import pytest
from django.conf import settings
from django.test import Client

from tenants.sessions import session_cookie_name, surface_of_host

pytestmark = pytest.mark.browser

AUDIT = r"""
() => {
  const problems = [];
  if (!document.documentElement.lang) problems.push("html has no lang");
  if (!document.querySelector("h1")) problems.push("no h1");
  const visible = (el) => {
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    return box.width > 0 && box.height > 0 && style.visibility !== "hidden" && style.display !== "none";
  };
  for (const el of document.querySelectorAll("input, select, textarea")) {
    if (["hidden", "submit", "button"].includes(el.type) || !visible(el)) continue;
    const named = (el.labels && el.labels.length) || el.getAttribute("aria-label") ||
                  el.getAttribute("aria-labelledby") || el.getAttribute("title");
    if (!named) problems.push(`unlabelled ${el.tagName.toLowerCase()} name=${el.name}`);
  }
  for (const img of document.querySelectorAll("img")) {
    if (!img.hasAttribute("alt")) problems.push(`img without alt ${img.src}`);
  }
  for (const svg of document.querySelectorAll("svg[role=img]")) {
    if (!svg.getAttribute("aria-label") && !svg.querySelector("title")) {
      problems.push("svg chart without a name");
    }
  }
  const rgb = (text) => (text.match(/[\d.]+/g) || []).map(Number);
  const luminance = ([r, g, b]) => {
    const c = [r, g, b].map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  const background = (el) => {
    for (let node = el; node; node = node.parentElement) {
      const parts = rgb(getComputedStyle(node).backgroundColor);
      if (parts.length >= 3 && (parts.length === 3 || parts[3] > 0.5)) return parts.slice(0, 3);
    }
    return [255, 255, 255];
  };
  for (const el of document.querySelectorAll("body *")) {
    const ownText = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!ownText || !visible(el)) continue;
    const style = getComputedStyle(el);
    const fg = luminance(rgb(style.color).slice(0, 3));
    const bg = luminance(background(el));
    const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) {
      problems.push(`contrast ${ratio.toFixed(2)} "${el.textContent.trim().slice(0, 20)}"`);
    }
  }
  return problems;
}
"""


def audit(page, url: str) -> list[str]:
    page.goto(url)
    problems = page.evaluate(AUDIT)
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement && document.activeElement.className")
    if "skip-link" not in (focused or ""):
        problems.append(f"first Tab focuses {focused!r}, not the skip link")
    return [f"{url}: {problem}" for problem in problems]


def sign_in(page, user, host: str) -> None:
    client = Client(HTTP_HOST=host)
    client.force_login(user)
    cookie = client.cookies[session_cookie_name(surface_of_host(host))]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "domain": host, "path": "/"}])


def test_portal_pages_meet_the_basics(browser_page, urls, live_db):
    problems = []
    for path in ("/", "/lookup/", "/replies/", "/statistics/", "/accounts/login/", "/accounts/signup/"):
        problems += audit(browser_page, urls.portal(path))
    from tests.conftest import make_user

    citizen = make_user(f"a11y-{uuid.uuid4().hex[:8]}@example.cn", "无障碍")
    sign_in(browser_page, citizen, settings.HALL_DOMAIN)
    for path in ("/mine/", "/accounts/profile/", "/inbox/"):
        problems += audit(browser_page, urls.portal(path))
    assert problems == []


def test_workspace_pages_meet_the_basics(browser_page, urls, live_db):
    from accounts.models import Role
    from tenants.models import Agency
    from tests.conftest import make_staff

    bureau = Agency.objects.get(code="xfj")
    clerk = make_staff(f"a11y-{uuid.uuid4().hex[:8]}@xfj.test", bureau, Role.HANDLER, Role.ADMIN)
    sign_in(browser_page, clerk, f"xfj.{settings.HALL_DOMAIN}")
    from cases import services
    from cases.services import Actor, PetitionerInput, PetitionInput

    filed = services.submit_petition(
        actor=Actor.staff(clerk, bureau),
        filed_with=bureau,
        channel="visit",
        petition=PetitionInput("request", "无障碍检查用的信访件", "用于检查工作台案件页面的无障碍基本要求。"),
        petitioner=PetitionerInput(name="来访人"),
    )
    problems = []
    for path in ("/", "/queue/", "/inbox/", "/intake/", "/settings/", f"/case/{filed.case_uuid}/"):
        problems += audit(browser_page, urls.agency("xfj", path))
    assert problems == []


def test_oversight_pages_meet_the_basics(browser_page, urls, live_db):
    from accounts.models import Role
    from tenants.models import Agency
    from tests.conftest import make_staff

    supervisor = make_staff(
        f"a11y-{uuid.uuid4().hex[:8]}@dcs.test", Agency.objects.get(code="dcs"), Role.SUPERVISOR
    )
    sign_in(browser_page, supervisor, f"dcs.{settings.HALL_DOMAIN}")
    problems = []
    for path in ("/", "/search/?text=物业", "/kpis/", "/supervision/"):
        problems += audit(browser_page, urls.agency("dcs", path))
    assert problems == []


def test_the_audit_itself_catches_what_it_looks_for(browser_page):
    browser_page.set_content(
        '<html><body><p style="color:#bbb">淡灰色文字</p><input name="q"><img src="x.png"></body></html>'
    )
    problems = browser_page.evaluate(AUDIT)
    assert "html has no lang" in problems and "no h1" in problems
    assert "unlabelled input name=q" in problems
    assert any(p.startswith("img without alt") for p in problems)
    assert any(p.startswith("contrast") and "淡灰色文字" in p for p in problems)
