"""One exception family for the whole hall, with a stable code and an HTTP status.

Services raise HallError (or a subclass); the DRF handler renders it as one JSON shape and the HTML
views show the same translated message.
"""

from django.utils.encoding import force_str


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


# --- The one JSON shape: {"error": {"code", "message", "details"}} ----------------------------------

# Paths whose errors are JSON even when no API view answered (an unknown path, a body too large, a
# crash): Django's handler404/500 ask is_api_path (config.error_views).
API_PATH_PREFIXES = ("/api/", "/open311/")


def is_api_path(path: str) -> bool:
    return path.startswith(API_PATH_PREFIXES)


def error_body(code: str, message, details: dict | None = None) -> dict:
    return {"error": {"code": code, "message": force_str(message), "details": details or {}}}


def _drf_code(exc) -> str:
    codes = exc.get_codes() if hasattr(exc, "get_codes") else None
    if isinstance(codes, str):
        return codes
    return str(getattr(exc, "default_code", "error") or "error")


def api_exception_handler(exc, context):
    """DRF's exception handler (settings.REST_FRAMEWORK): every error an API view raises, in the one
    shape. Validation errors carry the field messages in ``details``; DRF's own errors keep DRF's
    stable codes (parse_error, not_authenticated, permission_denied, not_found, method_not_allowed,
    not_acceptable, unsupported_media_type, throttled)."""
    # Imported here: DRF's views import the authentication classes, which import this module.
    from django.core.exceptions import RequestDataTooBig
    from django.utils.translation import gettext as _
    from rest_framework import exceptions as drf
    from rest_framework.response import Response
    from rest_framework.views import exception_handler

    if isinstance(exc, HallError):
        return Response({"error": exc.as_dict()}, status=exc.status)
    if isinstance(exc, RequestDataTooBig):
        return Response(error_body("request_too_large", _("请求内容过大。")), status=413)
    response = exception_handler(exc, context)
    if response is None:
        return None  # a crash: Django's handler500 answers (config.error_views.server_error)
    if isinstance(exc, drf.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = error_body("invalid", _("提交的内容有误，请按提示修改。"), detail)
        return response
    details = {}
    if isinstance(exc, drf.Throttled) and exc.wait is not None:
        details["retry_after"] = int(exc.wait)
    message = exc.detail if isinstance(getattr(exc, "detail", None), str) else exc.default_detail
    response.data = error_body(_drf_code(exc), message, details)
    return response
