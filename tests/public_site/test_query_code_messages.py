"""The query code reaches its owner wherever they look: the e-mail (with the look-up link) and the
inbox; never in the inbox row's stored text, never in someone else's messages."""

from django.core import mail

from cases.index.models import CaseIndex
from config.crypto import decrypt_text
from notifications.models import Notification
from notifications.services import notify_case_event


def test_the_email_and_the_inbox_give_the_owner_the_query_code(
    alice, bob, registered, file_petition, django_capture_on_commit_callbacks
):
    result = file_petition(user=registered)
    code = decrypt_text(CaseIndex.objects.get(case_uuid=result.case_uuid).query_code_encrypted)
    mail.outbox.clear()
    # The e-mail goes out as a delivery after commit (the worker; inline in the tests).
    with django_capture_on_commit_callbacks(execute=True):
        note = notify_case_event(case_uuid=result.case_uuid, citizen_id=registered.pk, event_kind="submitted")
    body = mail.outbox[-1].body
    assert code in body and f"/lookup/?n={result.tracking_number}" in body and "://" in body
    assert code not in note.body  # the stored row never keeps it in clear, nor the delivery's
    from notifications.models import Delivery

    assert not any(code in d.body for d in Delivery.objects.filter(notification=note))
    page = alice.get("/inbox/").content.decode()
    assert 'data-testid="inbox-query-code"' in page and code in page
    assert code not in bob.get("/inbox/").content.decode()


def test_a_message_about_a_case_that_is_not_the_users_shows_no_code(
    bob, other_registered, registered, file_petition
):
    result = file_petition(user=registered)
    code = decrypt_text(CaseIndex.objects.get(case_uuid=result.case_uuid).query_code_encrypted)
    Notification.objects.create(
        user=other_registered, case_uuid=result.case_uuid, kind="submitted", subject="s", body="b"
    )
    assert code not in bob.get("/inbox/").content.decode()
