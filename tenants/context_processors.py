import time
from dataclasses import dataclass

from django.conf import settings
from django_tenants.utils import get_public_schema_name

from tenants.middleware import portal_url
from tenants.models import DemoHistory


@dataclass
class _HistoryProgress:
    """The demo history's progress, read at most every few seconds per process, never again once done."""

    percent: int | None = None
    read_at: float = 0.0
    done: bool = False


_history = _HistoryProgress()
_HISTORY_TTL = 5.0


def hall(request):
    tenant = getattr(request, "tenant", None)
    is_workspace = tenant is not None and tenant.schema_name != get_public_schema_name()
    return {
        "hall_domain": settings.HALL_DOMAIN,
        "portal_url": portal_url(),
        "current_agency": tenant if is_workspace else None,
        # Pages of platform/ apps shown on staff hosts (the calendar) extend the one staff base, which
        # has the workspace menu; platform/ names no upper-layer template itself.
        "workspace_base": "workspace/base.html" if is_workspace else "base.html",
        "demo_history_percent": demo_history_percent(),
    }


def demo_history_percent() -> int | None:
    """0-99 while the demo city's year is being seeded in the background (tenants.demo_history)."""
    if _history.done or time.monotonic() - _history.read_at < _HISTORY_TTL:
        return _history.percent
    marker = DemoHistory.objects.only("steps_done", "steps_total", "finished_at").first()
    _history.read_at = time.monotonic()
    _history.done = marker is not None and marker.finished_at is not None
    _history.percent = None if marker is None or _history.done else marker.percent
    return _history.percent
