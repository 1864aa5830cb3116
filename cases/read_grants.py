"""Short-lived grants in the session for reads that are logged (查阅留痕).

A logged read (oversight opening a case with its reason, staff or oversight reading a protected
reporter's identity with its purpose, 信访工作条例 arts. 30, 46) is a POST with a CSRF token: the
view records the log entry, grants this session a read of that one case for
``HALL_LOGGED_READ_SECONDS`` and redirects to a GET that shows what was read while the grant lasts.
So a cross-site link logs and shows nothing, a reload does not log a second time, and the reason
never travels in a URL (nor in access logs or Referer headers).

A grant is bound to the host's agency, the signed-in user, the case and the kind of read. What it
carries is encrypted with the field key (config.crypto), as the identity vault is: a session row
never holds a reporter's identity in clear.
"""

from __future__ import annotations

import json
import time

from django.conf import settings

from config.crypto import decrypt_text, encrypt_text
from config.hall_request import HallRequest
from tenants.models import Agency

SESSION_KEY = "hall_read_grants"
MAX_GRANTS = 20  # the newest ones are kept: a session never grows without bound

CASE_READ = "case"
IDENTITY_READ = "identity"


def _now() -> float:
    return time.time()


def _key(request: HallRequest[Agency], kind: str, case_uuid) -> str:
    return f"{kind}:{request.tenant.schema_name}:{case_uuid}"


def _live(grants: dict, now: float) -> dict:
    return {key: grant for key, grant in grants.items() if grant.get("until", 0) > now}


def grant_read(request: HallRequest[Agency], *, kind: str, case_uuid, data: dict) -> None:
    """Let this session see ``data`` (what the logged read returned) for the next few minutes."""
    now = _now()
    grants = _live(request.session.get(SESSION_KEY) or {}, now)
    grants[_key(request, kind, case_uuid)] = {
        "user": str(request.user.pk),
        "until": now + settings.HALL_LOGGED_READ_SECONDS,
        "data": encrypt_text(json.dumps(data)),
    }
    newest = sorted(grants.items(), key=lambda item: item[1]["until"])[-MAX_GRANTS:]
    request.session[SESSION_KEY] = dict(newest)


def granted_read(request: HallRequest[Agency], *, kind: str, case_uuid) -> dict | None:
    """What a still-valid grant carries, or None (no grant, expired, or another user's)."""
    grants = request.session.get(SESSION_KEY) or {}
    grant = grants.get(_key(request, kind, case_uuid))
    if not grant or grant.get("until", 0) <= _now() or grant.get("user") != str(request.user.pk):
        return None
    plain = decrypt_text(grant.get("data", ""))
    return json.loads(plain) if plain else None
