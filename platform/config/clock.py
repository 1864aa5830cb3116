"""The hall's one clock: the services, the deadline clocks and the sweep read "now" and "today" here.

Every procedure decision (a deadline met or missed, a window still open, a case overdue) depends on the
current moment, so there is exactly one place that answers it. Tests freeze it with time-machine
(``time_machine.travel(...)``), which moves this clock and everything built on it at once, instead of
patching private helpers.

Production code that replays the past (the demo city's history, tenants.demo_history) sets the hall's
clock for a block of code with ``travel(moment)``: a context variable, so it moves only this clock, only
in the thread or task that set it, and nothing else in the process (Django's own timestamps, other
requests) sees it.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime

from django.utils import timezone

_travelled_to: ContextVar[datetime | None] = ContextVar("hall_clock_travelled_to", default=None)


def now() -> datetime:
    """The current moment (aware, UTC), or the moment ``travel`` set for this block."""
    moment = _travelled_to.get()
    return moment if moment is not None else timezone.now()


def today() -> date:
    """Today in the hall's time zone (Asia/Shanghai): a deadline ends at 24:00 local time."""
    return timezone.localdate(now())


@contextmanager
def travel(moment: datetime) -> Iterator[datetime]:
    """Make ``now()`` (and so ``today()``) answer ``moment`` inside the block; nesting restores the
    outer moment on exit. ``moment`` must be aware: a naive one has no meaning for a deadline."""
    if timezone.is_naive(moment):
        raise ValueError("clock.travel needs an aware datetime")
    token = _travelled_to.set(moment.astimezone(UTC))
    try:
        yield moment
    finally:
        _travelled_to.reset(token)
