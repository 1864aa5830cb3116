"""Nothing a citizen sends is lost: every upload of a draft is kept, Enter never deletes an
attachment, and text over a limit is refused with everything kept, never cut."""

import re

from django.core.files.uploadedfile import SimpleUploadedFile

from cases.index.models import CaseIndex
from filestore.models import StagedUpload
from tests.filestore.samples import pdf_bytes
from tests.public_site.test_filing import GOOD, fill, start


def _upload(client, sid, name):
    return client.post(
        "/file/upload/",
        {"submission_id": sid, "file": SimpleUploadedFile(name, pdf_bytes(), "application/pdf")},
    )


def test_each_upload_of_a_draft_is_its_own_row_and_all_reach_the_review_page(alice, registered, city):
    sid = start(alice)
    for name in ("一.pdf", "二.pdf", "三.pdf"):
        assert _upload(alice, sid, name).status_code == 201
    # The session holds no list a parallel request could overwrite: the rows are the draft's files.
    assert "files" not in alice.session["portal_drafts"][sid]
    assert StagedUpload.objects.filter(owner=registered, draft=sid).count() == 3
    fill(alice, sid)
    review = alice.get(f"/file/review/?s={sid}").content.decode()
    assert all(name in review for name in ("一.pdf", "二.pdf", "三.pdf"))


def test_another_citizen_cannot_see_or_remove_a_drafts_uploads(alice, bob, registered, city):
    sid = start(alice)
    _upload(alice, sid, "一.pdf")
    token = StagedUpload.objects.get(draft=sid).token
    bob.post("/file/", {**GOOD, "submission_id": sid, "remove_file": token})
    assert StagedUpload.objects.filter(owner=registered, draft=sid).count() == 1


def test_the_forms_first_submit_button_is_next_not_an_attachments_delete(alice, city):
    sid = start(alice)
    _upload(alice, sid, "一.pdf")
    page = alice.get(f"/file/?s={sid}").content.decode()
    form = page[page.index('id="petition-form"') :]
    first_button = re.search(r"<button[^>]*>", form).group(0)
    assert 'type="submit"' in first_button and "remove_file" not in first_button
    # What Enter sends (the default button has no name): the draft goes on with its attachment.
    response = fill(alice, sid)
    assert response.status_code == 302
    assert StagedUpload.objects.filter(draft=sid).count() == 1


def test_limits_are_stated_and_counted_not_imposed_by_the_browser(alice, city, settings):
    settings.HALL_UPLOAD_MAX_BYTES = 5 * 1024 * 1024
    page = alice.get("/file/").content.decode()
    title = re.search(r'<input[^>]*name="title"[^>]*>', page).group(0)
    body = re.search(r'<textarea[^>]*name="body"[^>]*>', page).group(0)
    # No maxlength: a browser cuts a pasted text there without a word.
    assert " maxlength=" not in title and 'data-maxlength="200"' in title
    assert " maxlength=" not in body and 'data-maxlength="10000"' in body
    assert 'data-count-for="id_title"' in page and 'data-count-for="id_body"' in page
    assert "最多200字" in page and "最多10000字" in page
    assert "5.0" in re.search(r'data-testid="upload-limits">([^<]*)<', page).group(1)


def test_too_long_title_or_body_is_refused_with_everything_kept(alice, registered, city):
    sid = start(alice)
    _upload(alice, sid, "证据.pdf")
    long_title = "标" * 201
    long_body = "事" * 10001
    response = fill(alice, sid, title=long_title, body=long_body)
    assert response.status_code == 400
    page = response.content.decode()
    assert "最多200个字，现有201个字" in page and "最多10000个字，现有10001个字" in page
    assert long_title in page and long_body in page  # kept whole, not cut
    assert "证据.pdf" in page and StagedUpload.objects.filter(draft=sid).count() == 1
    assert not CaseIndex.objects.filter(citizen=registered).exists()


def test_a_body_at_the_limit_with_line_breaks_counts_them_once(alice, registered, city):
    sid = start(alice)
    body = ("行" * 99 + "\r\n") * 100  # 10,000 characters as the page counts them
    assert fill(alice, sid, body=body.strip()).status_code == 302
