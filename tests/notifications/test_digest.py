"""The staff's daily digest: one query over the index, one message per agency and day."""

from cases.index.models import CaseIndex
from cases.tasks import enqueue_due_digests
from notifications.models import Notification


def test_each_agency_gets_one_digest_of_its_own_due_cases(
    file_petition, agency_a, agency_b, handler_a, handler_b, other_citizen, django_capture_on_commit_callbacks
):
    mine = file_petition(agency=agency_a)
    theirs = file_petition(agency=agency_b, user=other_citizen, title="楼道堆放杂物无人清理")
    due = CaseIndex.objects.get(case_uuid=mine.case_uuid).next_due
    assert due is not None
    for _run in range(2):  # beat fires twice, or the task is redone: one digest a day
        with django_capture_on_commit_callbacks(execute=True):
            enqueue_due_digests.apply(kwargs={"today": due.isoformat()})
    digest = Notification.objects.get(user=handler_a, kind="digest")
    assert mine.tracking_number in digest.body and theirs.tracking_number not in digest.body
    other = Notification.objects.get(user=handler_b, kind="digest")
    assert theirs.tracking_number in other.body and mine.tracking_number not in other.body


def test_no_digest_when_nothing_is_due(
    file_petition, agency_a, handler_a, django_capture_on_commit_callbacks
):
    filed = file_petition(agency=agency_a)
    due = CaseIndex.objects.get(case_uuid=filed.case_uuid).next_due
    from datetime import timedelta

    with django_capture_on_commit_callbacks(execute=True):
        enqueue_due_digests.apply(kwargs={"today": (due - timedelta(days=30)).isoformat()})
    assert not Notification.objects.filter(user=handler_a, kind="digest").exists()
