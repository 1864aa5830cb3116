"""The hall's one clock: the services, the deadline clocks and the sweep read "now" and "today" here.

Every procedure decision (a deadline met or missed, a window still open, a case overdue) depends on the
current moment, so there is exactly one place that answers it. Tests freeze it with time-machine
(``time_machine.travel(...)``), which moves this clock and everything built on it at once, instead of
patching private helpers.
"""

from datetime import date, datetime

from django.utils import timezone


def now() -> datetime:
    """The current moment (aware, UTC)."""
    return timezone.now()


def today() -> date:
    """Today in the hall's time zone (Asia/Shanghai): a deadline ends at 24:00 local time."""
    return timezone.localdate(now())
