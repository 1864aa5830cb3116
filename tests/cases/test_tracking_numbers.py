"""Tracking numbers under concurrent filing: unique, per year, and no filing waits for another."""

import threading

import pytest
from django.db import connection, connections, transaction

from cases.index import tracking
from cases.index.models import TrackingSequence

YEARS = (2091, 2092)  # years no other test files in


@pytest.fixture
def fresh_years(django_db_blocker):
    def drop():
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            for year in YEARS:
                cursor.execute(f"DROP SEQUENCE IF EXISTS public.tracking_number_{year}")
        tracking._known_years.difference_update(YEARS)

    drop()
    yield
    drop()


def _in_thread(target, results, *args):
    def run():
        try:
            results.append(target(*args))
        except Exception as error:  # noqa: BLE001 - reported by the test
            results.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_two_connections_draw_unique_numbers_without_waiting_for_each_other(fresh_years, django_db_blocker):
    holding = threading.Event()
    release = threading.Event()

    def slow_filing():
        # A filing that drew its number and has not committed yet.
        with transaction.atomic():
            number = tracking.next_tracking_number(2091)
            holding.set()
            release.wait(10)
        return [number]

    def other_filings():
        holding.wait(10)
        with connection.cursor() as cursor:
            # With a counter row this would wait for the slow filing's commit; here it must not.
            cursor.execute("SET lock_timeout = '500ms'")
        numbers = []
        for _ in range(50):
            with transaction.atomic():
                numbers.append(tracking.next_tracking_number(2091))
        release.set()
        return numbers

    results: list = []
    with django_db_blocker.unblock():
        threads = [_in_thread(slow_filing, results), _in_thread(other_filings, results)]
        for thread in threads:
            thread.join(30)
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors
    numbers = [n for batch in results for n in batch]
    assert len(numbers) == 51 and len(set(numbers)) == 51
    assert all(n.startswith("SMX-2091-") and len(n) == len("SMX-2091-000001") for n in numbers)


def test_a_rolled_back_filing_leaves_a_gap_never_a_duplicate(fresh_years, django_db_blocker):
    with django_db_blocker.unblock():
        with transaction.atomic():
            first = tracking.next_tracking_number(2092)
        with pytest.raises(RuntimeError), transaction.atomic():
            tracking.next_tracking_number(2092)
            raise RuntimeError
        third = tracking.next_tracking_number(2092)
    assert first == "SMX-2092-000001" and third == "SMX-2092-000003"


def test_a_new_year_continues_after_the_old_counter_and_years_are_separate(fresh_years, django_db_blocker):
    with django_db_blocker.unblock():
        TrackingSequence.objects.create(year=2091, last=41)  # committed: the old counter's last number
        try:
            assert tracking.next_tracking_number(2091) == "SMX-2091-000042"
            assert tracking.next_tracking_number(2092) == "SMX-2092-000001"
            assert tracking.next_tracking_number(2091) == "SMX-2091-000043"
        finally:
            TrackingSequence.objects.filter(year=2091).delete()


def test_the_sequence_made_inside_a_rolled_back_filing_stays(fresh_years, django_db_blocker):
    with django_db_blocker.unblock():
        with pytest.raises(RuntimeError), transaction.atomic():
            assert tracking.next_tracking_number(2092) == "SMX-2092-000001"
            raise RuntimeError
        tracking._known_years.discard(2092)  # another process, which has not seen the year yet
        assert tracking.next_tracking_number(2092) == "SMX-2092-000002"
