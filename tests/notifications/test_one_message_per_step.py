"""A case step is told to the agency's staff and to the citizen in ONE worker message
(notifications.services.enqueue_step): a filing enqueues one task, not two, and each side gets its
inbox row; the message redone has one effect."""

import pytest

from notifications import tasks
from notifications.models import Notification

pytest_plugins = ["tests.cases.conftest"]


@pytest.fixture
def sent(monkeypatch):
    """The case-step messages enqueued: (task name, kwargs), in order."""
    calls = []
    for task in (tasks.deliver_step, tasks.deliver_case_event, tasks.notify_agency_staff):

        def record(*args, task=task, original=task.apply_async, **kwargs):
            calls.append((task.name, kwargs["kwargs"]))
            return original(*args, **kwargs)

        monkeypatch.setattr(task, "apply_async", record)
    return calls


def test_a_filing_sends_one_message_for_the_staff_and_the_citizen(
    file_petition, citizen, clerk, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        result = file_petition()
    assert [name for name, _kwargs in sent] == ["notifications.deliver_step"]
    message = sent[0][1]
    assert message["staff"]["kind"] == "case_arrived" and message["citizen"]["event_kind"] == "submitted"
    assert Notification.objects.filter(user=clerk, kind="case_arrived").count() == 1
    assert Notification.objects.filter(user=citizen, case_uuid=result.case_uuid).count() == 1

    before = Notification.objects.count()
    tasks.deliver_step.apply(kwargs=message)  # redelivered: the keys make it one effect
    assert Notification.objects.count() == before


def test_a_message_for_one_side_only(agency_a, handler_a):
    from notifications.services import enqueue_step

    enqueue_step()  # nothing to tell: nothing enqueued, nothing fails
    result = tasks.deliver_step.apply(
        kwargs={
            "staff": {
                "agency_id": agency_a.pk,
                "kind": "case_arrived",
                "subject": "s",
                "body": "b",
                "key": "k1",
            },
            "citizen": None,
        }
    ).get()
    assert result == {"staff": 1, "citizen": None}
    assert Notification.objects.filter(user=handler_a, idempotency_key__isnull=False).count() >= 1
