"""Staff pages on a phone (375 px wide, Chromium) and the oversight charts (issue 14 item 4): the page
never scrolls sideways (a wide table scrolls in its own box), and no chart label is clipped.

Screenshots go to test-artifacts/ (test_*-phone-*.png) to be looked at.
"""

import pytest

from accounts.models import Role
from cases import services
from tenants.models import Agency
from tests.browser.conftest import unique_email
from tests.browser.test_workspace_journey import sign_in
from tests.conftest import make_staff, make_user

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}


def _page_fits(page) -> tuple[int, int]:
    return page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")


def _clipped_labels(page) -> list[str]:
    """Text of every chart label drawn (partly) outside its SVG's view box."""
    return page.evaluate(
        """() => {
          const out = [];
          for (const svg of document.querySelectorAll('.ovs-chart svg')) {
            const box = svg.viewBox.baseVal;
            for (const t of svg.querySelectorAll('text')) {
              const b = t.getBBox();
              if (b.x < box.x - 0.5 || b.x + b.width > box.x + box.width + 0.5) out.push(t.textContent);
            }
          }
          return out;
        }"""
    )


SUBJECTS = [
    (
        "小区物业违规收取停车费，业主多次反映未果",
        "物业公司从今年起每月多收停车费两百元，没有任何收费依据，请有关部门查处。",
    ),
    (
        "楼道堆放杂物堵塞消防通道无人清理",
        "我家楼道里堆满了杂物，消防通道被堵死，多次找物业都没人管，存在火灾隐患。",
    ),
    (
        "新建小区燃气管道迟迟不通气",
        "我们小区交房已经一年，燃气管道早已铺好，但一直没有通气，冬天做饭取暖都很困难。",
    ),
]


def _file(citizen, agency, n: int):
    title, body = SUBJECTS[n]
    return services.submit_petition(
        actor=services.Actor.citizen(citizen),
        filed_with=agency,
        petition=services.PetitionInput(
            petition_type="complaint",
            title=title,
            body=body,
            location="湖滨区",
        ),
        petitioner=services.PetitionerInput(name="王秀英", phone="13800138000", address="湖滨区黄河路1号"),
    )


def test_staff_pages_fit_a_phone_and_charts_are_not_clipped(chromium, live_db, urls, screenshot):
    agency = Agency.objects.get(code="zjj")
    oversight = Agency.objects.get(code="dcs")
    citizen = make_user(unique_email("citizen"), "王秀英")
    handler = make_staff(unique_email("handler"), agency, Role.HANDLER, Role.LEADER, full_name="承办人甲")
    supervisor = make_staff(unique_email("supervisor"), oversight, Role.SUPERVISOR, full_name="督查员丙")
    filed = [_file(citizen, agency, n) for n in range(3)]

    ctx = chromium.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, device_scale_factor=1)
    try:
        page = ctx.new_page()
        page.set_default_timeout(15_000)
        sign_in(page, urls.agency("zjj", "/accounts/login/"), handler.email, totp=True)
        for name, path in (
            ("home", "/"),
            ("inbox", "/inbox/"),
            ("case", f"/case/{filed[0].case_uuid}/"),
            ("settings", "/settings/"),
            ("supervision", "/supervision/"),
        ):
            page.goto(urls.agency("zjj", path))
            screenshot(f"phone-{name}", page)
            scroll_width, width = _page_fits(page)
            assert scroll_width <= width, f"{path}: the page is {scroll_width}px wide on a {width}px phone"
        # The inbox's table scrolls inside its own box, and every row is there.
        page.goto(urls.agency("zjj", "/inbox/"))
        for case in filed:
            assert page.get_by_role("link", name=case.tracking_number).count() == 1
        # ... and its cells keep their lines: squeezed to the screen, a title would stand one
        # character per line.
        tallest = page.evaluate(
            "Math.max(...[...document.querySelectorAll('main table td')].map(c => c.offsetHeight))"
        )
        assert tallest < 48, f"a table cell is {tallest}px tall: the table was squeezed to the phone"

        sign_in(page, urls.agency("dcs", "/accounts/login/"), supervisor.email, totp=True)
        for name, path in (("dashboard", "/"), ("kpis", "/kpis/"), ("search", "/search/?text=物业")):
            page.goto(urls.agency("dcs", path))
            screenshot(f"phone-{name}", page)
            scroll_width, width = _page_fits(page)
            assert scroll_width <= width, f"{path}: the page is {scroll_width}px wide on a {width}px phone"
            assert _clipped_labels(page) == []
        # The agency filter is a list of agencies by name, not a code to type.
        page.goto(urls.agency("dcs", "/"))
        assert page.locator("select#id_agency option").count() > 20
        page.select_option("select#id_agency", "zjj")
        page.locator("form.ovs-filters button[type=submit]").click()
        page.wait_for_load_state()
        assert "agency=zjj" in page.url
    finally:
        ctx.close()


def test_chart_labels_are_whole_on_a_desktop(chromium, live_db, urls, browser_page, screenshot):
    oversight = Agency.objects.get(code="dcs")
    supervisor = make_staff(unique_email("supervisor"), oversight, Role.SUPERVISOR, full_name="督查员丁")
    sign_in(browser_page, urls.agency("dcs", "/accounts/login/"), supervisor.email, totp=True)
    for language in ("zh-hans", "en"):
        browser_page.context.add_cookies(
            [{"name": "django_language", "value": language, "url": urls.agency("dcs", "/")}]
        )
        browser_page.goto(urls.agency("dcs", "/kpis/"))
        screenshot(f"kpis-{language}", browser_page)
        assert _clipped_labels(browser_page) == []
        labels = browser_page.evaluate(
            "[...document.querySelectorAll('.ovs-chart svg text[text-anchor=end]')].map(t => t.textContent)"
        )
        assert labels
        assert not any(label.endswith("…") for label in labels)
