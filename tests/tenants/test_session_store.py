"""The session read compiled once (tenants.session_store): the same rows as Django's database store,
an expired or unknown session never loads, and a signed-in request still finds its user."""

from datetime import timedelta

from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from tenants.session_store import SessionStore


def test_the_engine_is_the_compiled_store():
    assert settings.SESSION_ENGINE == "tenants.session_store"


def test_a_stored_session_loads_its_data(db):
    store = SessionStore()
    store["color"] = "红"
    store.save()
    again = SessionStore(store.session_key)
    assert again["color"] == "红" and again.session_key == store.session_key


def test_an_expired_session_does_not_load(db):
    store = SessionStore()
    store["color"] = "红"
    store.save()
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    expired = SessionStore(store.session_key)
    assert dict(expired.items()) == {} and expired.session_key is None


def test_an_unknown_key_does_not_load(db):
    unknown = SessionStore("x" * 32)
    assert dict(unknown.items()) == {} and unknown.session_key is None


def test_a_signed_in_citizen_is_still_known(portal_client, citizen):
    portal_client.force_login(citizen)
    response = portal_client.get("/api/v1/petitions/")
    assert response.status_code == 200  # anonymous would be 403
