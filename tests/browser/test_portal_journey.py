"""The citizen's whole journey on the portal in Chromium.

Sign up (verified e-mail) and sign in, fill the real-name profile, file a petition with an attachment
(uploaded with the progress bar), see it in "my petitions"; then, after the bureau forwards it and the
agency accepts and replies (driven through the services), read the reply, download the opinion PDF and
rate it. Screenshots of the key pages go to test-artifacts/.
"""

import random
import re

import pytest
from django.core import mail

from accounts.identity import id_check_char
from accounts.models import Role
from cases import services
from cases.index.models import CaseIndex
from tenants.models import Agency
from tests.browser.conftest import unique_email
from tests.conftest import make_staff
from tests.filestore.samples import pdf_bytes

pytestmark = pytest.mark.browser

PASSWORD = "Zhengfu-2026-xinfang"
REPLY = "经调查核实，路灯已于本周全部修复，并已要求物业公司建立定期巡查制度。"


def fresh_id_number() -> str:
    # A valid resident ID no other account holds (one number belongs to one account).
    first17 = f"41120219850615{random.randint(100, 999)}"  # noqa: S311 - test data
    return first17 + id_check_char(first17)


def confirmation_path(email: str) -> str:
    message = next(m for m in reversed(mail.outbox) if email in m.to)
    return re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+)", message.body).group(1)


def test_citizen_files_follows_reads_downloads_and_rates(browser_page, live_db, urls, screenshot, tmp_path):
    page = browser_page
    # Every page of the journey runs under the Content-Security-Policy (script-src 'self').
    csp_violations: list[str] = []
    page.on(
        "console", lambda m: csp_violations.append(m.text) if "Content Security Policy" in m.text else None
    )
    email = unique_email("citizen")
    title = f"小区门口路灯坏了三个月 {email[8:16]}"

    # Sign up, verify the address, sign in.
    page.goto(urls.portal("/accounts/signup/"))
    page.fill("input[name=email]", email)
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.locator("input[name=password2]").press("Enter")
    page.wait_for_url("**/accounts/confirm-email/")
    page.goto(urls.portal(confirmation_path(email)))
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()
    page.goto(urls.portal("/accounts/login/"))
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)

    # Filing sends a citizen without a profile to fill it first, then back.
    page.goto(urls.portal("/file/?agency=xfj"))
    page.wait_for_url("**/accounts/profile/**")
    page.fill("input[name=full_name]", "王秀英")
    page.fill("input[name=id_number]", fresh_id_number())
    page.fill("input[name=phone]", "13800138000")
    page.fill("input[name=address]", "三门峡市湖滨区黄河路1号")
    screenshot("profile")
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/file/?agency=xfj")

    page.select_option("select[name=petition_type]", "request")
    page.fill("input[name=title]", title)
    page.fill(
        "textarea[name=body]", "我住的小区门口三盏路灯坏了三个月无人修理，夜间出行很不安全，请求尽快修复。"
    )
    page.fill("input[name=location]", "湖滨区")
    page.fill("input[name=people_count]", "20")
    page.get_by_label("公开", exact=True).check()
    evidence = tmp_path / "现场照片说明.pdf"
    evidence.write_bytes(pdf_bytes("street lights"))
    page.set_input_files("input[name=attachments]", str(evidence))
    page.locator("#uploaded-files li", has_text="现场照片说明.pdf").wait_for()
    assert page.locator("#upload-progress progress").evaluate("el => el.value") == 100
    screenshot("file-form")
    page.get_by_role("button", name="下一步：核对信息").click()
    page.wait_for_url("**/file/review/**")
    assert page.get_by_text("现场照片说明.pdf").is_visible()
    screenshot("review")
    page.get_by_role("button", name="确认提交").click()
    page.wait_for_url("**/file/receipt/**")
    assert page.evaluate("() => !!document.querySelector('script[src*=\"hall/hall\"]')")
    tracking = page.get_by_test_id("tracking-number").inner_text().strip()
    assert re.fullmatch(r"SMX-\d{4}-\d{6}", tracking)
    assert page.get_by_test_id("query-code").inner_text().strip()
    screenshot("receipt")

    page.goto(urls.portal("/mine/"))
    row = page.locator("tr", has_text=tracking)
    assert row.is_visible() and "待登记" in row.inner_text()
    screenshot("my-petitions")

    # The bureau forwards it; the agency signs, accepts and replies (through the services).
    index = CaseIndex.objects.get(tracking_number=tracking)
    bureau, agency = Agency.objects.get(code="xfj"), Agency.objects.get(code="gaj")
    clerk = make_staff(unique_email("clerk"), bureau, Role.HANDLER, full_name="登记员")
    handler = make_staff(unique_email("handler"), agency, Role.HANDLER, full_name="承办人甲")
    services.forward_case(case_uuid=index.case_uuid, actor=services.Actor.staff(clerk, bureau), target=agency)
    as_handler = services.Actor.staff(handler, agency)
    services.sign_case(case_uuid=index.case_uuid, actor=as_handler)
    services.accept_case(case_uuid=index.case_uuid, actor=as_handler)
    services.reply_case(case_uuid=index.case_uuid, actor=as_handler, opinion="support", text=REPLY)

    # The citizen hears of it in the inbox, reads the reply, downloads the opinion and rates it.
    page.goto(urls.portal("/mine/"))
    assert page.locator(".unread-count").inner_text().strip() != ""
    page.locator("tr", has_text=tracking).get_by_role("link").click()
    page.wait_for_url(f"**/mine/{index.case_uuid}/")
    assert page.get_by_test_id("state").inner_text() == "已答复"
    assert REPLY in page.get_by_test_id("reply-text").inner_text()
    assert page.get_by_text("承办人甲").count() == 0  # the agency acts, not the person
    assert page.get_by_text("三门峡市公安局").first.is_visible()
    screenshot("reply")
    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile("信访处理意见书")).click()
    download = info.value
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert download.suggested_filename.endswith(".pdf")
    assert saved.read_bytes().startswith(b"%PDF")

    page.get_by_label("满意", exact=True).check()
    page.fill("textarea[name=comment]", "修得及时，谢谢。")
    page.get_by_role("button", name="提交评价").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("satisfaction").inner_text() == "满意"
    assert CaseIndex.objects.get(case_uuid=index.case_uuid).satisfaction == "satisfied"
    screenshot("rated")

    page.goto(urls.portal("/inbox/"))
    assert page.get_by_text("您的信访事项已答复，请查看并评价").first.is_visible()
    screenshot("inbox")

    # The hall on a phone: one column, nothing cut off.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(urls.portal("/"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot("phone-home")
    assert csp_violations == []
