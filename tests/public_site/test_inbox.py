"""The inbox: messages from the case services, marking read, nobody else's."""

from notifications.models import Notification


def test_filing_puts_a_message_in_the_inbox(
    alice, registered, replied_case, django_capture_on_commit_callbacks
):
    rows = Notification.objects.filter(user=registered)
    # Service notifications run on commit; the test transaction never commits, so run one directly.
    from notifications.services import notify_case_event

    notify_case_event(case_uuid=replied_case.case_uuid, citizen_id=registered.pk, event_kind="replied")
    page = alice.get("/inbox/").content.decode()
    note = rows.get(kind="replied")
    assert note.subject in page and "待您处理" in page
    assert f"/mine/{replied_case.case_uuid}/" in page


def test_mark_read_and_mark_all(alice, registered):
    first = Notification.objects.create(user=registered, kind="submitted", subject="一", body="b")
    Notification.objects.create(user=registered, kind="accepted", subject="二", body="b")
    assert alice.post(f"/inbox/{first.pk}/read/").status_code == 302
    first.refresh_from_db()
    assert first.read_at is not None
    assert "1 条未读" in alice.get("/inbox/").content.decode()
    alice.post("/inbox/read-all/")
    assert not Notification.objects.filter(user=registered, read_at__isnull=True).exists()


def test_cannot_mark_another_citizens_message(bob, registered):
    note = Notification.objects.create(user=registered, kind="submitted", subject="张爱丽的消息", body="b")
    bob.post(f"/inbox/{note.pk}/read/")
    note.refresh_from_db()
    assert note.read_at is None
    assert "张爱丽的消息" not in bob.get("/inbox/").content.decode()


def test_mark_read_needs_post(alice, registered):
    note = Notification.objects.create(user=registered, kind="submitted", subject="s", body="b")
    assert alice.get(f"/inbox/{note.pk}/read/").status_code == 405
