"""Two simultaneous creates with one Idempotency-Key, on real connections (committed data, cleaned up
afterwards): the second waits on the key's row and replays the first; one petition is made."""

import json
import threading
import uuid

import pytest
from django.conf import settings
from django.db import connection, connections
from django.test import Client
from django_tenants.utils import schema_context

from accounts import tokens
from accounts.services import save_profile
from api.models import IdempotencyKey
from cases.index.models import CaseIndex
from cases.models import Case, CaseEvent


@pytest.fixture
def committed(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        yield


def test_two_simultaneous_creates_with_one_key_make_one_petition(committed):
    from accounts.models import User
    from tenants.models import Agency

    bureau = Agency.objects.get(code="xfj")
    user = User.objects.create_user(
        username=f"idem-{uuid.uuid4().hex[:6]}", email=f"{uuid.uuid4().hex[:8]}@idem.cn"
    )
    save_profile(
        user=user, full_name="并发", id_number="110105195001010039", phone="13800138009", address="三门峡市"
    )
    _, raw = tokens.issue_citizen_token(user=user, name="race", scopes=["read", "act"])
    body = json.dumps(
        {
            "petition_type": "complaint",
            "title": "并发重试",
            "body": "同一个请求因超时被客户端同时重发了两次。",
        }
    )
    barrier = threading.Barrier(2)
    answers, errors = [], []

    def post():
        try:
            barrier.wait(timeout=10)
            answers.append(
                Client(HTTP_HOST=settings.HALL_DOMAIN).post(
                    "/api/v1/petitions/",
                    body,
                    content_type="application/json",
                    HTTP_AUTHORIZATION=f"Bearer {raw}",
                    HTTP_IDEMPOTENCY_KEY="race-1",
                )
            )
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post) for _ in range(2)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert errors == []
        assert [answer.status_code for answer in answers] == [201, 201]
        assert answers[0].content == answers[1].content
        assert sorted(answer.get("Idempotent-Replayed", "") for answer in answers) == ["", "true"]
        assert CaseIndex.objects.filter(citizen=user).count() == 1
    finally:
        connection.set_schema_to_public()
        case_ids = list(CaseIndex.objects.filter(citizen=user).values_list("case_uuid", flat=True))
        CaseIndex.objects.filter(citizen=user).delete()
        with schema_context(bureau.schema_name):
            CaseEvent.objects.filter(case_id__in=case_ids).delete()
            Case.objects.filter(pk__in=case_ids).delete()
        IdempotencyKey.objects.filter(key="race-1").delete()
        user.delete()
