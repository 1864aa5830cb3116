"""One exception family for the whole hall, with a stable code and an HTTP status.

Services raise HallError (or a subclass); the DRF handler renders it as one JSON shape and the HTML
views show the same translated message.
"""

from django.utils.encoding import force_str
from rest_framework.response import Response
from rest_framework.views import exception_handler


class HallError(Exception):
    code = "error"
    status = 400

    def __init__(self, message, *, code: str | None = None, status: int | None = None, **details):
        super().__init__(message)
        self.message = message  # may be a lazy translation: rendered in the user's language
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.details = details

    def __str__(self) -> str:
        return force_str(self.message)

    def as_dict(self) -> dict:
        return {"code": self.code, "message": force_str(self.message), "details": self.details}


class NotFound(HallError):
    code = "not_found"
    status = 404


class Forbidden(HallError):
    code = "forbidden"
    status = 403


class InvalidTransition(HallError):
    code = "invalid_transition"
    status = 409


class DeadlinePassed(HallError):
    code = "deadline_passed"
    status = 409


def api_exception_handler(exc, context):
    if isinstance(exc, HallError):
        return Response({"error": exc.as_dict()}, status=exc.status)
    response = exception_handler(exc, context)
    if response is not None:
        detail = response.data
        message = detail.get("detail") if isinstance(detail, dict) else None
        code = getattr(getattr(exc, "default_code", None), "__str__", lambda: "error")()
        response.data = {
            "error": {
                "code": getattr(exc, "default_code", code) or "error",
                "message": force_str(message) if message else force_str(getattr(exc, "default_detail", "")),
                "details": detail if not message else {},
            }
        }
    return response
