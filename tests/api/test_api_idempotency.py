"""Idempotency-Key on creates (api.idempotency): a retried create with the same key makes one
petition and gets the first answer; the same key with another body is refused; keys are per owner
and last 24 hours."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from accounts.services import save_profile
from api.models import IdempotencyKey
from cases.index.models import CaseIndex
from config import clock
from tests.api.conftest import bearer

pytest_plugins = ["tests.cases.conftest"]

PETITION = {
    "petition_type": "complaint",
    "title": "小区噪声扰民",
    "body": "楼下商铺每天深夜播放音乐，严重影响休息，请查处。",
}


@pytest.fixture
def profiled(citizen, other_citizen):
    save_profile(
        user=citizen,
        full_name="张爱丽",
        id_number="11010519491231002X",
        phone="13800138000",
        address="三门峡市",
    )
    save_profile(
        user=other_citizen,
        full_name="李博",
        id_number="110105195001010039",
        phone="13800138001",
        address="三门峡市",
    )
    return citizen


def _file(client, key=None, body=None, **headers):
    if key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return client.post(
        "/api/v1/petitions/", json.dumps(body or PETITION), content_type="application/json", **headers
    )


def test_a_retried_create_with_the_same_key_makes_one_petition(portal_client, profiled):
    portal_client.force_login(profiled)
    first = _file(portal_client, "k-1")
    again = _file(portal_client, "k-1")
    assert first.status_code == again.status_code == 201
    assert again.content == first.content and again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert CaseIndex.objects.filter(citizen=profiled).count() == 1
    # Another key is another create.
    assert _file(portal_client, "k-2").json()["id"] != first.json()["id"]
    assert CaseIndex.objects.filter(citizen=profiled).count() == 2


def test_the_same_key_with_another_body_is_refused(portal_client, profiled):
    portal_client.force_login(profiled)
    assert _file(portal_client, "k-1").status_code == 201
    other = _file(portal_client, "k-1", body={**PETITION, "title": "另一件事"})
    assert other.status_code == 422 and other.json()["error"]["code"] == "idempotency_key_reused"
    assert CaseIndex.objects.filter(citizen=profiled).count() == 1


def test_keys_are_per_owner(portal_client, profiled, other_citizen, citizen_token):
    portal_client.force_login(profiled)
    mine = _file(portal_client, "shared")
    stranger = Client(HTTP_HOST=portal_client.host)
    stranger.force_login(other_citizen)
    theirs = _file(stranger, "shared")
    assert theirs.status_code == 201 and theirs.json()["id"] != mine.json()["id"]
    # A token is an owner of its own, apart from its user's session.
    by_token = _file(Client(HTTP_HOST=portal_client.host), "shared", **bearer(citizen_token(profiled)))
    assert by_token.status_code == 201 and by_token.json()["id"] != mine.json()["id"]
    assert CaseIndex.objects.count() == 3


def test_a_refused_create_keeps_no_key(portal_client, profiled):
    portal_client.force_login(profiled)
    refused = _file(portal_client, "k-1", body={**PETITION, "title": ""})
    assert refused.status_code == 400 and not IdempotencyKey.objects.exists()
    assert _file(portal_client, "k-1").status_code == 201


def test_a_key_expires_after_a_day(portal_client, profiled):
    portal_client.force_login(profiled)
    first = _file(portal_client, "k-1")
    with time_machine.travel(clock.now() + timedelta(hours=24, minutes=1)):
        later = _file(portal_client, "k-1")
    assert later.status_code == 201 and later.json()["id"] != first.json()["id"]


def test_a_bad_key_is_400(portal_client, profiled):
    portal_client.force_login(profiled)
    for key in ("x" * 256, "tab\there"):
        response = _file(portal_client, key)
        assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_idempotency_key"
    assert not CaseIndex.objects.filter(citizen=profiled).exists()


def test_a_replay_still_needs_the_csrf_token(portal_client, profiled):
    portal_client.force_login(profiled)
    assert _file(portal_client, "k-1").status_code == 201
    strict = Client(enforce_csrf_checks=True, HTTP_HOST=portal_client.host)
    strict.cookies = portal_client.cookies
    assert _file(strict, "k-1").status_code == 403


def test_the_key_row_commits_with_the_create(portal_client, profiled, monkeypatch):
    """A create that fails after the key's row was written leaves neither (one transaction)."""
    from api import views

    portal_client.force_login(profiled)
    real = views.MyPetitions.post

    def fail_after_creating(self, request):
        real(self, request)
        raise RuntimeError("lost after the insert")

    monkeypatch.setattr(views.MyPetitions, "post", fail_after_creating)
    client = Client(HTTP_HOST=portal_client.host, raise_request_exception=False)
    client.cookies = portal_client.cookies
    assert _file(client, "k-1").status_code == 500
    assert not IdempotencyKey.objects.exists()
    assert not CaseIndex.objects.filter(citizen=profiled).exists()


def test_the_hourly_purge_removes_only_expired_keys(portal_client, profiled):
    from api.tasks import purge_idempotency_keys

    portal_client.force_login(profiled)
    _file(portal_client, "old")
    with time_machine.travel(clock.now() + timedelta(hours=23)):
        _file(portal_client, "new")
    with time_machine.travel(clock.now() + timedelta(hours=24, minutes=30)):
        assert purge_idempotency_keys() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]
