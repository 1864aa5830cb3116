"""``Idempotency-Key`` on every create: a POST retried with the same key gets the first answer again.

A client that lost the answer to a POST (a dropped connection, a timeout) sends it again with the
same ``Idempotency-Key`` header; if the first one succeeded, the stored answer comes back (with
``Idempotent-Replayed: true``) and nothing is made twice. The same key with a different request
(method, path or body) is refused with 422 ``idempotency_key_reused``. Keys are scoped to their owner
(the token, else the signed-in user) and live 24 hours.

This is a middleware for every POST under the API paths (config.errors.API_PATH_PREFIXES), not a
decorator per view, so a create added later is covered without anyone remembering to. The key's row
is written in the same transaction as the create: the request runs inside ``atomic()`` behind the
row, so a crash or a refusal leaves neither the row nor half a create, and a concurrent retry waits
on the row's unique index until the first commits, then replays it.
"""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions

from api.authentication import token_principal
from api.models import IdempotencyKey
from config import clock
from config.error_views import api_error
from config.errors import is_api_path

HEADER = "Idempotency-Key"
LIFETIME = timedelta(hours=24)
MAX_KEY_LENGTH = 255
# Answer headers worth replaying (where the created thing is).
KEPT_HEADERS = ("Location",)


def owner_of(request) -> str | None:
    """Whose namespace the key lives in: the token, else the signed-in user; None for the anonymous
    (their create is refused by the view anyway, or is not ours to deduplicate)."""
    try:
        token = token_principal(request)
    except exceptions.APIException:
        return None  # the view refuses the token
    if token is not None:
        return f"token:{token.uuid}"
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.uuid}"
    if request.path.startswith("/open311/"):
        # GeoReport v2 files with an api_key (in the form or the query string), not a token.
        from api.open311.keys import open311_key_agent

        agent = open311_key_agent(request.GET.get("api_key") or _form_value(request, "api_key"))
        if agent is not None:
            return f"open311:{agent.key.pk}"
    return None


def _form_value(request, name: str) -> str | None:
    """One field of a form body (urlencoded or multipart). The body is read once and kept, so the
    fingerprint below and the view (request.POST, parsed once and cached) still see all of it."""
    content_type = request.META.get("CONTENT_TYPE", "")
    if not content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        return None
    _body(request)
    return request.POST.get(name)


def _body(request) -> bytes:
    """The request body, read once and put back for the view. ``request.body`` would refuse uploads
    over DATA_UPLOAD_MAX_MEMORY_SIZE; config.error_views.ApiBodyLimitMiddleware has already bounded
    the size, so this reads the stream itself and leaves what ``request.body`` would have left."""
    if not hasattr(request, "_body"):
        request._body = request.read()
        request._stream = io.BytesIO(request._body)
        request._read_started = False
    return request._body


def fingerprint(request) -> str:
    digest = hashlib.sha256()
    for part in (request.method, request.get_full_path(), request.META.get("CONTENT_TYPE", "")):
        digest.update(part.encode() + b"\0")
    digest.update(_body(request))
    return digest.hexdigest()


def _csrf_refused(request) -> bool:
    """A session-signed request is replayed only if it would pass the API's CSRF check."""
    from api.authentication import csrf_refusal

    if request.headers.get("Authorization"):
        return False
    return csrf_refusal(request) is not None


def _replay(record: IdempotencyKey) -> HttpResponse:
    response = HttpResponse(bytes(record.body), status=record.status_code, content_type=record.content_type)
    for name, value in record.headers.items():
        response[name] = value
    response["Idempotent-Replayed"] = "true"
    return response


class IdempotencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = request.headers.get(HEADER)
        if key is None or request.method != "POST" or not is_api_path(request.path):
            return self.get_response(request)
        if not key or len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
            return api_error(
                400,
                "invalid_idempotency_key",
                _("Idempotency-Key 须为 1 至 255 个可打印 ASCII 字符。"),
            )
        owner = owner_of(request)
        if owner is None:
            return self.get_response(request)
        print_ = fingerprint(request)
        now = clock.now()
        with transaction.atomic():
            IdempotencyKey.objects.filter(owner=owner, key=key, created_at__lt=now - LIFETIME).delete()
            try:
                with transaction.atomic():
                    record = IdempotencyKey.objects.create(
                        owner=owner,
                        key=key,
                        fingerprint=print_,
                        status_code=0,
                        content_type="",
                        body=b"",
                        created_at=now,
                    )
            except IntegrityError:
                # Another request made it first (and has committed: the index waited for it).
                earlier = IdempotencyKey.objects.get(owner=owner, key=key)
                if earlier.fingerprint != print_:
                    return api_error(
                        422,
                        "idempotency_key_reused",
                        _("这个 Idempotency-Key 已用于另一个请求；新的请求请换一个新的键。"),
                    )
                if _csrf_refused(request):
                    return self.get_response(request)  # the view answers 403 as it would without a key
                return _replay(earlier)
            response = self.get_response(request)
            if not 200 <= response.status_code < 300 or getattr(response, "streaming", False):
                # Nothing kept: a refused or failed create can be retried with the same key, and
                # whatever the request wrote before failing goes with the key's row.
                transaction.set_rollback(True)
                return response
            record.status_code = response.status_code
            record.content_type = response.get("Content-Type", "")
            record.body = response.content
            record.headers = {name: response[name] for name in KEPT_HEADERS if name in response}
            record.save(update_fields=["status_code", "content_type", "body", "headers"])
        return response
