"""The shared cache (Redis) as something the shop can do without for a while.

Django's Redis cache raises on every call while Redis is down, and sessions (`cached_db`), the
page cache's freshness counters, the shop settings, the banner and every rate limit read it on
nearly every request: a Redis outage would make every page an error. `ResilientRedisCache` is
Django's RedisCache that, when Redis cannot be reached, behaves like a cache that has just
forgotten everything: reads miss, writes are dropped, `incr` finds no key (ValueError), `add`
reports the value stored (and already gone). Callers already handle all of that, since a cache
may evict anything at any time: sessions are read from the database, pages are rendered.

- **Fast.** Sockets time out in a fraction of a second (OPTIONS in settings), and after a failure
  calls are not tried again for `RETRY_SECONDS`, so a dead Redis costs a request almost
  nothing, whether it refuses connections or does not answer at all.
- **Said once.** The outage is logged when it starts, then at most once a minute while it
  lasts, and when Redis is back.
- **No stale entries afterwards.** A write or delete that could not reach Redis leaves the old
  value there (a Redis that was only unreachable, or restarted from a snapshot, still has it):
  a session signed out or a cart changed during the outage would come back. The keys of such
  writes are remembered (up to `STALE_KEYS_MAX` per process) and deleted before anything else
  is done once Redis answers again, so the next read goes to the database.

`shared_cache_down()` tells whether the last call failed (no I/O); `shared_cache_ping()` asks
Redis now. Rate limits use them to decide how to fail (see docs/security.md).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.utils.functional import cached_property

logger = logging.getLogger("candor.cache")

RETRY_SECONDS = 2.0
LOG_EVERY_SECONDS = 60.0
STALE_KEYS_MAX = 50_000
REPAIR_CHUNK = 1000


def _unreachable_errors() -> tuple[type[Exception], ...]:
    import redis

    # BusyLoadingError (Redis still loading its snapshot) is a ConnectionError.
    return (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


@dataclass
class _Health:
    """One Redis location's state in this process, shared by its threads."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    down_since: float | None = None  # monotonic; None while Redis answers
    retry_at: float = 0.0
    logged_at: float = 0.0
    misses: int = 0  # calls answered without Redis since the last log line
    stale: set[str] = field(default_factory=set)
    overflowed: bool = False


_health: dict[str, _Health] = {}
_health_lock = threading.Lock()


def _health_of(location: str) -> _Health:
    with _health_lock:
        return _health.setdefault(location, _Health())


