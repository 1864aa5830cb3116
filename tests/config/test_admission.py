"""Admission control: beyond its slots and queue a process answers 503 with Retry-After at once."""

import threading

import pytest

from config import admission


@pytest.fixture
def one_slot(settings):
    settings.HALL_ADMISSION_SLOTS = 1
    settings.HALL_ADMISSION_QUEUE = 0
    settings.HALL_ADMISSION_WAIT = 0.2
    gate = admission.gate()
    assert gate is not None and gate.slots == 1
    return gate


def test_a_request_beyond_the_slots_is_turned_away_in_json_on_the_api(one_slot, portal_client):
    one_slot.semaphore.acquire()
    try:
        response = portal_client.get("/api/v1/petitions/")
    finally:
        one_slot.semaphore.release()
    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    error = response.json()["error"]
    assert error["code"] == "overloaded" and "稍后重试" in error["message"]


def test_pages_get_a_short_page_in_the_readers_language(one_slot, portal_client):
    one_slot.semaphore.acquire()
    try:
        chinese = portal_client.get("/")
        english = portal_client.get("/", HTTP_ACCEPT_LANGUAGE="en")
        health = portal_client.get("/healthz")
    finally:
        one_slot.semaphore.release()
    assert chinese.status_code == english.status_code == 503
    assert "稍后重试" in chinese.content.decode()
    assert "try again" in english.content.decode().lower()
    assert health.status_code != 503  # health checks are always admitted


def test_a_waiting_request_is_admitted_when_a_slot_frees_within_the_wait(one_slot, settings, portal_client):
    settings.HALL_ADMISSION_QUEUE = 1
    settings.HALL_ADMISSION_WAIT = 5
    one_slot.semaphore.acquire()
    timer = threading.Timer(0.2, one_slot.semaphore.release)
    timer.start()
    response = portal_client.get("/")
    timer.join()
    assert response.status_code == 200
    assert one_slot.waiting == 0
    # Every slot is given back: the next request goes straight in.
    assert one_slot.semaphore.acquire(blocking=False)
    one_slot.semaphore.release()


def test_a_full_queue_refuses_without_waiting(one_slot, settings, portal_client):
    settings.HALL_ADMISSION_QUEUE = 1
    settings.HALL_ADMISSION_WAIT = 30
    one_slot.semaphore.acquire()
    one_slot.waiting = 1  # someone is already waiting
    try:
        response = portal_client.get("/")
    finally:
        one_slot.waiting = 0
        one_slot.semaphore.release()
    assert response.status_code == 503


def test_off_when_no_slots_are_configured(settings, portal_client):
    settings.HALL_ADMISSION_SLOTS = 0
    assert admission.gate() is None
    assert portal_client.get("/").status_code == 200


def test_a_request_that_waited_its_budget_in_the_servers_queue_is_refused_at_once(
    one_slot, settings, portal_client
):
    """The wait before the hall's code ran (gunicorn's queue, noted by config.gunicorn_worker)
    counts against HALL_ADMISSION_WAIT: the request is refused without being worked on."""
    admission.note_server_wait(0.5)
    try:
        refused = portal_client.get("/api/v1/petitions/")
    finally:
        admission.note_server_wait(0.0)
    admitted = portal_client.get("/api/v1/petitions/")
    assert refused.status_code == 503 and refused["Retry-After"] == "2"
    assert admitted.status_code != 503
