"""Admission control: under overload the hall answers 503 with Retry-After at once, never after 30 s.

Each web process lets ``HALL_ADMISSION_SLOTS`` requests work at a time (about what its share of the
CPU and the database connections can serve), lets up to ``HALL_ADMISSION_QUEUE`` more wait at most
``HALL_ADMISSION_WAIT`` seconds for a slot, and turns the rest away with 503 and ``Retry-After``.
gunicorn runs more threads than slots (infra/gunicorn.conf.py), so waiting requests wait here, where
the wait is bounded. Before a request reaches a thread it may also have waited in gunicorn's own
queue: the hall's worker (``config.gunicorn_worker``) notes how long it waited for a thread, and that
wait counts against the same ``HALL_ADMISSION_WAIT``: a request that already waited longer is refused
at once, so the server's queue drains at about a millisecond a request instead of holding requests
for tens of seconds.

A request turned away has done nothing: it is refused before the session, the tenant or the database
are touched, so nothing it carried was acknowledged (a client retries it; a filing's submission id or
Idempotency-Key makes the retry safe). Health checks are always admitted.
"""

import threading
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _

ALWAYS_ADMITTED = ("/healthz", "/static/")


@dataclass
class _Gate:
    slots: int
    semaphore: threading.BoundedSemaphore
    waiting: int = 0


_lock = threading.Lock()
_gate: _Gate | None = None
_server_queue = threading.local()


def note_server_wait(seconds: float) -> None:
    """The server tells how long the request this thread is about to serve waited in its queue for
    the thread (0 when it is done with it)."""
    _server_queue.seconds = max(0.0, seconds)


def _waited_in_server() -> float:
    return getattr(_server_queue, "seconds", 0.0)


def gate() -> _Gate | None:
    """This process's gate (rebuilt when the settings change, as in tests); None when turned off."""
    global _gate
    slots = int(getattr(settings, "HALL_ADMISSION_SLOTS", 0) or 0)
    if slots <= 0:
        return None
    with _lock:
        if _gate is None or _gate.slots != slots:
            _gate = _Gate(slots, threading.BoundedSemaphore(slots))
        return _gate


def _refusal(request) -> HttpResponse:
    language = translation.get_language_from_request(request)
    with translation.override(language):
        message = _("大厅当前访问量过大，您的请求没有被处理，请稍后重试。已经提交的内容不会丢失。")
    retry = str(int(getattr(settings, "HALL_ADMISSION_RETRY_AFTER", 2)))
    if request.path.startswith(("/api/", "/open311/")) or "json" in request.headers.get("Accept", ""):
        response: HttpResponse = JsonResponse(
            {"error": {"code": "overloaded", "message": message, "details": {"retry_after": int(retry)}}},
            status=503,
        )
    else:
        response = HttpResponse(
            f'<!doctype html><html lang="{language}"><meta charset="utf-8"><title>503</title>'
            f"<p>{message}</p></html>",
            status=503,
            content_type="text/html; charset=utf-8",
        )
    response["Retry-After"] = retry
    response["Cache-Control"] = "no-store"
    return response


class AdmissionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        current = gate()
        if current is None or request.path.startswith(ALWAYS_ADMITTED):
            return self.get_response(request)
        budget = float(getattr(settings, "HALL_ADMISSION_WAIT", 2)) - _waited_in_server()
        if budget <= 0:
            # It waited its whole budget in the server's queue: its client is about to give up.
            return _refusal(request)
        if not current.semaphore.acquire(blocking=False):
            queue = int(getattr(settings, "HALL_ADMISSION_QUEUE", 0))
            with _lock:
                if current.waiting >= queue:
                    return _refusal(request)
                current.waiting += 1
            try:
                admitted = current.semaphore.acquire(timeout=budget)
            finally:
                with _lock:
                    current.waiting -= 1
            if not admitted:
                return _refusal(request)
        try:
            return self.get_response(request)
        finally:
            current.semaphore.release()
