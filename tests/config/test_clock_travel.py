"""config.clock.travel: production code sets the hall's clock for a block (the demo history's replay)."""

import threading
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.utils import timezone

from config import clock


def test_travel_moves_now_and_today_inside_the_block_only():
    moment = datetime(2026, 3, 1, 20, 0, tzinfo=UTC)  # 2026-03-02 04:00 in Asia/Shanghai
    before = clock.now()
    with clock.travel(moment) as at:
        assert at == moment
        assert clock.now() == moment
        assert clock.today() == date(2026, 3, 2)  # the local day, not the UTC one
    assert clock.now() >= before
    assert abs((clock.now() - timezone.now()).total_seconds()) < 5


def test_nested_travel_restores_the_outer_moment():
    outer = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
    inner = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
    with clock.travel(outer):
        with clock.travel(inner):
            assert clock.today() == date(2026, 6, 1)
        assert clock.now() == outer


def test_travel_is_restored_when_the_block_raises():
    with pytest.raises(RuntimeError), clock.travel(datetime(2025, 12, 1, tzinfo=UTC)):
        raise RuntimeError("boom")
    assert clock.today() != date(2025, 12, 1)


def test_travel_refuses_a_naive_moment():
    with pytest.raises(ValueError, match="aware"), clock.travel(datetime(2026, 1, 1)):  # noqa: DTZ001
        pass


def test_travel_does_not_move_other_threads_or_django():
    seen = {}

    def other() -> None:
        seen["today"] = clock.today()

    with clock.travel(datetime(2020, 1, 1, 4, 0, tzinfo=UTC)):
        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
        assert timezone.now().year >= 2026  # Django's own clock is untouched
    assert seen["today"].year >= 2026


def test_time_machine_still_freezes_the_clock_outside_travel():
    with time_machine.travel(datetime(2026, 9, 22, 2, 0, tzinfo=UTC), tick=False):
        assert clock.today() == date(2026, 9, 22)
        with clock.travel(datetime(2026, 10, 1, 2, 0, tzinfo=UTC)):
            assert clock.today() == date(2026, 10, 1)
        assert clock.today() == date(2026, 9, 22)
