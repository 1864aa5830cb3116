"""Request limits for the API, per token and per signed-in user (and per address for the anonymous),
counted in the cache by config.throttle's fixed windows.

A token and its member are counted apart: a system's token cannot use up the person's own limit, and
one person's many tokens cannot multiply theirs (each request also counts against the user). Rates
come from settings.HALL_API_RATES ("requests/seconds") and are read per request, so a test or an
operator can change them without a restart.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework.throttling import BaseThrottle

from config import net
from config.throttle import Limit, consume


def _limit(name: str) -> Limit:
    requests, seconds = settings.HALL_API_RATES[name]
    return Limit(f"api_{name}", requests, seconds, _("请求过于频繁，请稍后再试。"))


class HallApiThrottle(BaseThrottle):
    def __init__(self) -> None:
        self.blocked: Limit | None = None

    def counted(self, request) -> list[tuple[Limit, str]]:
        from accounts.models import ApiToken

        auth = getattr(request, "auth", None)
        user = getattr(request, "user", None)
        if isinstance(auth, ApiToken):
            return [(_limit("token"), f"token:{auth.uuid}"), (_limit("user"), f"user:{auth.user.uuid}")]
        if user is not None and user.is_authenticated:
            return [(_limit("user"), f"user:{user.uuid}")]
        return [(_limit("anon"), f"addr:{net.rate_limit_address(request) or 'unknown'}")]

    def allow_request(self, request, view) -> bool:
        self.blocked = consume(self.counted(request))
        return self.blocked is None

    def wait(self) -> float | None:
        # A fixed window ends at most window_seconds after the block began (config.throttle).
        return float(self.blocked.window_seconds) if self.blocked else None
