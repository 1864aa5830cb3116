"""Nothing a citizen sends is lost, in Chromium: three files picked in one dialog all reach the review
page (they upload in parallel), Enter in 标题 goes on to the review instead of deleting an attachment,
and the live counter says when a text is too long while the browser cuts nothing."""

import random
import uuid

import pytest

from accounts.identity import id_check_char
from accounts.services import save_profile
from tests.browser.test_accessibility import sign_in
from tests.conftest import make_user
from tests.filestore.samples import pdf_bytes

pytestmark = pytest.mark.browser


def _citizen():
    user = make_user(f"noloss-{uuid.uuid4().hex[:8]}@example.cn", "赵小满")
    first17 = f"41120219880312{random.randint(100, 999)}"  # noqa: S311 - test data
    save_profile(
        user=user,
        full_name="赵小满",
        id_number=first17 + id_check_char(first17),
        phone="13700137000",
        address="三门峡市湖滨区崤山路2号",
    )
    return user


def test_three_files_in_one_dialog_and_enter_in_the_title_keep_every_attachment(
    browser_page, live_db, urls, screenshot, tmp_path
):
    from django.conf import settings

    page = browser_page
    sign_in(page, _citizen(), f"{settings.HALL_DOMAIN}")
    page.goto(urls.portal("/file/"))
    page.select_option("select[name=petition_type]", "request")
    page.fill("textarea[name=body]", "村口的排水沟堵塞半年，雨天污水漫到路面，请求尽快疏通并定期清理。")
    files = []
    for name in ("照片一.pdf", "照片二.pdf", "照片三.pdf"):
        path = tmp_path / name
        path.write_bytes(pdf_bytes(f"photo {len(files)}"))
        files.append(str(path))
    page.set_input_files("input[name=attachments]", files)  # one dialog, three files
    for name in ("照片一.pdf", "照片二.pdf", "照片三.pdf"):
        page.locator("#uploaded-files li", has_text=name).wait_for()
    page.wait_for_function("() => document.querySelectorAll('#upload-progress .done').length === 3")
    screenshot("three-uploaded")

    # The live counter counts and says when there is too much; the browser cuts nothing.
    counter = page.locator("#id_title_count")
    page.fill("input[name=title]", "标" * 201)
    assert page.locator("input[name=title]").evaluate("el => el.value.length") == 201
    assert "超出 1 字" in counter.inner_text() and "over" in (counter.get_attribute("class") or "")
    page.fill("input[name=title]", "村口排水沟堵塞半年无人疏通")
    assert "已输入 13 字" in counter.inner_text()

    # Enter in the title: the form's default action (next), not the first attachment's delete button.
    page.locator("input[name=title]").press("Enter")
    page.wait_for_url("**/file/review/**")
    for name in ("照片一.pdf", "照片二.pdf", "照片三.pdf"):
        assert page.get_by_text(name).count() == 1, name
    screenshot("review-three")
