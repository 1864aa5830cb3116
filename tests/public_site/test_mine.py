"""My petitions: the list, the page per petition, documents, evaluation and review; nothing of
another citizen's petition leaks."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from cases.index.models import CaseIndex
from cases.models import Attachment, Case, CaseState, Document
from cases.services import AttachmentInput

TITLE = "小区门口路灯坏了三个月"


def documents_of(case_uuid):
    index = CaseIndex.objects.select_related("holder").get(case_uuid=case_uuid)
    with schema_context(index.holder.schema_name):
        return list(Document.objects.filter(case_id=case_uuid))


def test_list_shows_state_and_next_deadline(alice, registered, file_petition):
    result = file_petition()
    page = alice.get("/mine/").content.decode()
    index = CaseIndex.objects.get(case_uuid=result.case_uuid)
    assert index.tracking_number in page and "待登记" in page
    assert "信访局分流" in page and index.routing_due.isoformat() in page


def test_list_shows_only_my_petitions(alice, bob, registered, other_registered, file_petition):
    file_petition(user=other_registered, title="李博的信访事项关于供暖")
    assert "李博的信访事项关于供暖" not in alice.get("/mine/").content.decode()
    assert "李博的信访事项关于供暖" in bob.get("/mine/").content.decode()


def test_anonymous_is_sent_to_sign_in(portal_client, city):
    for path in ("/mine/", "/inbox/"):
        response = portal_client.get(path)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_detail_shows_timeline_by_agency_reply_documents_and_evaluation(alice, replied_case, city, handler_a):
    page = alice.get(f"/mine/{replied_case.case_uuid}/").content.decode()
    assert TITLE in page
    assert city["gaj"].name_zh in page and city["xfj"].name_zh in page
    assert handler_a.display_name not in page  # agencies act, not persons
    assert "路灯已于本周修复" in page
    assert "信访处理意见书" in page and "受理告知书" in page
    assert f'action="/mine/{replied_case.case_uuid}/evaluate/"' in page
    assert "申请复查" in page and "还剩" in page


def test_another_citizens_petition_is_404_with_nothing_leaked(bob, replied_case):
    for path in ("", "evaluate/", "review/"):
        response = (
            bob.get(f"/mine/{replied_case.case_uuid}/{path}")
            if not path
            else bob.post(
                f"/mine/{replied_case.case_uuid}/{path}",
                {"satisfaction": "unsatisfied", "reason": "我不服这个处理意见"},
            )
        )
        assert response.status_code == 404
        assert TITLE not in response.content.decode()
    assert CaseIndex.objects.get(case_uuid=replied_case.case_uuid).satisfaction == ""


def test_unknown_petition_is_404(alice):
    assert alice.get("/mine/00000000-0000-0000-0000-000000000000/").status_code == 404


def test_document_download_redirects_to_a_signed_link(alice, replied_case):
    opinion = next(d for d in documents_of(replied_case.case_uuid) if d.kind == "handling_opinion")
    response = alice.get(f"/mine/{replied_case.case_uuid}/documents/{opinion.pk}/")
    assert response.status_code == 302 and response["Location"].startswith("/files/")
    download = alice.get(response["Location"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_download_of_another_citizens_document_is_refused(bob, replied_case):
    opinion = documents_of(replied_case.case_uuid)[0]
    response = bob.get(f"/mine/{replied_case.case_uuid}/documents/{opinion.pk}/")
    assert response.status_code == 404 and "Location" not in response


def test_document_of_another_case_cannot_be_fetched_through_mine(alice, replied_case, file_petition):
    mine_too = file_petition(title="另一件关于噪音的信访事项")
    opinion = documents_of(replied_case.case_uuid)[0]
    assert alice.get(f"/mine/{mine_too.case_uuid}/documents/{opinion.pk}/").status_code == 404


def test_attachment_download_only_for_the_owner(alice, bob, registered, file_petition, tmp_path):
    from filestore.services import store_bytes

    key = store_bytes(
        schema_name="xfj",
        category="attachments",
        filename="证据.txt",
        data=b"evidence",
        content_type="text/plain",
    )
    result = file_petition(
        attachments=(
            AttachmentInput(storage_key=key, file_name="证据.txt", content_type="text/plain", size=8),
        )
    )
    index = CaseIndex.objects.select_related("holder").get(case_uuid=result.case_uuid)
    with schema_context(index.holder.schema_name):
        attachment = Attachment.objects.get(case_id=result.case_uuid)
    path = f"/mine/{result.case_uuid}/attachments/{attachment.pk}/"
    assert "证据.txt" in alice.get(f"/mine/{result.case_uuid}/").content.decode()
    response = alice.get(path)
    assert response.status_code == 302
    assert b"".join(alice.get(response["Location"]).streaming_content) == b"evidence"
    assert bob.get(path).status_code == 404


def test_evaluate_once(alice, replied_case):
    url = f"/mine/{replied_case.case_uuid}/evaluate/"
    response = alice.post(url, {"satisfaction": "basically", "comment": "修得还算及时"})
    assert response.status_code == 302
    assert CaseIndex.objects.get(case_uuid=replied_case.case_uuid).satisfaction == "basically"
    page = alice.get(f"/mine/{replied_case.case_uuid}/").content.decode()
    assert 'data-testid="satisfaction">基本满意' in page and url not in page
    again = alice.post(url, {"satisfaction": "satisfied"})
    assert again.status_code == 400 and "已经评价过了" in again.content.decode()


def test_evaluate_bad_input_keeps_the_comment(alice, replied_case):
    response = alice.post(
        f"/mine/{replied_case.case_uuid}/evaluate/", {"satisfaction": "", "comment": "我的意见"}
    )
    assert response.status_code == 400
    assert "我的意见" in response.content.decode()


def test_evaluate_refused_before_the_reply(alice, registered, file_petition):
    result = file_petition()
    page = alice.get(f"/mine/{result.case_uuid}/").content.decode()
    assert "/evaluate/" not in page
    response = alice.post(f"/mine/{result.case_uuid}/evaluate/", {"satisfaction": "satisfied"})
    assert response.status_code == 400 and "收到答复后才能评价" in response.content.decode()


def test_review_request_moves_the_case_to_the_bureau(alice, replied_case, city):
    response = alice.post(f"/mine/{replied_case.case_uuid}/review/", {"reason": "路灯修了又坏，处理不彻底。"})
    assert response.status_code == 302
    index = CaseIndex.objects.get(case_uuid=replied_case.case_uuid)
    assert index.state == CaseState.REVIEW_REQUESTED and index.holder.code == "xfj"


def test_review_reason_too_short_keeps_the_text(alice, replied_case):
    response = alice.post(f"/mine/{replied_case.case_uuid}/review/", {"reason": "不服"})
    assert response.status_code == 400 and "不服" in response.content.decode()


def test_review_window_closed_hides_the_form_and_refuses(alice, replied_case):
    index = CaseIndex.objects.select_related("holder").get(case_uuid=replied_case.case_uuid)
    past = timezone.localdate() - timedelta(days=1)
    with schema_context(index.holder.schema_name):
        Case.objects.filter(pk=index.case_uuid).update(review_request_due=past)
    page = alice.get(f"/mine/{replied_case.case_uuid}/").content.decode()
    assert f'action="/mine/{replied_case.case_uuid}/review/"' not in page
    response = alice.post(f"/mine/{replied_case.case_uuid}/review/", {"reason": "路灯修了又坏，处理不彻底。"})
    assert response.status_code == 400 and "期限已过" in response.content.decode()


@pytest.mark.parametrize("language,needle", [("en", "My petitions"), ("zh-hans", "我的信访")])
def test_my_petitions_in_both_languages(alice, registered, language, needle):
    alice.post("/i18n/setlang/", {"language": language, "next": "/"})
    assert needle in alice.get("/mine/").content.decode()
