"""Django's error handlers (handler400/403/404/500 in every root URL conf) and the request-size
guard: on API paths they answer the one JSON error shape (config.errors), elsewhere Django's pages.

An API view's own errors go through DRF's handler (config.errors.api_exception_handler); these catch
what never reaches a view: an unknown /api/ path, a body too large to read, a crash.
"""

from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults

from config.errors import error_body, is_api_path


def api_error(status: int, code: str, message, details: dict | None = None) -> JsonResponse:
    return JsonResponse(
        error_body(code, message, details), status=status, json_dumps_params={"ensure_ascii": False}
    )


def bad_request(request, exception=None):
    if is_api_path(request.path):
        return api_error(400, "bad_request", _("请求无法处理。"))
    return defaults.bad_request(request, exception)


def permission_denied(request, exception=None):
    if is_api_path(request.path):
        return api_error(403, "permission_denied", _("您没有执行该操作的权限。"))
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception=None):
    if is_api_path(request.path):
        return api_error(404, "not_found", _("没有这个接口或资源。"))
    return defaults.page_not_found(request, exception)


def server_error(request):
    if is_api_path(request.path):
        return api_error(500, "server_error", _("服务器内部错误，请稍后再试。"))
    return defaults.server_error(request)


def body_limit(request) -> int:
    """The largest body an API request may send: uploads (multipart) up to the upload limit and a
    little for the other fields, everything else DATA_UPLOAD_MAX_MEMORY_SIZE."""
    if request.META.get("CONTENT_TYPE", "").startswith("multipart/"):
        return settings.HALL_UPLOAD_MAX_BYTES + 1024 * 1024
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 2_621_440


class ApiBodyLimitMiddleware:
    """413 for an API request whose declared body is over the limit, before anything reads it.

    DRF parses JSON from the request stream, which Django does not limit (only request.body is); this
    refuses the request up front, in the one shape."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if is_api_path(request.path):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                return api_error(400, "bad_request", _("Content-Length 无效。"))
            limit = body_limit(request)
            if length > limit:
                return api_error(413, "request_too_large", _("请求内容过大。"), {"max_bytes": limit})
        return self.get_response(request)
