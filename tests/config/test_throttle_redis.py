"""config.throttle on a real Redis (the production cache): one round trip per API request, the same
fixed window and the same answers as through the cache API."""

import uuid

import pytest
from django.core.cache import caches

from config import throttle

LIMIT = throttle.Limit("test-redis", 3, 60, "too many")


@pytest.fixture
def redis_cache(settings):
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            **settings.CACHES["default"],
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/9",
        },
    }
    yield caches["default"]
    caches["default"].clear()


def _answers(subject: str) -> list[bool]:
    return [throttle.consume([(LIMIT, subject)]) is LIMIT for _ in range(5)]


def test_the_fourth_attempt_is_refused_and_not_counted(redis_cache):
    subject = f"user:{uuid.uuid4()}"
    assert throttle._redis() is not None  # the one-round-trip path is the one under test
    assert _answers(subject) == [False, False, False, True, True]
    key = LIMIT.key(subject)
    assert redis_cache.get(key) == 3  # the cache API reads what the pipeline wrote
    ttl = throttle._redis().ttl(redis_cache.make_and_validate_key(key))
    assert 0 < ttl <= 60  # the window started with the first attempt and is not extended
    assert throttle.consume([(LIMIT, f"user:{uuid.uuid4()}")]) is None  # another subject is apart


def test_the_same_answers_as_through_the_cache_api(redis_cache, settings):
    on_redis = _answers(f"user:{uuid.uuid4()}")
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert throttle._redis() is None
    assert _answers(f"user:{uuid.uuid4()}") == on_redis


def test_one_round_trip_per_request(redis_cache, monkeypatch):
    client = throttle._redis()
    sent = []
    original = type(client).execute_command
    monkeypatch.setattr(
        type(client), "execute_command", lambda self, *a, **k: sent.append(a[0]) or original(self, *a, **k)
    )
    throttle.consume([(LIMIT, f"user:{uuid.uuid4()}")])
    assert sent == []  # the pipeline sends SET NX and INCR together, not one command each


def test_one_client_per_cache_instance(redis_cache, settings):
    # Django makes a new Redis client for every call; the throttle keeps the first one of each cache
    # instance, and a new cache configuration gets a client of its own.
    assert throttle._redis() is throttle._redis()
    first = throttle._redis()
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/8",
        }
    }
    assert throttle._redis() is not first
    assert throttle._redis().connection_pool.connection_kwargs["db"] == 8
