"""Who an Open311 ``api_key`` acts as: the one interface the Open311 views ask.

``open311_key_agent`` is all the views know of keys. It reads ``Open311Key`` today; when the API's
tokens (personal tokens for citizens' apps, scoped per-agency tokens for staff systems) exist, it is
the one function to point at them.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from django.utils import timezone

from accounts.models import User
from api.open311.models import Open311Key
from cases.services import Actor
from tenants.models import Agency

KEY_BYTES = 32
MAX_KEY_LENGTH = 200


@dataclass(frozen=True)
class Open311Agent:
    key: Open311Key
    actor: Actor

    @property
    def is_staff_system(self) -> bool:
        """A staff system (registers calls for its agency) rather than a citizen's own app."""
        return self.actor.agency is not None


def _hash(api_key: str) -> str:
    # The keys are 256 random bits: a plain digest cannot be reversed or guessed from a leaked table.
    return hashlib.sha256(api_key.encode()).hexdigest()


def issue_key(*, user: User, label: str, agency: Agency | None = None) -> tuple[Open311Key, str]:
    """A new key for ``user`` (and, for a staff system, the agency it registers for); the plain key is
    returned once and never stored."""
    plain = secrets.token_urlsafe(KEY_BYTES)
    key = Open311Key.objects.create(
        label=label[:100], key_hash=_hash(plain), key_prefix=plain[:8], user=user, agency=agency
    )
    return key, plain


def revoke_key(*, key: Open311Key) -> None:
    Open311Key.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def open311_key_agent(api_key: str | None) -> Open311Agent | None:
    """The agent behind ``api_key``; None for a missing, unknown or revoked key, or a staff key whose
    user no longer belongs to its agency."""
    if not api_key or len(api_key) > MAX_KEY_LENGTH:
        return None
    key = (
        Open311Key.objects.select_related("user", "agency")
        .filter(key_hash=_hash(api_key), revoked_at__isnull=True)
        .first()
    )
    if key is None or not key.user.is_active:
        return None
    if key.agency is None:
        return Open311Agent(key, Actor.citizen(key.user))
    actor = Actor.staff(key.user, key.agency)
    if not actor.roles:
        return None
    return Open311Agent(key, actor)
