"""Sessions and CSRF cookies of their own per surface (内外网物理隔离), and short staff sessions.

The portal (internet) and the workspaces (intranet) never share a session:

- each surface has its own session and CSRF cookie names (settings.HALL_SESSION_COOKIE_NAMES and
  HALL_CSRF_COOKIE_NAMES), so a browser never presents one surface's cookie to the other;
- each session records the surface it was made on, and a session presented to the other surface
  (a cookie copied and renamed by hand) is flushed: the request goes on as anonymous.

The request's surface is its host's: the portal host is the portal, agency and oversight hosts are the
staff surface (tenants.middleware.surface_of). A process serving one surface only never gets this far
with a host of the other: HallTenantMiddleware answers 404 first.

Staff sessions end HALL_STAFF_SESSION_SECONDS after sign-in, and after
HALL_STAFF_SESSION_IDLE_SECONDS without a request; citizens keep Django's default lifetime.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase, UpdateError
from django.contrib.sessions.exceptions import SessionInterrupted
from django.contrib.sessions.middleware import SessionMiddleware

# Django's own checks of a CSRF cookie's format (private names: the cookie is read here under the
# surface's name, so the same checks must run; an upgrade that renames them fails the session tests).
from django.middleware.csrf import (  # type: ignore[attr-defined]
    CSRF_TOKEN_LENGTH,
    CsrfViewMiddleware,
    _check_token_format,
    _unmask_cipher_token,
)
from django.utils.cache import patch_vary_headers
from django.utils.http import http_date

from config import surfaces

SURFACE_KEY = "_hall_surface"
SIGNED_IN_AT_KEY = "_hall_signed_in_at"
SIGNED_IN_USER_KEY = "_hall_signed_in_user"
LAST_SEEN_KEY = "_hall_last_seen"
# The last-seen stamp is refreshed at most this often, so an active staff member's session is not
# written back on every request.
LAST_SEEN_RESOLUTION_SECONDS = 60


request_surface = surfaces.request_surface


def surface_of_host(host: str) -> str:
    """The surface a host name belongs to (for clients that know only the host, such as tests)."""
    name = host.split(":", 1)[0].lower().rstrip(".")
    return "portal" if name == settings.HALL_DOMAIN else "staff"


def session_cookie_name(surface: str) -> str:
    return settings.HALL_SESSION_COOKIE_NAMES[surface]


def csrf_cookie_name(surface: str) -> str:
    return settings.HALL_CSRF_COOKIE_NAMES[surface]


def _idle_seconds(surface: str) -> int | None:
    return settings.HALL_STAFF_SESSION_IDLE_SECONDS if surface == "staff" else None


def session_refused(session: SessionBase, surface: str, *, now: float) -> bool:
    """True when a stored session must not be used on ``surface``: made on the other surface (or
    before sessions recorded theirs), or a staff session past its absolute or idle limit."""
    if not session.keys():
        return False  # no such session, or an empty one: nothing to refuse
    if session.get(SURFACE_KEY) != surface:
        return True
    if surface != "staff":
        return False
    signed_in_at = session.get(SIGNED_IN_AT_KEY)
    if signed_in_at is not None and now - float(signed_in_at) > settings.HALL_STAFF_SESSION_SECONDS:
        return True
    last_seen = float(session.get(LAST_SEEN_KEY) or 0)
    return now - last_seen > settings.HALL_STAFF_SESSION_IDLE_SECONDS


def stamp_session(session: SessionBase, surface: str, *, now: float) -> None:
    """Record on a session that is about to be stored which surface it belongs to, when its user
    signed in and when it was last used (the staff surface's limits count from these)."""
    if session.get(SURFACE_KEY) != surface:
        session[SURFACE_KEY] = surface
    if surface != "staff":
        return
    user_id = session.get("_auth_user_id")
    if user_id is not None and session.get(SIGNED_IN_USER_KEY) != user_id:
        # A sign-in (or a different user) since the session was last stored: the 8 hours start now.
        session[SIGNED_IN_USER_KEY] = user_id
        session[SIGNED_IN_AT_KEY] = now
    elif user_id is None and SIGNED_IN_USER_KEY in session:
        del session[SIGNED_IN_USER_KEY]
        session.pop(SIGNED_IN_AT_KEY, None)
    if now - float(session.get(LAST_SEEN_KEY) or 0) >= LAST_SEEN_RESOLUTION_SECONDS:
        session[LAST_SEEN_KEY] = now
    idle = _idle_seconds(surface)
    if idle is not None and session.get_expiry_age() != idle:
        session.set_expiry(idle)


class SurfaceSessionMiddleware(SessionMiddleware):
    """Django's SessionMiddleware with the cookie name of the request's surface and the surface and
    staff time limits enforced on every stored session."""

    def process_request(self, request):
        surface = request_surface(request)
        session_key = request.COOKIES.get(session_cookie_name(surface))
        request.session = self.SessionStore(session_key)
        if session_key is None:
            return
        now = time.time()
        if session_refused(request.session, surface, now=now):
            # Ended, not just ignored: a session shown to the wrong surface was copied out of its
            # browser, and one past its limit must not come back.
            request.session.flush()
        elif surface == "staff" and (
            now - float(request.session.get(LAST_SEEN_KEY) or 0) >= LAST_SEEN_RESOLUTION_SECONDS
        ):
            request.session[LAST_SEEN_KEY] = now  # still active: push the idle limit back

    def process_response(self, request, response):
        # Django's process_response with the surface's cookie name; the session is stamped with its
        # surface (and sign-in time) before it is stored.
        try:
            accessed = request.session.accessed
            modified = request.session.modified
            empty = request.session.is_empty()
        except AttributeError:
            return response
        surface = request_surface(request)
        cookie_name = session_cookie_name(surface)
        if cookie_name in request.COOKIES and empty:
            response.delete_cookie(
                cookie_name,
                path=settings.SESSION_COOKIE_PATH,
                domain=settings.SESSION_COOKIE_DOMAIN,
                samesite=settings.SESSION_COOKIE_SAMESITE,
            )
            need_vary_cookie = True
        else:
            need_vary_cookie = accessed
            if (modified or settings.SESSION_SAVE_EVERY_REQUEST) and not empty:
                stamp_session(request.session, surface, now=time.time())
                if request.session.get_expire_at_browser_close():
                    max_age = None
                    expires = None
                else:
                    max_age = request.session.get_expiry_age()
                    expires = http_date(time.time() + max_age)
                if response.status_code < 500:
                    try:
                        request.session.save()
                    except UpdateError:
                        raise SessionInterrupted(
                            "The request's session was deleted before the request completed. The "
                            "user may have logged out in a concurrent request, for example."
                        ) from None
                    response.set_cookie(
                        cookie_name,
                        request.session.session_key,
                        max_age=max_age,
                        expires=expires,
                        domain=settings.SESSION_COOKIE_DOMAIN,
                        path=settings.SESSION_COOKIE_PATH,
                        secure=settings.SESSION_COOKIE_SECURE or None,
                        httponly=settings.SESSION_COOKIE_HTTPONLY or None,
                        samesite=settings.SESSION_COOKIE_SAMESITE,
                    )
                    need_vary_cookie = True
        if need_vary_cookie:
            patch_vary_headers(response, ("Cookie",))
        return response


class SurfaceCsrfViewMiddleware(CsrfViewMiddleware):
    """Django's CSRF middleware reading and setting the CSRF cookie of the request's surface."""

    def _get_secret(self, request):
        if settings.CSRF_USE_SESSIONS:
            return super()._get_secret(request)
        csrf_secret = request.COOKIES.get(csrf_cookie_name(request_surface(request)))
        if csrf_secret is None:
            return None
        _check_token_format(csrf_secret)  # may raise InvalidTokenFormat, as Django's does
        if len(csrf_secret) == CSRF_TOKEN_LENGTH:
            csrf_secret = _unmask_cipher_token(csrf_secret)
        return csrf_secret

    def _set_csrf_cookie(self, request, response):
        if settings.CSRF_USE_SESSIONS:
            return super()._set_csrf_cookie(request, response)
        response.set_cookie(
            csrf_cookie_name(request_surface(request)),
            request.META["CSRF_COOKIE"],
            max_age=settings.CSRF_COOKIE_AGE,
            domain=settings.CSRF_COOKIE_DOMAIN,
            path=settings.CSRF_COOKIE_PATH,
            secure=settings.CSRF_COOKIE_SECURE,
            httponly=settings.CSRF_COOKIE_HTTPONLY,
            samesite=settings.CSRF_COOKIE_SAMESITE,
        )
        patch_vary_headers(response, ("Cookie",))
