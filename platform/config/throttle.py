"""Attempt counters in the cache for the hall's own throttles (query codes, ID-number checks).

Sign-in failures are counted by allauth (ACCOUNT_RATE_LIMITS, accounts.adapters); these are the
other guesses worth slowing down. A limit counts attempts per *subject* (an address, an account, an
address and a tracking number) in a fixed window that starts with the first attempt, so it ends at
most ``window_seconds`` after the block began. Subjects are hashed into the key: the cache never
holds a tracking number, an address or an account id in clear.
"""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.cache import cache
from django.utils.functional import Promise


@dataclass(frozen=True)
class Limit:
    name: str
    max_attempts: int
    window_seconds: int
    # What the person is told when this limit stops them (a lazy translation).
    message: str | Promise

    def key(self, subject: str) -> str:
        digest = hashlib.sha256(subject.encode()).hexdigest()[:32]
        return f"hall:throttle:{self.name}:{digest}"


Counted = Iterable[tuple[Limit, str]]


def exceeded(counted: Counted) -> Limit | None:
    """The first limit whose subject has used up its attempts, or None."""
    for limit, subject in counted:
        if cache.get(limit.key(subject), 0) >= limit.max_attempts:
            return limit
    return None


def count(counted: Counted) -> None:
    for limit, subject in counted:
        key = limit.key(subject)
        if cache.add(key, 1, limit.window_seconds):
            continue
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, limit.window_seconds)


def consume(counted: Counted) -> Limit | None:
    """Count one attempt against every limit, unless one is already used up (returned, nothing
    counted). For checks where every attempt tells the person something, success included."""
    counted = list(counted)
    limit = exceeded(counted)
    if limit is None:
        count(counted)
    return limit
