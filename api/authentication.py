"""Who is calling the API: a bearer token (apps and systems) or the browser's session (with CSRF).

``Authorization: Bearer <token>`` (or ``Token <token>``) names an accounts.models.ApiToken. A token
is bound to its host: an agency's token works only on that agency's host, a citizen's personal token
only on the portal; anywhere else it is refused as if unknown (401), so a leaked staff token is no
key to another agency's data. Its scopes are checked here too, once for every view: a read needs
``read``, anything else ``act``, and the oversight host wants ``oversight`` besides.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, SessionAuthentication, get_authorization_header

from accounts.models import ApiToken, TokenScope
from accounts.tokens import TokenRefused, token_for
from tenants.models import AgencyKind
from tenants.sessions import SurfaceCsrfViewMiddleware

KEYWORDS = (b"bearer", b"token")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def presented_token(request) -> str | None:
    """The token in the Authorization header, or None when the header names another scheme."""
    parts = get_authorization_header(request).split()
    if not parts or parts[0].lower() not in KEYWORDS:
        return None
    if len(parts) != 2:
        raise exceptions.AuthenticationFailed(
            _("Authorization 头格式应为 “Bearer <令牌>”。"), code="invalid_token"
        )
    try:
        return parts[1].decode("ascii")
    except UnicodeDecodeError:
        raise exceptions.AuthenticationFailed(_("接口令牌无效或已被吊销。"), code="invalid_token") from None


def bound_to_host(token: ApiToken, tenant) -> bool:
    if tenant is None:
        return False
    if token.agency_id is None:
        return tenant.kind == AgencyKind.PORTAL or tenant.schema_name == "public"
    return token.agency_id == tenant.pk


def token_principal(request) -> ApiToken | None:
    """The live token the request carries and that is valid on its host, or None (no token).
    Raises AuthenticationFailed for a token that is not (unknown, revoked, expired, other host)."""
    raw = presented_token(request)
    if raw is None:
        return None
    try:
        token = token_for(raw)
    except TokenRefused as exc:
        raise exceptions.AuthenticationFailed(str(exc), code=exc.code) from None
    if not bound_to_host(token, getattr(request, "tenant", None)):
        raise exceptions.AuthenticationFailed(_("接口令牌无效或已被吊销。"), code="invalid_token")
    return token


class BearerTokenAuthentication(BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        token = token_principal(request)
        if token is None:
            return None
        needed = {TokenScope.READ if request.method in SAFE_METHODS else TokenScope.ACT}
        tenant = request.tenant
        if tenant.kind == AgencyKind.OVERSIGHT:
            needed.add(TokenScope.OVERSIGHT)
        missing = needed - set(token.scopes)
        if missing:
            raise exceptions.PermissionDenied(
                _("接口令牌没有此操作所需的权限：%(scopes)s。") % {"scopes": ", ".join(sorted(missing))},
                code="insufficient_scope",
            )
        return token.user, token

    def authenticate_header(self, request) -> str:
        # Makes DRF answer 401 (not 403) to a request without credentials, with the scheme to use.
        return f'{self.keyword} realm="api"'


class _SurfaceCsrfCheck(SurfaceCsrfViewMiddleware):
    """DRF's CSRF check (rest_framework.authentication.CSRFCheck) reading the CSRF cookie of the
    request's surface, as the rest of the hall does: Django's default cookie name is never set."""

    def _reject(self, request, reason):
        return reason


class HallSessionAuthentication(SessionAuthentication):
    """The browser's session, with the CSRF check on every unsafe method against the cookie the
    browser really has (``hall_portal_csrftoken`` / ``hall_staff_csrftoken``, tenants.sessions)."""

    def enforce_csrf(self, request):
        reason = csrf_refusal(request)
        if reason:
            raise exceptions.PermissionDenied(f"CSRF Failed: {reason}")


def csrf_refusal(request) -> str | None:
    """Why a session-signed unsafe request fails the CSRF check, or None when it passes (one check for
    the API's session authentication and the Idempotency-Key replay)."""
    check = _SurfaceCsrfCheck(lambda request: HttpResponse())
    check.process_request(request)  # reads the surface's cookie into request.META["CSRF_COOKIE"]
    reason: Any = check.process_view(request, lambda request: HttpResponse(), (), {})
    return reason  # _reject gives the reason, not a response
