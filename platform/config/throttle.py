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
    if len(counted) == 1 and (client := _redis()) is not None:
        return _consume_one(client, *counted[0])
    limit = exceeded(counted)
    if limit is None:
        count(counted)
    return limit


def _redis():
    """The Redis client behind the default cache, when it is Django's RedisCache (else None)."""
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return None
    # One client per cache instance (each thread has its own): Django builds a new one on every call,
    # which cost more CPU than the round trip itself. A client is only a handle on the shared pool.
    client = getattr(backend, "_hall_write_client", None)
    if client is None:
        client = backend._hall_write_client = backend._cache.get_client(write=True)
    return client


def _consume_one(client, limit: Limit, subject: str) -> Limit | None:
    """``consume`` for one limit in one round trip (every API request takes it): start the window if
    there is none (SET NX with its expiry, as ``count``'s add), count, and take the attempt back if it
    went over (the cache API needs four: get, add, and incr's exists and incr)."""
    key = cache.make_and_validate_key(limit.key(subject))
    pipe = client.pipeline(transaction=False)
    pipe.set(key, 0, ex=limit.window_seconds, nx=True)
    pipe.incr(key)
    _started, attempts = pipe.execute()
    if attempts > limit.max_attempts:
        client.decr(key)
        return limit
    return None
