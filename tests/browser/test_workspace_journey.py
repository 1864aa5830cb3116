"""One petition through the workspaces in Chromium: the bureau forwards it, the agency signs and accepts
it, the handler asks for more time, the leader approves, the handler replies; the citizen reads the reply.

Staff sign in through the real login and TOTP pages. Data is committed (live_db) under unique e-mails.
"""

import pyotp
import pytest

from accounts.mfa_demo import demo_totp_secret
from accounts.models import Role
from cases import services
from cases.index.models import CaseIndex
from tenants.models import Agency
from tests.browser.conftest import unique_email
from tests.conftest import make_staff, make_user

pytestmark = pytest.mark.browser

PASSWORD = "pw-for-tests-123"  # tests.conftest.make_user's password
REPLY = "经调查核实，物业公司多收的停车费已责令全部退还，并已约谈该物业公司负责人。"


def sign_in(page, login_url: str, email: str, *, totp: bool) -> None:
    page.goto(login_url)
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("input[name=password]").press("Enter")
    if not totp:
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        return
    page.wait_for_url("**/accounts/2fa/authenticate/**")
    for _attempt in range(2):  # a code typed across a 30-second boundary is refused: take the next one
        page.fill("input[name=code]", pyotp.TOTP(demo_totp_secret()).now())
        page.locator("input[name=code]").press("Enter")
        page.wait_for_load_state()
        if "/accounts/2fa/authenticate/" not in page.url:
            return
    pytest.fail("TOTP sign-in failed")


def act(page, name: str) -> None:
    """Open an action's panel on the case page (if closed) and return with its form visible."""
    panel = page.locator(f"#act-{name}")
    if panel.get_attribute("open") is None:
        panel.locator("summary").click()


def submit(page, name: str) -> None:
    page.locator(f"#act-{name} button[type=submit]").click()
    page.wait_for_load_state()


def test_petition_from_queue_to_reply(chromium, live_db, urls, screenshot):
    bureau, agency = Agency.objects.get(code="xfj"), Agency.objects.get(code="zjj")
    citizen = make_user(unique_email("citizen"), "王秀英")
    clerk = make_staff(unique_email("clerk"), bureau, Role.HANDLER, full_name="登记员")
    handler = make_staff(unique_email("handler"), agency, Role.HANDLER, full_name="承办人甲")
    leader = make_staff(unique_email("leader"), agency, Role.LEADER, full_name="科长乙")
    filed = services.submit_petition(
        actor=services.Actor.citizen(citizen),
        filed_with=bureau,
        petition=services.PetitionInput(
            petition_type="complaint",
            title=f"小区物业违规收取停车费 {filed_marker(citizen)}",
            body="我住的小区物业公司从今年起每月多收停车费两百元，没有任何收费依据，请有关部门查处。",
            location="湖滨区",
        ),
        petitioner=services.PetitionerInput(name="王秀英", phone="13800138000", address="湖滨区黄河路1号"),
    )

    def context():
        ctx = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        page = ctx.new_page()
        page.set_default_timeout(15_000)
        return ctx, page

    contexts = []
    try:
        # The bureau clerk: the queue, registration, forwarding to the suggested agency.
        ctx, page = context()
        contexts.append(ctx)
        sign_in(page, urls.agency("xfj", "/accounts/login/"), clerk.email, totp=True)
        page.goto(urls.agency("xfj", "/queue/"))
        page.fill("input[name=q]", filed.tracking_number)
        page.locator("form.ws-filters button[type=submit]").click()
        page.get_by_role("link", name=filed.tracking_number).click()
        assert page.locator(".ws-suggest").inner_text().find("住房和城乡建设局") >= 0
        screenshot("bureau-case", page)
        submit(page, "register")
        assert "已登记" in page.locator(".messages").inner_text()
        act(page, "route")
        page.select_option("#id_route-target", "zjj")
        page.select_option("#id_route-mode", "forward")
        submit(page, "route")
        assert "已转送至三门峡市住房和城乡建设局" in page.locator(".messages").inner_text()
        screenshot("bureau-forwarded", page)

        # The agency handler: inbox, sign, accept, ask for an extension.
        ctx, hpage = context()
        contexts.append(ctx)
        sign_in(hpage, urls.agency("zjj", "/accounts/login/"), handler.email, totp=True)
        hpage.goto(urls.agency("zjj", "/inbox/"))
        hpage.get_by_role("link", name=filed.tracking_number).click()
        submit(hpage, "sign")
        assert "已签收" in hpage.locator(".messages").inner_text()
        act(hpage, "accept")
        submit(hpage, "accept")
        assert "已受理" in hpage.locator(".messages").inner_text()
        act(hpage, "request_extension")
        hpage.fill("#id_request_extension-days", "15")
        hpage.fill("#id_request_extension-reason", "需要会同物价部门现场核查收费标准")
        submit(hpage, "request_extension")
        assert "已提交延期申请" in hpage.locator(".messages").inner_text()
        case_url = hpage.url

        # The leader approves it from the home page's list.
        ctx, lpage = context()
        contexts.append(ctx)
        sign_in(lpage, urls.agency("zjj", "/accounts/login/"), leader.email, totp=True)
        lpage.goto(urls.agency("zjj", "/"))
        lpage.get_by_role("link", name=filed.tracking_number, exact=False).first.click()
        act(lpage, "decide_extension")
        lpage.check("input[name=decide_extension-decision][value=approve]")
        submit(lpage, "decide_extension")
        assert "已批准延期" in lpage.locator(".messages").inner_text()
        assert CaseIndex.objects.get(case_uuid=filed.case_uuid).extended

        # The handler replies.
        hpage.goto(case_url)
        act(hpage, "reply")
        hpage.select_option("#id_reply-opinion", "support")
        hpage.fill("#id_reply-text", REPLY)
        submit(hpage, "reply")
        assert "已答复" in hpage.locator(".messages").inner_text()
        screenshot("agency-replied", hpage)

        # The citizen reads the reply on the portal.
        ctx, cpage = context()
        contexts.append(ctx)
        sign_in(cpage, urls.portal("/accounts/login/"), citizen.email, totp=False)
        cpage.goto(urls.portal(f"/mine/{filed.case_uuid}/"))
        assert REPLY in cpage.get_by_test_id("reply-text").inner_text()
        assert "延长" in cpage.content()  # the approved extension and its reason are shown to the citizen
        screenshot("citizen-reply", cpage)
    finally:
        for ctx in contexts:
            ctx.close()


def filed_marker(user) -> str:
    return user.email.split("@")[0][-8:]
