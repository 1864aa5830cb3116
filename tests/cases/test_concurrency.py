"""Races between real connections (committed data, cleaned up afterwards)."""

import threading
import uuid

import pytest
from django.db import connection, connections
from django_tenants.utils import schema_context

from cases import services
from cases.index.models import CaseIndex
from cases.models import Case, CaseEvent
from cases.services import Actor, PetitionerInput, PetitionInput


@pytest.fixture
def committed(django_db_blocker):
    with django_db_blocker.unblock():
        yield


def test_two_simultaneous_submits_with_one_submission_id_file_one_petition(committed):
    from accounts.models import User
    from tenants.models import Agency

    bureau = Agency.objects.get(code="xfj")
    user = User.objects.create_user(
        username=f"race-{uuid.uuid4().hex[:6]}", email=f"{uuid.uuid4().hex[:8]}@race.cn"
    )
    submission = uuid.uuid4()
    barrier = threading.Barrier(2)
    results, errors = [], []

    def submit():
        try:
            barrier.wait(timeout=10)
            results.append(
                services.submit_petition(
                    actor=Actor.citizen(user),
                    filed_with=bureau,
                    submission_id=submission,
                    petition=PetitionInput(
                        "complaint", "并发提交测试", "同一份信访事项被连续点击提交两次，应当只产生一件。"
                    ),
                    petitioner=PetitionerInput(name="并发"),
                )
            )
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert errors == []
        assert len(results) == 2 and results[0].tracking_number == results[1].tracking_number
        assert sorted(r.created for r in results) == [False, True]
        assert CaseIndex.objects.filter(case_uuid=submission).count() == 1
    finally:
        connection.set_schema_to_public()
        CaseIndex.objects.filter(case_uuid=submission).delete()
        with schema_context(bureau.schema_name):
            CaseEvent.objects.filter(case_id=submission).delete()
            Case.objects.filter(pk=submission).delete()
        user.delete()