class _Client(RedisCacheClient):
    """Django's Redis client whose calls degrade to misses while Redis is unreachable."""

    health: _Health
    retry_seconds: float

    def _guard(
        self, call: Callable[[], Any], miss: Callable[[], Any], writes: Iterable[str] = ()
    ) -> Any:
        health, now = self.health, time.monotonic()
        if health.down_since is not None and now < health.retry_at:
            return self._missed(miss, writes, error=None)
        if health.down_since is not None and not self._repair():
            return self._missed(miss, writes, error=None)
        try:
            return call()
        except _unreachable_errors() as error:
            return self._missed(miss, writes, error=error)

    def _missed(
        self, miss: Callable[[], Any], writes: Iterable[str], *, error: Exception | None
    ) -> Any:
        health, now = self.health, time.monotonic()
        with health.lock:
            for key in writes:
                if len(health.stale) < STALE_KEYS_MAX:
                    health.stale.add(key)
                elif not health.overflowed:
                    health.overflowed = True
                    logger.error(
                        "More than %d cache keys were written while Redis was unreachable; "
                        "later ones may read stale values until they expire",
                        STALE_KEYS_MAX,
                    )
            health.misses += 1
            if error is not None:
                health.retry_at = now + self.retry_seconds
                if health.down_since is None:
                    health.down_since = health.logged_at = now
                    health.misses = 0
                    logger.error(
                        "The shared cache (Redis) is unreachable (%s): pages are served "
                        "uncached, sessions from the database",
                        error,
                    )
            if health.down_since is not None and now - health.logged_at >= LOG_EVERY_SECONDS:
                logger.error(
                    "The shared cache (Redis) is still unreachable after %.0f s (%d calls "
                    "answered without it)",
                    now - health.down_since,
                    health.misses,
                )
                health.logged_at, health.misses = now, 0
        return miss()

    def _repair(self) -> bool:
        """Redis may be back: delete what was written while it was not. True if it answered."""
        health = self.health
        with health.lock:
            stale, health.stale = list(health.stale), set()
        try:
            client = self.get_client(None, write=True)
            if not stale:
                client.ping()
            for start in range(0, len(stale), REPAIR_CHUNK):
                client.delete(*stale[start : start + REPAIR_CHUNK])
        except _unreachable_errors():
            with health.lock:
                health.stale.update(stale[:STALE_KEYS_MAX])
                health.retry_at = time.monotonic() + self.retry_seconds
            return False
        with health.lock:
            if health.down_since is not None:
                logger.warning(
                    "The shared cache (Redis) answers again after %.0f s; %d keys written "
                    "meanwhile were deleted",
                    time.monotonic() - health.down_since,
                    len(stale),
                )
            health.down_since, health.misses, health.overflowed = None, 0, False
        return True

    # Each call: what Django's client does, and what it answers without Redis.
    def add(self, key, value, timeout):
        return self._guard(lambda: super(_Client, self).add(key, value, timeout), _true, [key])

    def get(self, key, default):
        return self._guard(lambda: super(_Client, self).get(key, default), lambda: default)

    def set(self, key, value, timeout):
        return self._guard(lambda: super(_Client, self).set(key, value, timeout), _none, [key])

    def touch(self, key, timeout):
        return self._guard(lambda: super(_Client, self).touch(key, timeout), _false, [key])

    def delete(self, key):
        return self._guard(lambda: super(_Client, self).delete(key), _false, [key])

    def get_many(self, keys):
        keys = list(keys)
        return self._guard(lambda: super(_Client, self).get_many(keys), dict)

    def has_key(self, key):
        return self._guard(lambda: super(_Client, self).has_key(key), _false)

    def incr(self, key, delta):
        def not_found():
            raise ValueError(f"Key '{key}' not found.")

        return self._guard(lambda: super(_Client, self).incr(key, delta), not_found, [key])

    def set_many(self, data, timeout):
        return self._guard(lambda: super(_Client, self).set_many(data, timeout), _none, list(data))

    def delete_many(self, keys):
        keys = list(keys)
        return self._guard(lambda: super(_Client, self).delete_many(keys), _none, keys)

    def clear(self):
        return self._guard(lambda: super(_Client, self).clear(), _false)

    def ping(self, *, now: bool) -> bool:
        """Whether Redis answers; `now` asks it even within the retry pause."""
        if now:
            with self.health.lock:
                self.health.retry_at = 0.0
        return self._guard(lambda: bool(self.get_client(None).ping()), _false)


def _true() -> bool:
    return True


def _false() -> bool:
    return False


def _none() -> None:
    return None


class ResilientRedisCache(RedisCache):
    """Django's RedisCache that answers misses while Redis is unreachable (module docstring).

    OPTIONS take `RETRY_SECONDS` (how long to leave Redis alone after a failure) besides the
    redis-py connection options, such as `socket_connect_timeout` and `socket_timeout`.
    """

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS", {}))
        self.retry_seconds = float(options.pop("RETRY_SECONDS", RETRY_SECONDS))
        super().__init__(server, {**params, "OPTIONS": options})
        self._health = _health_of(",".join(self._servers))

    @cached_property
    def _cache(self) -> _Client:
        client = _Client(self._servers, **self._options)
        client.health, client.retry_seconds = self._health, self.retry_seconds
        return client

    def is_down(self) -> bool:
        """Whether the last call to Redis failed and it has not answered since (no I/O)."""
        return self._health.down_since is not None

    def ping(self, *, now: bool = False) -> bool:
        return self._cache.ping(now=now)


def shared_cache_down(alias: str = "default") -> bool:
    """True while the shared cache is known to be unreachable (no I/O). Other caches (local
    memory, in the embedded shop) are never down."""
    backend = caches[alias]
    return isinstance(backend, ResilientRedisCache) and backend.is_down()


def shared_cache_ping(alias: str = "default", *, now: bool = False) -> bool:
    """Whether the shared cache answers (one round trip to Redis; True for other caches)."""
    backend = caches[alias]
    return not isinstance(backend, ResilientRedisCache) or backend.ping(now=now)
