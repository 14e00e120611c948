"""The shared cache on a redis-server of the test's own (tests/redis_server.py)."""

import pytest

from candor.core import cache as shared_cache

FAST = {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}


@pytest.fixture
def redis_cache(own_redis, settings):
    """The project's Redis cache (candor.core.cache) as the default cache, on own_redis. A
    long retry pause, so a test decides when Redis is tried again (`ping(now=True)`)."""
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "candor.core.cache.ResilientRedisCache",
            "LOCATION": own_redis.url(),
            "OPTIONS": {**FAST, "RETRY_SECONDS": 300},
        },
    }
    from django.core.cache import caches

    yield caches["default"]
    shared_cache._health.clear()
